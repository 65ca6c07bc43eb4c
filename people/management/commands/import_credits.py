from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from people.credits_csv import CreditsError, read_credits
from people.credits_import import import_credits
from people.credits_plan import ADD, SYNC
from people.models import Project

LISTED = 20


class Command(BaseCommand):
    help = (
        "Import credits from a CSV file (columns section, team, person, role and optionally "
        "sort_name; see README.md) into a project. All or nothing: on any error nothing is "
        "written and the message names the row and column."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file, UTF-8, comma-separated, with a header row")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change and write nothing"
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="make the project's credits exactly the file: credits, teams and sections "
            "that are not in it are removed (default: only add what is new)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(
                f'There is no project with the slug "{options["project"]}". Create it with: '
                f'manage.py create_project {options["project"]} --title "..."'
            )
        data = read_file(path)
        mode = SYNC if options["sync"] else ADD
        show_progress = self.stderr.isatty()
        try:
            rows = read_credits(data)
            plan = import_credits(
                project,
                rows,
                mode,
                dry_run=options["dry_run"],
                source=path.name,
                progress=self.show_progress if show_progress else None,
            )
        except CreditsError as error:
            raise CommandError(f"{path}: nothing was imported.\n{error}") from error
        if show_progress and plan.role_inserts and not options["dry_run"]:
            self.stderr.write("")
        self.report(plan)
        if options["dry_run"]:
            self.stdout.write(
                f'Dry run: importing {path} into "{project}" ({mode}) would make '
                f"{plan.summary()}. Nothing was written."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f'Imported {path} into "{project}" ({mode}): {plan.summary()}.')
            )

    def show_progress(self, done, total):
        self.stderr.write(f"\rImporting credits: {done:,} of {total:,}", ending="")

    def report(self, plan):
        for shared in plan.shared_names[:LISTED]:
            self.stdout.write(
                f'Row {shared.row}: "{shared.name}" is credited to {shared.person}; it is also '
                f"another spelling of {shared.others}. If they are one person, merge them."
            )
        self.more(len(plan.shared_names) - LISTED)
        if plan.new_people:
            self.stdout.write(f"New people ({len(plan.new_people)}):")
            flagged = [person for person in plan.new_people if person.similar]
            listed = flagged + [p for p in plan.new_people if not p.similar][:LISTED]
            for person in sorted(listed, key=lambda person: person.row):
                note = f" (did you mean {person.similar}?)" if person.similar else ""
                self.stdout.write(f"  row {person.row}: {person.name}{note}")
            self.more(len(plan.new_people) - len(listed))
        for row, first in plan.duplicates[:LISTED]:
            self.stdout.write(f"Row {row} repeats row {first}: imported once.")
        self.more(len(plan.duplicates) - LISTED)
        if plan.removed:
            self.stdout.write(f"Credits removed ({len(plan.removed)}):")
            for credit in plan.removed[:LISTED]:
                place = credit.section + (f" / {credit.team}" if credit.team else "")
                title = f" ({credit.title})" if credit.title else ""
                self.stdout.write(f"  {place}: {credit.person}{title}")
            self.more(len(plan.removed) - LISTED)

    def more(self, number):
        if number > 0:
            self.stdout.write(f"  … and {number:,} more")


def read_file(path):
    try:
        size = path.stat().st_size
        if size > settings.IMPORT_MAX_BYTES:
            raise CommandError(
                f"{path} is {filesizeformat(size)}; the largest file that can be imported is "
                f"{filesizeformat(settings.IMPORT_MAX_BYTES)} "
                "(set CREDITS_IMPORT_MAX_BYTES to change the limit)."
            )
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
