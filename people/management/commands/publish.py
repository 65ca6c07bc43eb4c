from django.core.management.base import BaseCommand, CommandError

from people.models import Project
from people.versions import PublishError, preview, publish


class Command(BaseCommand):
    help = (
        "Publish a project's draft as its next version, after printing what changed since the "
        "latest (--dry-run prints only). Readers see nothing of the draft until then."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the project's slug")
        parser.add_argument("--note", default="", help="a note for readers, shown with the version")
        parser.add_argument("--dry-run", action="store_true", help="print the changes only")

    def handle(self, *args, **options):
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
        if options["dry_run"]:
            return
        try:
            publication = publish(
                project,
                note=options["note"],
                base=reviewed.base,
                fingerprint=reviewed.fingerprint,
            )
        except PublishError as error:
            raise CommandError(str(error)) from error
        number = publication.version.number
        if publication.is_new:
            message = f'Published "{project}" as version {number}.'
        else:
            message = f'"{project}" is online again, as version {number}.'
        self.stdout.write(self.style.SUCCESS(message))
