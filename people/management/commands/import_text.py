from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from people.management.commands.import_credits import read_file
from people.models import Project
from people.spreadsheet.format import CreditsError
from people.spreadsheet.plan import ADD, SYNC
from people.textimport.apply import import_text, plan_text_import, prefer_known_spellings
from people.textimport.decode import FORMATS, TextImportError, decode, detect_format
from people.textimport.reader import read_text

LISTED = 20


class Command(BaseCommand):
    help = (
        "Import a credits page from its text (plain text, Markdown, HTML, CITATION.cff or "
        "BibTeX) into a project: sections, teams, lead lines and members through the same "
        "planning as import_credits, plus the intro, links, citation, ordering note and "
        "acknowledgments. All or nothing; lines the reader was unsure of are listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the page: .txt, .md, .html, .cff or .bib, UTF-8")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument(
            "--format",
            choices=[name for name, _label in FORMATS if name],
            help="the text's format (default: from the file's extension, else recognised)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change and write nothing"
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="make the project's credits exactly the page's: credits, teams and sections "
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
        mode = SYNC if options["sync"] else ADD
        try:
            text = decode(read_file(path))
            document = read_text(text, options["format"] or detect_format(text, path.name))
            prefer_known_spellings(document)
            if options["dry_run"]:
                planned = plan_text_import(project, document, mode)
            else:
                planned = import_text(project, document, mode, source=path.name)
        except (TextImportError, CreditsError) as error:
            raise CommandError(f"{path}: nothing was imported.\n{error}") from error
        self.report(planned)
        if options["dry_run"]:
            self.stdout.write(
                f'Dry run: importing {path} into "{project}" ({mode}) would make '
                f"{planned.summary()}. Nothing was written."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f'Imported {path} into "{project}" ({mode}): {planned.summary()}.'
                )
            )

    def report(self, planned):
        document = planned.document
        lost = document.lost_headings
        if lost:
            self.stdout.write(f"Groups without a heading ({len(lost)}):")
            for _section, group in lost:
                heading = group.heading or "(no heading)"
                self.stdout.write(f"  line {group.line}: {group.lost}; imported as “{heading}”")
        if document.marks:
            self.stdout.write(document.marks_summary())
        notes = document.notes
        if notes:
            self.stdout.write(f"Lines to check ({len(notes)}):")
            for note in notes[:LISTED]:
                self.stdout.write(f"  line {note.line}: {note.text} → {note.taken_for}")
            self.more(len(notes) - LISTED)
        not_named = planned.plan.report.not_named
        if not_named:
            self.stdout.write(f"People who asked not to be named ({len(not_named)}):")
            for person in not_named[:LISTED]:
                self.stdout.write(f"  line {person.row}: {person}")
            self.more(len(not_named) - LISTED)
        newcomers = planned.newcomers
        flagged = [newcomer for newcomer in newcomers if newcomer.look_alike]
        if newcomers:
            self.stdout.write(
                f"New people ({len(newcomers)}), of whom {len(flagged)} resemble someone:"
            )
            for newcomer in flagged[:LISTED]:
                person = newcomer.person
                self.stdout.write(
                    f"  line {person.row}: {person.name} (did you mean {newcomer.look_alike}?)"
                )
            self.more(len(flagged) - LISTED)
        for change in planned.extras.fields:
            state = "set" if change.is_written else "kept as it is (the project has one)"
            self.stdout.write(f"{change.label.capitalize()}: “{_short(change.new)}” — {state}")

    def more(self, number):
        if number > 0:
            self.stdout.write(f"  … and {number:,} more")


def _short(text, length=100):
    return text if len(text) <= length else text[: length - 1] + "…"
