import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from people.models import Project
from people.spreadsheet.export import export_credits_csv, export_credits_xlsx


class Command(BaseCommand):
    help = (
        "Export a project's credits in the import format (CSV, UTF-8, LF line endings; "
        "XLSX when the output file ends in .xlsx), in page order."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("-o", "--output", help="the file to write (default: standard output)")
        parser.add_argument(
            "--with-emails",
            action="store_true",
            help="add an email column with people's private email addresses (keep the file "
            "private)",
        )

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f'There is no project with the slug "{options["project"]}".')
        output = options["output"]
        if output and output.lower().endswith(".xlsx"):
            data = export_credits_xlsx(project, with_emails=options["with_emails"])
        else:
            data = export_credits_csv(project, with_emails=options["with_emails"]).encode()
        if not output:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        try:
            Path(output).write_bytes(data)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        self.stderr.write(f'Exported the credits of "{project}" to {output}.')
