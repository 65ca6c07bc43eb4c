"""Planning a credits import: what a file changes in a project, from a handful of queries.

build_plan matches the file's rows against the project and every person, works out
what sync mode removes and where new sections and teams go. Its ImportPlan holds the
changes, which apply.py writes, and the report, which the preview and the command show.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING

from people import duplicates
from people.models import (
    Alias,
    Credit,
    NotNamed,
    Person,
    Project,
    Section,
    Team,
)
from people.sorting import normalize_name, same_name_key
from people.spreadsheet.format import CreditsError, Problem

if TYPE_CHECKING:
    from people.spreadsheet.people import PeoplePlan

ADD = "add"
SYNC = "sync"
MODES = [
    (ADD, "Add: add the credits that are new, change nothing else"),
    (SYNC, "Sync: the project's credits become exactly the file (others are removed)"),
]

# What a credit refers to: a row of the database (Existing…, found by pk) or one the
# import creates (New…). Fields marked `_shown` are for the preview only: they take no
# part in comparisons, nor in the digest that tells whether the database moved.
_shown = {"compare": False, "repr": False}


@dataclass(frozen=True, slots=True)
class ExistingSection:
    pk: int
    title: str = field(**_shown)


@dataclass(frozen=True, slots=True)
class NewSection:
    title: str


@dataclass(frozen=True, slots=True)
class ExistingTeam:
    pk: int
    section: ExistingSection = field(**_shown)
    name: str = field(**_shown)


@dataclass(frozen=True, slots=True)
class NewTeam:
    section: ExistingSection | NewSection
    name: str


@dataclass(frozen=True, slots=True)
class ExistingPerson:
    pk: int
    name: str = field(**_shown)


@dataclass(frozen=True, slots=True)
class NewPerson:
    """A person the import creates: the name as first written, in `row`."""

    name: str
    row: int = field(**_shown)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a credit is: a team of a section, or the section itself for a lead line."""

    section: ExistingSection | NewSection
    team: ExistingTeam | NewTeam | None


@dataclass(frozen=True, slots=True)
class PlannedCredit:
    """A person in a place with a title; `row` is where the file has it (None: the database)."""

    place: Place
    person: ExistingPerson | NewPerson
    title: str
    row: int | None = field(default=None, **_shown)


@dataclass(frozen=True, slots=True)
class SortNameChange:
    """A person whose sort name the file changes."""

    person: ExistingPerson
    old: str = field(**_shown)
    new: str


@dataclass(frozen=True, slots=True)
class EmailChange:
    """A person whose private email address the file sets (`old` empty) or changes."""

    person: ExistingPerson | NewPerson
    old: str = field(**_shown)
    new: str

    @property
    def is_set(self):
        return not self.old


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row that repeats the credit of an earlier row (`first`): imported once."""

    row: int
    first: int


@dataclass(frozen=True, slots=True)
class SharedName:
    """A name of the file that is one person's name and other people's other spelling.

    The credit goes to the person of that name; the file may have meant the others.
    """

    name: str
    row: int
    person: str
    others: str


@dataclass(frozen=True, slots=True)
class Newcomer:
    """A new person as the preview lists them, with the name they resemble, if any.

    `same_as` is the pk of the person in the database they resemble: the editor may
    decide they are that person (see build_plan's `same_people`).
    """

    person: NewPerson
    look_alike: str
    same_as: int | None = None


@dataclass(frozen=True, slots=True)
class NewAlias:
    """A name of the file the editor decided is another spelling of an existing person."""

    person: ExistingPerson
    name: str


@dataclass(frozen=True, slots=True)
class FamilyFirst:
    """A `person` cell written family name first, "Lovelace, Ada", read as "Ada Lovelace".

    `person` is the name of the existing person it matched, "" if it is a new person.
    """

    written: str
    row: int
    name: str
    person: str


@dataclass(frozen=True, slots=True)
class NotNamedPerson:
    """A person of the file who asked not to be named on the project (`anywhere`: on any).

    The import keeps their choice: their credits stay unnamed on the page.
    """

    name: str
    row: int
    anywhere: bool

    def __str__(self):
        where = "to be listed on any project" if self.anywhere else "to be named on this project"
        return f"{self.name} asked not {where}: their credits stay unnamed"


@dataclass(frozen=True, slots=True)
class CreditGroup:
    """The credits of one place, as the preview lists them."""

    place: Place
    credits: list[PlannedCredit]

    @property
    def team_label(self):
        team = self.place.team
        if team is None:
            return "(lead lines)"
        return team.name or "(no heading)"


def credit_groups(credits):
    """`credits` grouped by place, places in the order they first appear."""
    groups = defaultdict(list)
    for credit in credits:
        groups[credit.place].append(credit)
    return [CreditGroup(place, place_credits) for place, place_credits in groups.items()]


@dataclass
class Changes:
    """What applying a plan writes, each change once."""

    new_sections: dict[NewSection, int] = field(default_factory=dict)  # -> position
    new_teams: dict[NewTeam, int] = field(default_factory=dict)  # -> position
    new_people: dict[NewPerson, str] = field(default_factory=dict)  # -> sort name, or ""
    new_credits: list[PlannedCredit] = field(default_factory=list)
    sort_names: list[SortNameChange] = field(default_factory=list)
    emails: list[EmailChange] = field(default_factory=list)
    new_aliases: list[NewAlias] = field(default_factory=list)
    positions: dict[ExistingSection | ExistingTeam, int] = field(default_factory=dict)
    removed_credits: dict[PlannedCredit, int] = field(default_factory=dict)  # -> Credit pk
    removed_teams: list[ExistingTeam] = field(default_factory=list)
    removed_sections: list[ExistingSection] = field(default_factory=list)


@dataclass
class Report:
    """What the preview and the command show besides the changes."""

    rows_read: int
    credits_before: int = 0  # the project's credits before the import
    unchanged: list[PlannedCredit] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    shared_names: list[SharedName] = field(default_factory=list)
    family_first: list[FamilyFirst] = field(default_factory=list)
    not_named: list[NotNamedPerson] = field(default_factory=list)
    # Everyone's names and other spellings as (person pk, text), for look_alikes().
    known_names: list[tuple[int, str]] = field(default_factory=list, repr=False)
    known_aliases: list[tuple[int, str]] = field(default_factory=list, repr=False)


@dataclass
class ImportPlan:
    """What importing a file into a project will change, and what to tell the editor."""

    project: Project
    mode: str
    changes: Changes
    report: Report
    same_people: dict[int, int] = field(default_factory=dict)  # see build_plan
    # The people file imported first, with the credits (people/spreadsheet/people.py), and
    # {pk: slug} of the people it creates: the plan refers to them by pk, which differs
    # each time the people file is applied, so the digest names them by slug.
    people: "PeoplePlan | None" = None
    people_slugs: dict[int, str] = field(default_factory=dict)

    @property
    def has_changes(self):
        if self.people is not None and self.people.has_changes:
            return True
        return any(getattr(self.changes, change.name) for change in fields(Changes))

    @property
    def removes_anything(self):
        changes = self.changes
        return bool(changes.removed_credits or changes.removed_teams or changes.removed_sections)

    @property
    def is_mass_removal(self):
        """Whether the import removes more than half of the project's credits."""
        return len(self.changes.removed_credits) * 2 > self.report.credits_before

    def removal_warning(self):
        """What a sync removes, in a sentence or two for the editor to confirm; "" if nothing."""
        if not self.removes_anything:
            return ""
        changes = self.changes
        removed = []
        if changes.removed_credits:
            removed.append(
                f"{len(changes.removed_credits)} of the project's "
                + _count(self.report.credits_before, "credit")
            )
        if changes.removed_sections:
            removed.append(_count(len(changes.removed_sections), "section"))
        if changes.removed_teams:
            removed.append(_count(len(changes.removed_teams), "team"))
        last = removed.pop()
        warning = f"This sync removes {', '.join(removed) + ' and ' if removed else ''}{last}."
        if self.is_mass_removal:
            warning += " That is more than half of the project's credits."
        return warning

    @cached_property
    def look_alike_people(self):
        """{new person: (the name they resemble, its person's pk or None)}, when first shown.

        A plan made to be written or checked against another is never shown, and its
        new people are never compared.
        """
        if not self.changes.new_people:
            return {}
        report = self.report
        return _look_alikes(list(self.changes.new_people), report.known_names, report.known_aliases)

    @property
    def look_alikes(self):
        """{new person: the name they resemble}."""
        return {person: label for person, (label, _) in self.look_alike_people.items()}

    @cached_property
    def newcomers(self):
        found = self.look_alike_people
        newcomers = [
            Newcomer(person, *found.get(person, ("", None))) for person in self.changes.new_people
        ]
        # A person the people file creates has no pk yet to decide for: only the name is shown.
        return [
            replace(newcomer, same_as=None) if newcomer.same_as in self.people_slugs else newcomer
            for newcomer in newcomers
        ]

    def each_newcomer(self):
        """The newcomers in turn, each compared with everyone as it comes, for a listing that
        may stop early: 50,000 new names need not all be compared to list the first few."""
        report = self.report
        for person, found in _each_look_alike(
            list(self.changes.new_people), report.known_names, report.known_aliases
        ):
            yield Newcomer(person, *(found or ("", None)))

    @property
    def has_decisions(self):
        """Whether the preview asks the editor about some names (same person or new)."""
        return any(newcomer.same_as for newcomer in self.newcomers)

    @property
    def changed_emails(self):
        """The email address changes that replace an address stored (not those that set one)."""
        return [change for change in self.changes.emails if not change.is_set]

    @cached_property
    def new_credit_groups(self):
        return credit_groups(self.changes.new_credits)

    @cached_property
    def unchanged_groups(self):
        return credit_groups(self.report.unchanged)

    @cached_property
    def removed_groups(self):
        return credit_groups(self.changes.removed_credits)

    def counts(self):
        changes, report = self.changes, self.report
        return {
            "new credits": len(changes.new_credits),
            "unchanged credits": len(report.unchanged),
            "removed credits": len(changes.removed_credits),
            "new people": len(changes.new_people),
            "new sections": len(changes.new_sections),
            "new teams": len(changes.new_teams),
            "removed sections": len(changes.removed_sections),
            "removed teams": len(changes.removed_teams),
            "sort names changed": len(changes.sort_names),
            "email addresses set": sum(change.is_set for change in changes.emails),
            "email addresses changed": sum(not change.is_set for change in changes.emails),
            "duplicate rows": len(report.duplicates),
        }

    def summary(self):
        """One line of counts, e.g. "3 new credits, 40 unchanged; 2 new people"."""
        if self.people is not None:
            return f"{self.credits_summary()}; from the people file: {self.people.summary()}"
        return self.credits_summary()

    def credits_summary(self):
        count = self.counts()
        parts = [
            _count(count["new credits"], "new credit"),
            f"{count['unchanged credits']} unchanged",
        ]
        if self.mode == SYNC:
            parts.append(f"{count['removed credits']} removed")
        extra = [
            _count(count["new people"], "new person", "new people"),
            _count(count["new sections"], "new section"),
            _count(count["new teams"], "new team"),
            _count(count["removed sections"], "section removed", "sections removed"),
            _count(count["removed teams"], "team removed", "teams removed"),
            _count(count["sort names changed"], "sort name changed", "sort names changed"),
            _count(count["email addresses set"], "email address set", "email addresses set"),
            _count(
                count["email addresses changed"],
                "email address changed",
                "email addresses changed",
            ),
            _count(len(self.changes.positions), "section or team moved", "sections or teams moved"),
            _count(count["duplicate rows"], "duplicate row", "duplicate rows") + " imported once",
        ]
        extra = [part for part in extra if not part.startswith("0 ")]
        return ", ".join(parts) + ("; " + ", ".join(extra) if extra else "")

    def short_summary(self):
        """Counts that fit a history record's reason."""
        count = self.counts()
        return (
            f"{count['new credits']} new, {count['unchanged credits']} unchanged, "
            f"{count['removed credits']} removed credits, {count['new people']} new people"
        )

    def digest(self):
        """A fingerprint of the changes, to tell whether the database moved since a preview."""
        changes = self.changes
        keys = {}  # id -> key: the credits of a plan share their places and people

        def key(thing):
            found = keys.get(id(thing))
            if found is None:
                found = keys[id(thing)] = _key(thing, self.people_slugs)
            return found

        def person_key(person):
            return self.people_slugs.get(person.pk, person.pk)

        fingerprint = (
            self.mode,
            [(key(section), position) for section, position in changes.new_sections.items()],
            [(key(team), position) for team, position in changes.new_teams.items()],
            [(key(person), sort_name) for person, sort_name in changes.new_people.items()],
            [
                (key(credit.place), key(credit.person), credit.title)
                for credit in changes.new_credits
            ],
            sorted(changes.removed_credits.values()),
            sorted(team.pk for team in changes.removed_teams),
            sorted(section.pk for section in changes.removed_sections),
            sorted((repr(person_key(change.person)), change.new) for change in changes.sort_names),
            sorted((repr(key(change.person)), change.new) for change in changes.emails),
            sorted((repr(person_key(alias.person)), alias.name) for alias in changes.new_aliases),
            sorted(
                (type(thing).__name__, thing.pk, position)
                for thing, position in changes.positions.items()
            ),
            self.people.digest() if self.people is not None else None,
        )
        return hashlib.sha256(repr(fingerprint).encode()).hexdigest()


def _key(thing, people_slugs):
    """A place, section, team or person as the digest sees it: plain values, quick to write.

    Only the fields that take part in comparisons: a row number is for the preview. A
    person a people file creates is named by slug (`people_slugs`, see ImportPlan).
    """
    if thing is None:
        return None
    if isinstance(thing, Place):
        return (_key(thing.section, people_slugs), _key(thing.team, people_slugs))
    if isinstance(thing, ExistingPerson) and thing.pk in people_slugs:
        return ("PersonOfThePeopleFile", people_slugs[thing.pk])
    if isinstance(thing, ExistingSection | ExistingTeam | ExistingPerson):
        return (type(thing).__name__, thing.pk)
    if isinstance(thing, NewTeam):
        return ("NewTeam", _key(thing.section, people_slugs), thing.name)
    if isinstance(thing, NewSection):
        return ("NewSection", thing.title)
    return ("NewPerson", thing.name)


def _count(number, singular, plural=None):
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def build_plan(project, rows, mode=ADD, same_people=None):
    """Work out what importing `rows` changes, with a fixed number of queries.

    `same_people` are the editor's decisions on the preview: {row: person pk} where the
    row is the first of a name that would be a new person, and the person the one the
    name resembles. The name becomes that person's other spelling, and their credit.
    """
    places = _Places(project)
    people = _People(same_people or {}, with_emails=any(row.email for row in rows))
    report = Report(rows_read=len(rows), credits_before=len(places.credits))
    credits = _match(rows, places, people, report)
    changes = Changes()
    for credit in credits:
        if credit in places.credits:
            report.unchanged.append(credit)
        else:
            changes.new_credits.append(credit)
    _people(changes, report, people)
    report.not_named = _not_named(project, credits, people)
    if mode == SYNC:
        _removals(changes, places, credits)
    _positions(changes, places, credits, mode)
    return ImportPlan(project, mode, changes, report, same_people or {})


def _match(rows, places, people, report):
    """The file's credits in order, each once; CreditsError if some rows cannot be matched."""
    credits = {}  # credit -> the same credit, as first read
    problems = []
    for row in rows:
        place = places.place(row)
        person = people.match(row, problems)
        if person is None:
            continue
        people.note_sort_name(person, row, problems)
        people.note_email(person, row, problems)
        credit = PlannedCredit(place, person, row.role, row.row)
        first = credits.setdefault(credit, credit)
        if first is not credit:
            report.duplicates.append(Duplicate(row.row, first.row))
    if problems:
        raise CreditsError(problems)
    report.shared_names = list(people.shared.values())
    report.family_first = list(people.family_first.values())
    return list(credits)


def _people(changes, report, people):
    """New people, with the sort names the file gives them; sort names the file changes."""
    for person in people.new.values():
        changes.new_people[person] = people.given_sort_name(person)
    changes.new_aliases = list(people.new_aliases.values())
    for person, row in people.sort_names.items():
        old = people.existing_sort_names.get(person)
        if old is not None and old != row.sort_name:
            changes.sort_names.append(SortNameChange(person, old, row.sort_name))
    # An empty cell keeps the address stored.
    for person, row in people.emails.items():
        old = people.existing_emails.get(person, "")
        if old != row.email:
            changes.emails.append(EmailChange(person, old, row.email))
    if changes.new_people:
        report.known_names = [(person.pk, person.name) for person in people.existing.values()]
        report.known_aliases = [(person.pk, alias) for person, alias in people.aliases]


def _not_named(project, credits, people):
    """The existing people of the file who asked not to be named here, or anywhere, in row order."""
    here = set(NotNamed.objects.filter(project=project).values_list("person_id", flat=True))
    found = {}
    for credit in credits:
        person = credit.person
        if isinstance(person, ExistingPerson) and person not in found:
            anywhere = person.pk in people.never_listed
            if anywhere or person.pk in here:
                found[person] = NotNamedPerson(person.name, credit.row, anywhere)
    return list(found.values())


def _removals(changes, places, credits):
    """In sync mode: the project's credits, teams and sections that the file leaves out."""
    kept = set(credits)
    kept_teams = {credit.place.team for credit in credits}
    kept_sections = {credit.place.section for credit in credits}
    changes.removed_credits = {
        credit: pk for credit, pk in places.credits.items() if credit not in kept
    }
    changes.removed_teams = [team for team in places.teams if team not in kept_teams]
    changes.removed_sections = [s for s in places.sections if s not in kept_sections]


def _positions(changes, places, credits, mode):
    """Positions for new sections and teams, and for existing ones the file moves (sync)."""
    sections = list(dict.fromkeys(credit.place.section for credit in credits))
    teams = defaultdict(dict)  # section -> {team: None}, both in the file's order
    for credit in credits:
        if credit.place.team is not None:
            teams[credit.place.section].setdefault(credit.place.team)
    _place(changes, changes.new_sections, sections, places.top_section, places, mode)
    for section, section_teams in teams.items():
        top = places.top_team.get(section, 0)
        _place(changes, changes.new_teams, list(section_teams), top, places, mode)


def _place(changes, new_positions, things, top, places, mode):
    """Give new sections (or a section's new teams) positions, in the file's order.

    New ones go after the existing ones. In sync mode the order becomes the file's:
    if it differs, every position is renumbered.
    """
    new = [thing for thing in things if isinstance(thing, NewSection | NewTeam)]
    existing = [thing for thing in things if not isinstance(thing, NewSection | NewTeam)]
    in_order = sorted(existing, key=lambda thing: (places.positions[thing], thing.pk)) == existing
    if mode == SYNC and not (in_order and things == existing + new):
        numbered = enumerate(things, start=1)
    else:
        numbered = enumerate(new, start=top + 1)
    for position, thing in numbered:
        if isinstance(thing, NewSection | NewTeam):
            new_positions[thing] = position
        elif places.positions[thing] != position:
            changes.positions[thing] = position


class _Places:
    """The project's sections, teams and credits, loaded once, found by title.

    Each place is made once and shared by its credits: a plan of 50,000 rows makes
    a handful of places, not 50,000.
    """

    def __init__(self, project):
        self.sections = []
        self.teams = []
        self.positions = {}  # existing section or team -> position
        self.top_section = 0  # the highest position of a section
        self.top_team = {}  # section -> the highest position of its teams
        self.section_places = {}  # section title -> the place of the section's lead lines
        self.team_places = defaultdict(dict)  # section -> {team name: the team's place}
        leads = {}  # section pk -> place
        for pk, title, position in Section.objects.filter(project=project).values_list(
            "pk", "title", "position"
        ):
            section = ExistingSection(pk, title)
            leads[pk] = _remember(self.section_places, title, Place(section, None))
            self.sections.append(section)
            self.positions[section] = position
            self.top_section = max(self.top_section, position)
        members = {}  # team pk -> place
        for pk, section_pk, name, position in Team.objects.filter(
            section__project=project
        ).values_list("pk", "section_id", "name", "position"):
            section = leads[section_pk].section
            team = ExistingTeam(pk, section, name)
            members[pk] = _remember(self.team_places[section], name, Place(section, team))
            self.teams.append(team)
            self.positions[team] = position
            self.top_team[section] = max(self.top_team.get(section, 0), position)
        self.credits = self._credits(project, leads, members)

    @staticmethod
    def _credits(project, leads, members):
        """{credit: Credit pk} of the project's credits."""
        credits = {}
        people = {}  # pk -> the person, made once
        lead_lines = Credit.objects.filter(section__project=project).values_list(
            "pk", "section_id", "person_id", "person__name", "title"
        )
        team_credits = Credit.objects.filter(team__section__project=project).values_list(
            "pk", "team_id", "person_id", "person__name", "title"
        )
        for places, rows in ((leads, lead_lines), (members, team_credits)):
            for pk, place_pk, person_pk, name, title in rows:
                person = people.get(person_pk)
                if person is None:
                    person = people[person_pk] = ExistingPerson(person_pk, name)
                credits[PlannedCredit(places[place_pk], person, normalize_name(title))] = pk
        return credits

    def place(self, row):
        """The place of a row's credit; a new section or team the first time the file has it."""
        section_place = _find(self.section_places, row.section)
        if section_place is None:
            section_place = Place(NewSection(row.section), None)
            self.section_places[same_name_key(row.section)] = section_place
        if row.is_lead:
            return section_place
        section = section_place.section
        team_place = _find(self.team_places[section], row.team)
        if team_place is None:
            team_place = Place(section, NewTeam(section, row.team))
            self.team_places[section][same_name_key(row.team)] = team_place
        return team_place


def _remember(index, title, place):
    # A title matches exactly first, then ignoring case.
    title = normalize_name(title)
    index.setdefault(title, place)
    index.setdefault(same_name_key(title), place)
    return place


def _find(index, title):
    return index.get(title) or index.get(same_name_key(title))


class _People:
    """Every person, found by name or other spelling (alias), as the same name."""

    def __init__(self, same_people, with_emails=False):
        self.same_people = same_people  # row -> person pk: the editor's decisions
        self.new_aliases = {}  # same-name key -> NewAlias
        self.family_first = {}  # same-name key of the cell -> FamilyFirst
        self.existing = {}  # pk -> ExistingPerson
        self.existing_sort_names = {}  # ExistingPerson -> sort name
        self.by_name = defaultdict(list)
        self.by_alias = defaultdict(set)
        self.new = {}  # same-name key -> NewPerson
        self.shared = {}  # same-name key -> SharedName
        self.sort_names = {}  # person -> the first row that gives their sort name
        self.emails = {}  # person -> the first row that gives their email address
        self.existing_emails = {}  # ExistingPerson -> email address, if the file has any
        self.never_listed = set()  # pks of the people who asked never to be listed
        # Private addresses are read only for a file that has some.
        fields = ["pk", "name", "sort_name", "never_listed"] + (["email"] if with_emails else [])
        for pk, name, sort_name, never_listed, *email in Person.objects.values_list(*fields):
            if never_listed:
                self.never_listed.add(pk)
            person = self.existing[pk] = ExistingPerson(pk, name)
            self.existing_sort_names[person] = normalize_name(sort_name)
            self.by_name[same_name_key(name)].append(person)
            if with_emails:
                self.existing_emails[person] = email[0]
        # Other spellings of the people loaded above (not of one added since).
        self.aliases = [
            (self.existing[person_pk], name)
            for person_pk, name in Alias.objects.values_list("person_id", "name")
            if person_pk in self.existing
        ]
        for person, name in self.aliases:
            self.by_alias[same_name_key(name)].add(person)

    def _matches(self, key):
        return self.by_name.get(key) or sorted(self.by_alias.get(key, ()), key=attrgetter("pk"))

    def match(self, row, problems):
        """The person of the row's name, a new person, or None (a problem) if it is ambiguous."""
        name = row.person
        key = same_name_key(name)
        matches = self._matches(key)
        turned = "" if matches or key in self.new else given_name_first(name)
        if turned:
            cell_key, name, key = key, turned, same_name_key(turned)
            matches = self._matches(key)
            if cell_key not in self.family_first:
                self.family_first[cell_key] = FamilyFirst(
                    row.person, row.row, turned, matches[0].name if len(matches) == 1 else ""
                )
        if len(matches) > 1:
            names = ", ".join(sorted(person.name for person in matches))
            problems.append(
                Problem(
                    f'"{row.person}" matches {len(matches)} people ({names}); '
                    "merge them or rename one before importing.",
                    row.row,
                    "person",
                )
            )
            return None
        if matches:
            others = self.by_alias.get(key, set()) - set(matches)
            if others and key not in self.shared:
                self.shared[key] = SharedName(
                    row.person,
                    row.row,
                    matches[0].name,
                    ", ".join(sorted(person.name for person in others)),
                )
            return matches[0]
        decided = self.new_aliases.get(key)
        if decided is not None:
            return decided.person
        same_as = self.same_people.get(row.row)
        if same_as is not None and key not in self.new:
            if same_as not in self.existing:
                problems.append(
                    Problem(
                        f'The person you chose for "{row.person}" no longer exists; '
                        "upload the file again.",
                        row.row,
                        "person",
                    )
                )
                return None
            same_as = self.existing[same_as]
            self.new_aliases[key] = NewAlias(same_as, name)
            return same_as
        if key not in self.new:
            self.new[key] = NewPerson(name, row.row)
        return self.new[key]

    def note_sort_name(self, person, row, problems):
        """Remember the sort name a row gives; one that differs from an earlier one is a problem."""
        if not row.sort_name:
            return
        first = self.sort_names.setdefault(person, row)
        if first.sort_name != row.sort_name:
            problems.append(
                Problem(
                    f'"{row.sort_name}" differs from the sort name "{first.sort_name}" given '
                    f"for {row.person} in row {first.row}.",
                    row.row,
                    "sort_name",
                )
            )

    def note_email(self, person, row, problems):
        """Remember the address a row gives; one that differs from an earlier one is a problem."""
        if not row.email:
            return
        first = self.emails.setdefault(person, row)
        if first.email != row.email:
            problems.append(
                Problem(
                    f"{row.person} has two email addresses in the file: this row's differs "
                    f"from row {first.row}'s. Keep one.",
                    row.row,
                    "email",
                )
            )

    def given_sort_name(self, person):
        row = self.sort_names.get(person)
        return row.sort_name if row else ""


# Suffixes after a comma that do not make a name family-first: "Martin Luther King, Jr."
NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v", "phd", "md", "esq", "inc", "ltd", "llc"}


def given_name_first(name):
    """ "Ada Lovelace" for a name written family-first, "Lovelace, Ada"; "" for other names."""
    family, comma, given = name.partition(",")
    family, given = family.strip(), given.strip()
    if not comma or not family or not given or "," in given:
        return ""
    if given.rstrip(".").casefold() in NAME_SUFFIXES:
        return ""
    return f"{given} {family}"


def look_alikes(new_people, names, aliases=()):
    """{new person: the name they closely resemble}, for the new people who resemble someone.

    See _look_alikes, which also gives the pk of the person resembled.
    """
    return {
        person: label for person, (label, _) in _look_alikes(new_people, names, aliases).items()
    }


def _look_alikes(new_people, names, aliases=()):
    """{new person: (the name they closely resemble, its person's pk or None)}.

    `names` and `aliases` are (person pk, text) pairs of everyone in the database. The
    matcher is the duplicate finder's (people.duplicates.look_alikes), so the preview,
    the admin's warnings and the finder agree. Each new person is also compared with the
    new people before them ("Filippo Raso" resembles "Filippo Rasso (row 4)").
    """
    return {
        person: found
        for person, found in _each_look_alike(new_people, names, aliases)
        if found is not None
    }


def _each_look_alike(new_people, names, aliases=()):
    """(new person, (the name they resemble, its person's pk or None) or None), in turn.

    See _look_alikes; each new person is compared only when asked for.
    """
    name_of = dict(names)
    first_row = {}
    for person in new_people:
        first_row.setdefault(person.name, person.row)
    matches = duplicates.each_look_alike([person.name for person in new_people], names, aliases)
    for person, (_name, alike) in zip(new_people, matches, strict=True):
        best = next(iter(alike), None)
        if best is None:
            yield person, None
        elif best.person_id is None:
            yield person, (f"{best.spelling} (row {first_row[best.spelling]})", None)
        else:
            yield person, (name_of[best.person_id], best.person_id)
