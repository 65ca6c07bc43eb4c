from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from people.models import Project
from people.spreadsheet.apply import import_credits
from people.spreadsheet.format import CreditsError, is_too_large, read_credits, size_limit
from people.spreadsheet.plan import ADD, SYNC

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
        if show_progress and plan.changes.new_credits and not options["dry_run"]:
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
        shared_names = plan.report.shared_names
        for shared in shared_names[:LISTED]:
            self.stdout.write(
                f'Row {shared.row}: "{shared.name}" is credited to {shared.person}; it is also '
                f"another spelling of {shared.others}. If they are one person, merge them."
            )
        self.more(len(shared_names) - LISTED)
        self.report_new_people(plan.newcomers)
        duplicates = plan.report.duplicates
        for duplicate in duplicates[:LISTED]:
            self.stdout.write(f"Row {duplicate.row} repeats row {duplicate.first}: imported once.")
        self.more(len(duplicates) - LISTED)
        self.report_removed(list(plan.changes.removed_credits))

    def report_new_people(self, newcomers):
        """Every new person who resembles someone, and the first few others."""
        if not newcomers:
            return
        self.stdout.write(f"New people ({len(newcomers)}):")
        flagged = [newcomer for newcomer in newcomers if newcomer.look_alike]
        listed = flagged + [newcomer for newcomer in newcomers if not newcomer.look_alike][:LISTED]
        for newcomer in sorted(listed, key=lambda newcomer: newcomer.person.row):
            note = f" (did you mean {newcomer.look_alike}?)" if newcomer.look_alike else ""
            self.stdout.write(f"  row {newcomer.person.row}: {newcomer.person.name}{note}")
        self.more(len(newcomers) - len(listed))

    def report_removed(self, credits):
        if not credits:
            return
        self.stdout.write(f"Credits removed ({len(credits)}):")
        for credit in credits[:LISTED]:
            section, team = credit.place.section, credit.place.team
            place = section.title + (f" / {team.name}" if team and team.name else "")
            title = f" ({credit.title})" if credit.title else ""
            self.stdout.write(f"  {place}: {credit.person.name}{title}")
        self.more(len(credits) - LISTED)

    def more(self, number):
        if number > 0:
            self.stdout.write(f"  … and {number:,} more")


def read_file(path):
    try:
        size = path.stat().st_size
        if is_too_large(size):
            raise CommandError(
                f"{path} is {filesizeformat(size)}; the largest file that can be imported is "
                f"{size_limit()} (set CREDITS_IMPORT_MAX_BYTES to change the limit)."
            )
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
