from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from people.management.commands.import_credits import printable, read_file
from people.spreadsheet.format import CreditsError
from people.spreadsheet.people import describe_naming, import_people, read_people


class Command(BaseCommand):
    help = (
        "Import a people file written by export_people: people are matched by slug, else by "
        "name or other spelling, then created or updated; other spellings, old addresses and "
        "choices not to be named are added. Nothing is deleted. All or nothing, recorded as "
        "one change set (undo it with undo_change_set)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file written by export_people")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change and write nothing"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        data = read_file(path)
        try:
            plan = import_people(read_people(data), dry_run=options["dry_run"], source=path.name)
        except CreditsError as error:
            raise CommandError(
                f"{printable(path)}: nothing was imported.\n{printable(error)}"
            ) from error
        self.report_naming(plan)
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: importing {printable(path)} would make {plan}. Nothing was written."
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Imported {printable(path)}: {plan}."))

    def report_naming(self, plan):
        """Every choice about being named the file adds: few, and each one matters."""
        lines = [
            f"  row {person.row}: {person.name} (/{person.slug}/): " + "; ".join(phrases)
            for person in plan.people
            if (phrases := describe_naming(person))
        ]
        if lines:
            self.stdout.write(printable(f"Choices about being named ({len(lines)}):"))
            for line in lines:
                self.stdout.write(printable(line))
