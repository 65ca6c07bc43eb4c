import sys

from django.core.management.base import BaseCommand, CommandError

from people.management.commands.import_credits import YES, printable
from people.models import Project
from people.versions import PublishError, WaitingForAnswers, preview, publish


class Command(BaseCommand):
    help = (
        "Publish a project's draft as its next version, after printing what changed since the "
        "latest (--dry-run prints only). Readers see nothing of the draft until then. When the "
        "project's rule says publishing waits for everyone's review, it asks first (--force "
        "publishes without asking)."
    )
    # call_command(..., stdin=...) answers the question the command asks on a terminal.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the project's slug")
        parser.add_argument("--note", default="", help="a note for readers, shown with the version")
        parser.add_argument("--dry-run", action="store_true", help="print the changes only")
        parser.add_argument(
            "--force",
            action="store_true",
            help="publish even while the project waits for people to answer their review "
            "(needed when not on a terminal)",
        )

    def handle(self, *args, **options):
        self.stdin = options.get("stdin") or sys.stdin
        project = Project.objects.filter(slug=options["slug"]).first()
        if project is None:
            raise CommandError(f'There is no project with the slug "{options["slug"]}".')
        reviewed = preview(project)
        if reviewed.comparison is not None:
            self.stdout.write(f"Since version {reviewed.base}: {reviewed.comparison.summary()}.")
            for group in reviewed.groups():
                self.stdout.write(f"{group.title}:")
                for line in group.lines:
                    self.stdout.write(f"  {line}")
        if reviewed.waiting is not None:
            self.stdout.write(
                printable(
                    f"The rule of this project is to {reviewed.waiting.rule()}. {reviewed.waiting}."
                )
            )
        if options["dry_run"]:
            return
        try:
            publication = publish(
                project,
                note=options["note"],
                base=reviewed.base,
                fingerprint=reviewed.fingerprint,
                anyway=options["force"] or self.confirmed(reviewed.waiting),
            )
        except WaitingForAnswers as error:
            raise CommandError(
                printable(f"{error}\nRun the command again with --force to publish anyway.")
            ) from error
        except PublishError as error:
            raise CommandError(str(error)) from error
        number = publication.version.number
        if publication.is_new:
            message = f'Published "{project}" as version {number}.'
        else:
            message = f'"{project}" is online again, as version {number}.'
        self.stdout.write(self.style.SUCCESS(message))

    def confirmed(self, waiting):
        """Whether the person at the terminal says to publish without the answers waited for."""
        if waiting is None or not self.stdin.isatty():
            return False
        self.stdout.write("Publish anyway, without their answers? [y/N] ", ending="")
        self.stdout.flush()
        if self.stdin.readline().strip().casefold() not in YES:
            raise CommandError("Nothing was published.")
        return True
