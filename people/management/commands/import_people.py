from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from people.management.commands.import_credits import printable, read_file
from people.spreadsheet.format import CreditsError
from people.spreadsheet.people import import_people, read_people


class Command(BaseCommand):
    help = (
        "Import a people file written by export_people: people are matched by slug, else by "
        "name or other spelling, then created or updated; other spellings and old addresses "
        "are added. Nothing is deleted. All or nothing."
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
            rows = read_people(data)
            with transaction.atomic():
                counts = import_people(rows)
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except CreditsError as error:
            raise CommandError(
                f"{printable(path)}: nothing was imported.\n{printable(error)}"
            ) from error
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: importing {printable(path)} would make {counts}. Nothing was written."
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Imported {printable(path)}: {counts}."))
