import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from people.models import Project
from people.spreadsheet.apply import collector_paused, plan_import, write_plan
from people.spreadsheet.format import (
    CreditsError,
    is_too_large,
    read_bounded,
    read_credits,
    size_limit,
)
from people.spreadsheet.people import (
    describe_naming,
    describe_person_changes,
    plan_people,
    read_people,
)
from people.spreadsheet.plan import ADD, SYNC

LISTED = 20
# New people who resemble someone are listed up to this many; the names after the last
# of them are not compared (the admin's import preview compares and lists them all).
LOOK_ALIKES_LISTED = 100
YES = ("y", "yes")
# Names and titles are printed with these escaped, as Python writes them ("\x1b"), so that a
# name cannot move the cursor, clear the screen or reverse the text of a terminal: the C0
# and C1 control characters but tab and line feed, and the bidirectional embeddings,
# overrides and isolates.
TERMINAL_CONTROLS = {
    code: repr(chr(code))[1:-1]
    for code in [
        *range(0x00, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
    if chr(code) not in "\t\n"
}


def printable(text):
    """`text` with control characters shown escaped, for a terminal."""
    return str(text).translate(TERMINAL_CONTROLS)


class Command(BaseCommand):
    help = (
        "Import credits from a CSV file (columns section, team, person, role and optionally "
        "sort_name and email; see README.md) into a project. All or nothing: on any error "
        "nothing is written and the message names the row and column."
    )
    # call_command(..., stdin=...) answers the question a sync asks on a terminal.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file, UTF-8, comma-separated, with a header row")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument(
            "--people",
            metavar="FILE",
            help="a people file written by export_people, imported first in the same "
            "transaction and change set, so that the credits find the people, other "
            "spellings and addresses it carries",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change and write nothing"
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="make the project's credits exactly the file: credits, teams and sections "
            "that are not in it are removed (default: only add what is new)",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="remove what a sync removes without asking (needed when not on a terminal)",
        )
        parser.add_argument(
            "--allow-mass-removal",
            action="store_true",
            help="let a sync remove more than half of the project's credits",
        )

    def handle(self, *args, **options):
        self.stdin = options.get("stdin") or sys.stdin
        path = Path(options["file"])
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(
                f'There is no project with the slug "{printable(options["project"])}". Create '
                f'it with: manage.py create_project {printable(options["project"])} --title "..."'
            )
        data = read_file(path)
        people = self.plan_people_file(options["people"])
        with_people = f" with {printable(options['people'])}" if people is not None else ""
        mode = SYNC if options["sync"] else ADD
        show_progress = self.stderr.isatty()
        try:
            with collector_paused():
                rows = read_credits(data)
                plan = plan_import(project, rows, mode, people=people)
                self.report_people(people)
                self.report(plan)
                if options["dry_run"]:
                    self.stdout.write(
                        f"Dry run: importing {printable(path)}{with_people} into "
                        f'"{printable(project)}" ({mode}) would make {plan.summary()}. '
                        "Nothing was written."
                    )
                    return
                self.confirm_removals(plan, options)
                write_plan(
                    plan,
                    rows,
                    source=path.name,
                    progress=self.show_progress if show_progress else None,
                )
        except CreditsError as error:
            raise CommandError(
                f"{printable(path)}: nothing was imported.\n{printable(error)}"
            ) from error
        if show_progress and plan.changes.new_credits:
            self.stderr.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f'Imported {printable(path)}{with_people} into "{printable(project)}" ({mode}): '
                f"{plan.summary()}."
            )
        )

    def plan_people_file(self, name):
        """The PeoplePlan of the --people file, or None; CommandError naming that file."""
        if not name:
            return None
        path = Path(name)
        try:
            return plan_people(read_people(read_file(path)), path.name)
        except CreditsError as error:
            raise CommandError(
                f"{printable(path)}: nothing was imported.\n{printable(error)}"
            ) from error

    def report_people(self, people):
        """What the people file changes: every person it creates or changes, the first few."""
        if people is None:
            return
        self.say(f"People file: {people.summary()}.")
        self.listing(
            "People created",
            [
                f"row {person.row}: {person.name} (/{person.slug}/)"
                + "".join(f"; {phrase}" for phrase in describe_naming(person))
                for person in people.new
            ],
        )
        self.listing(
            "People changed",
            [
                f"row {person.row}: {person.name}: " + "; ".join(describe_person_changes(person))
                for person in people.changed
            ],
        )

    def confirm_removals(self, plan, options):
        """Go on only if what a sync removes is confirmed, by --yes or on a terminal."""
        if not plan.removes_anything:
            return
        warning = plan.removal_warning()
        if plan.is_mass_removal and not options["allow_mass_removal"]:
            raise CommandError(
                f"{warning}\nNothing was imported: a sync that removes more than half of a "
                "project's credits needs --allow-mass-removal."
            )
        if options["yes"]:
            return
        if not self.stdin.isatty():
            raise CommandError(
                f"{warning}\nNothing was imported: run the command again with --yes to confirm "
                "(it asks only on a terminal)."
            )
        self.stdout.write("Remove them and import the file? [y/N] ", ending="")
        self.stdout.flush()
        if self.stdin.readline().strip().casefold() not in YES:
            raise CommandError("Nothing was imported.")

    def show_progress(self, done, total):
        self.stderr.write(f"\rImporting credits: {done:,} of {total:,}", ending="")

    def report(self, plan):
        shared_names = plan.report.shared_names
        for shared in shared_names[:LISTED]:
            self.say(
                f'Row {shared.row}: "{shared.name}" is credited to {shared.person}; it is also '
                f"another spelling of {shared.others}. If they are one person, merge them."
            )
        self.more(len(shared_names) - LISTED)
        self.listing(
            "Names written family name first",
            [
                f'row {turned.row}: "{turned.written}" read as {turned.name}'
                + (f", credited to {turned.person}" if turned.person else ", a new person")
                for turned in plan.report.family_first
            ],
        )
        self.listing(
            "People who asked not to be named",
            [f"row {person.row}: {person}" for person in plan.report.not_named],
        )
        self.report_new_people(plan)
        duplicates = plan.report.duplicates
        for duplicate in duplicates[:LISTED]:
            self.say(f"Row {duplicate.row} repeats row {duplicate.first}: imported once.")
        self.more(len(duplicates) - LISTED)
        self.report_removed(plan)

    def report_new_people(self, plan):
        """The new people who resemble someone (the first LOOK_ALIKES_LISTED), and a few others.

        New people are compared in the file's order, and no further than the last one
        listed: a file of 50,000 look-alike names is not compared in full to list 100.
        """
        total = len(plan.changes.new_people)
        if not total:
            return
        self.say(f"New people ({total}):")
        flagged = others = compared = 0
        for newcomer in plan.each_newcomer():
            if flagged == LOOK_ALIKES_LISTED:
                break
            compared += 1
            if newcomer.look_alike:
                flagged += 1
                note = f" (did you mean {newcomer.look_alike}?)"
            elif others < LISTED:
                others += 1
                note = ""
            else:
                continue
            self.say(f"  row {newcomer.person.row}: {newcomer.person.name}{note}")
        if compared < total:
            self.say(
                f"  … and {total - flagged - others:,} more: only the first {flagged} who "
                "resemble someone are listed (the admin's import preview lists them all)"
            )
        else:
            self.more(total - flagged - others)

    def report_removed(self, plan):
        """What a sync removes: credits, sections and teams, then the warning in counts."""
        credits = list(plan.changes.removed_credits)
        self.listing(
            "Credits removed",
            [
                f"{credit.place.section.title}{team_name(credit.place.team)}: "
                f"{credit.person.name}{f' ({credit.title})' if credit.title else ''}"
                for credit in credits
            ],
        )
        self.listing(
            "Sections removed", [section.title for section in plan.changes.removed_sections]
        )
        self.listing(
            "Teams removed",
            [
                f"{team.section.title} / {team.name or '(no heading)'}"
                for team in plan.changes.removed_teams
            ],
        )
        if plan.removes_anything:
            self.say(plan.removal_warning())

    def listing(self, heading, lines):
        if not lines:
            return
        self.say(f"{heading} ({len(lines)}):")
        for line in lines[:LISTED]:
            self.say(f"  {line}")
        self.more(len(lines) - LISTED)

    def more(self, number):
        if number > 0:
            self.say(f"  … and {number:,} more")

    def say(self, line):
        self.stdout.write(printable(line))


def team_name(team):
    """ " / Team" after a section's title, or nothing for a lead line or an unheaded group."""
    return f" / {team.name}" if team and team.name else ""


def read_file(path):
    """The bytes of a file, a pipe or a device, reading no more than the import limit allows."""
    try:
        with path.open("rb") as file:
            data = read_bounded(file)
        if is_too_large(len(data)):
            # A pipe or a device has no size of its own: say by how much it is too large.
            size = path.stat().st_size
            raise CommandError(
                f"{printable(path)} is "
                + (filesizeformat(size) if is_too_large(size) else f"more than {size_limit()}")
                + f"; the largest file that can be imported is {size_limit()} "
                "(set CREDITS_IMPORT_MAX_BYTES to change the limit)."
            )
        return data
    except OSError as error:
        raise CommandError(f"Cannot read {printable(path)}: {error.strerror}.") from error
