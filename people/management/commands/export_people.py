import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from people.models import Person
from people.spreadsheet.people import export_people_csv


class Command(BaseCommand):
    help = (
        "Export every person's identity (name, slug, sort and family names, ORCID, homepage, "
        "other spellings, old addresses, never listed, the projects not named on; never the "
        "email address) as CSV, UTF-8, LF line "
        "endings, by sort key. import_people reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="the file to write (default: standard output)")

    def handle(self, *args, **options):
        data = export_people_csv(Person.objects.all()).encode()
        output = options["output"]
        if not output:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        try:
            Path(output).write_bytes(data)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        self.stderr.write(f"Exported the people to {output}.")
