from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from people.management.commands.import_credits import printable, read_file
from people.spreadsheet.format import CreditsError
from people.spreadsheet.people import import_people, read_people


class Command(BaseCommand):
    help = (
        "Import a people file written by export_people: people are matched by slug, else by "
        "name or other spelling, then created or updated; other spellings and old addresses "
        "are added. Nothing is deleted. All or nothing, recorded as one change set "
        "(undo it with undo_change_set)."
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
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: importing {printable(path)} would make {plan}. Nothing was written."
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Imported {printable(path)}: {plan}."))
