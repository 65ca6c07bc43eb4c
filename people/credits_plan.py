"""Planning a credits import: what a file changes in a project, from a handful of queries.

people/credits_import.py applies a plan; the admin previews one.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from people.credits_csv import CreditsError, Problem
from people.models import Alias, Person, PersonRedirect, Role, Section, Team
from people.sorting import default_sort_name, fold, normalize_name

ADD = "add"
SYNC = "sync"
MODES = [
    (ADD, "Add: add the credits that are new, change nothing else"),
    (SYNC, "Sync: the project's credits become exactly the file (others are removed)"),
]
SIMILAR_SCORE = 85


@dataclass(slots=True)
class Credit:
    """A credit as the preview lists it; `team` is None for a lead line."""

    section: str
    team: str | None
    person: str
    title: str
    row: int | None = None


@dataclass(slots=True)
class NewPerson:
    name: str
    sort_name: str
    row: int
    similar: str = ""


@dataclass(slots=True)
class SharedName:
    """A name of the file that is one person's name and other people's other spelling.

    The credit goes to the person of that name; the file may have meant the others.
    """

    name: str
    row: int
    person: str
    others: str


class ImportPlan:
    """What importing a file into a project will change, and the keys to apply it."""

    def __init__(self, project, mode, rows_read):
        self.project = project
        self.mode = mode
        self.rows_read = rows_read
        self.new_credits = []
        self.unchanged = []
        self.removed = []
        self.duplicates = []  # (row, the earlier row it repeats)
        self.new_people = []
        self.shared_names = []
        self.new_sections = []
        self.new_teams = []  # (section title, team name)
        self.removed_sections = []
        self.removed_teams = []
        self.sort_names = []  # (person, old sort name, new sort name)
        self.moved = 0
        # Keys: ("S"|"T"|"P", pk) for rows that exist, ("S+"|"T+"|"P+", ...) for new ones.
        self.section_inserts = []  # (key, title, position)
        self.team_inserts = []  # (key, section key, name, position)
        self.person_inserts = []  # (key, NewPerson)
        self.role_inserts = []  # (section key, team key or None, person key, title)
        self.removed_role_ids = []
        self.removed_team_ids = []
        self.removed_section_ids = []
        self.sort_name_updates = {}  # person pk -> sort name
        self.positions = {Section: {}, Team: {}}  # pk -> new position
        self.taken_slugs = set()

    @property
    def has_changes(self):
        return bool(
            self.role_inserts
            or self.section_inserts
            or self.team_inserts
            or self.person_inserts
            or self.removed_role_ids
            or self.removed_team_ids
            or self.removed_section_ids
            or self.sort_name_updates
            or self.moved
        )

    def counts(self):
        return {
            "new credits": len(self.new_credits),
            "unchanged credits": len(self.unchanged),
            "removed credits": len(self.removed),
            "new people": len(self.new_people),
            "new sections": len(self.new_sections),
            "new teams": len(self.new_teams),
            "removed sections": len(self.removed_sections),
            "removed teams": len(self.removed_teams),
            "sort names changed": len(self.sort_names),
            "duplicate rows": len(self.duplicates),
        }

    def summary(self):
        """One line of counts, e.g. "3 new credits, 40 unchanged; 2 new people"."""
        parts = [_count(len(self.new_credits), "new credit"), f"{len(self.unchanged)} unchanged"]
        if self.mode == SYNC:
            parts.append(f"{len(self.removed)} removed")
        extra = [
            _count(len(self.new_people), "new person", "new people"),
            _count(len(self.new_sections), "new section"),
            _count(len(self.new_teams), "new team"),
            _count(len(self.removed_sections), "section removed", "sections removed"),
            _count(len(self.removed_teams), "team removed", "teams removed"),
            _count(len(self.sort_names), "sort name changed", "sort names changed"),
            _count(self.moved, "section or team moved", "sections or teams moved"),
            _count(len(self.duplicates), "duplicate row", "duplicate rows") + " imported once",
        ]
        extra = [part for part in extra if not part.startswith("0 ")]
        return ", ".join(parts) + ("; " + ", ".join(extra) if extra else "")

    def short_summary(self):
        """Counts that fit a history record's reason."""
        return (
            f"{len(self.new_credits)} new, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed credits, {len(self.new_people)} new people"
        )

    def digest(self):
        """A fingerprint of the changes, to tell whether the database moved since a preview."""
        changes = (
            self.mode,
            self.section_inserts,
            self.team_inserts,
            [(key, person.name, person.sort_name) for key, person in self.person_inserts],
            self.role_inserts,
            sorted(self.removed_role_ids),
            sorted(self.removed_team_ids),
            sorted(self.removed_section_ids),
            sorted(self.sort_name_updates.items()),
            sorted(self.positions[Section].items()),
            sorted(self.positions[Team].items()),
        )
        return hashlib.sha256(repr(changes).encode()).hexdigest()


def _count(number, singular, plural=None):
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def build_plan(project, rows, mode=ADD):
    """Work out what importing `rows` changes, with a fixed number of queries."""
    plan = ImportPlan(project, mode, len(rows))
    people = _People()
    places = _Places(project)
    problems = []
    given_sort_names = {}  # person key -> (sort name, row)
    seen = {}  # credit key -> row
    file_sections = {}  # section key -> None, in order of first appearance
    file_teams = defaultdict(dict)  # section key -> {team key: None}

    for row in rows:
        section = places.section(row.section)
        file_sections.setdefault(section)
        team = None
        if not row.is_lead:
            team = places.team(section, row.team)
            file_teams[section].setdefault(team)
        person = people.key(row, problems)
        if person is None:
            continue
        if row.sort_name:
            earlier = given_sort_names.setdefault(person, (row.sort_name, row.row))
            if earlier[0] != row.sort_name:
                problems.append(
                    Problem(
                        f'"{row.sort_name}" differs from the sort name "{earlier[0]}" given '
                        f"for {row.person} in row {earlier[1]}.",
                        row.row,
                        "sort_name",
                    )
                )
        key = (section, team, person, row.role)
        if key in seen:
            plan.duplicates.append((row.row, seen[key]))
            continue
        seen[key] = row.row
        credit = Credit(
            places.titles[section],
            places.titles[team] if team else None,
            people.names[person],
            row.role,
            row.row,
        )
        if key in places.roles:
            plan.unchanged.append(credit)
        else:
            plan.new_credits.append(credit)
            plan.role_inserts.append(key)
    if problems:
        raise CreditsError(problems)

    for person, (name, row_number) in people.new.items():
        new = NewPerson(name, given_sort_names.get(person, ("",))[0], row_number)
        plan.person_inserts.append((person, new))
        plan.new_people.append(new)
    for person, (sort_name, _row) in given_sort_names.items():
        if person[0] == "P" and people.sort_names[person] != sort_name:
            plan.sort_name_updates[person[1]] = sort_name
            plan.sort_names.append((people.names[person], people.sort_names[person], sort_name))
    if plan.new_people:
        people.flag_similar(plan.new_people)
    plan.shared_names = list(people.shared.values())
    if plan.person_inserts:
        plan.taken_slugs = people.slugs()

    if mode == SYNC:
        kept = set(seen)
        for key, (pk, credit) in places.roles.items():
            if key not in kept:
                plan.removed_role_ids.append(pk)
                plan.removed.append(credit)
        for key in places.existing_teams:
            if key not in file_teams.get(places.team_section[key], {}):
                plan.removed_team_ids.append(key[1])
                section_title = places.titles[places.team_section[key]]
                plan.removed_teams.append((section_title, places.titles[key]))
        for key in places.existing_sections:
            if key not in file_sections:
                plan.removed_section_ids.append(key[1])
                plan.removed_sections.append(places.titles[key])

    _place(plan, Section, list(file_sections), places.top.get("project", 0), places, mode)
    for section, teams in file_teams.items():
        _place(plan, Team, list(teams), places.top.get(section, 0), places, mode)
    plan.new_sections = [title for _key, title, _position in plan.section_inserts]
    plan.new_teams = [(places.titles[s], name) for _key, s, name, _position in plan.team_inserts]
    return plan


def _place(plan, model, keys, top, places, mode):
    """Give new sections (or a section's new teams) positions, in the file's order.

    New ones go after the existing ones. In sync mode the order becomes the file's:
    if it differs, every position is renumbered.
    """
    existing = [key for key in keys if len(key[0]) == 1]
    new = [key for key in keys if len(key[0]) > 1]
    in_order = sorted(existing, key=lambda key: (places.positions[key], key[1])) == existing
    if mode == SYNC and not (in_order and keys == existing + new):
        numbered = enumerate(keys, start=1)
    else:
        numbered = enumerate(new, start=top + 1)
    for position, key in numbered:
        if model is Section and key in new:
            plan.section_inserts.append((key, key[2], position))
        elif key in new:
            plan.team_inserts.append((key, key[1], key[3], position))
        elif places.positions[key] != position:
            plan.positions[model][key[1]] = position
            plan.moved += 1


class _Places:
    """The project's sections, teams and credits, loaded once, found by title."""

    def __init__(self, project):
        self.titles = {}
        self.positions = {}
        self.top = {}  # "project" or section key -> highest position among its children
        self.existing_sections = []
        self.existing_teams = []
        self.team_section = {}
        self.sections = {}
        self.teams = {}
        for pk, title, position in Section.objects.filter(project=project).values_list(
            "pk", "title", "position"
        ):
            key = ("S", pk)
            self._remember(self.sections, normalize_name(title), key)
            self.titles[key] = title
            self.positions[key] = position
            self.top["project"] = max(self.top.get("project", 0), position)
            self.existing_sections.append(key)
        for pk, section_pk, name, position in Team.objects.filter(
            section__project=project
        ).values_list("pk", "section_id", "name", "position"):
            key, section = ("T", pk), ("S", section_pk)
            self._remember(self.teams, (section, normalize_name(name)), key)
            self.titles[key] = name
            self.positions[key] = position
            self.top[section] = max(self.top.get(section, 0), position)
            self.team_section[key] = section
            self.existing_teams.append(key)

        self.roles = {}  # credit key -> (role pk, Credit)
        leads = Role.objects.filter(section__project=project).values_list(
            "pk", "section_id", "person_id", "person__name", "title"
        )
        members = Role.objects.filter(team__section__project=project).values_list(
            "pk", "team__section_id", "team_id", "person_id", "person__name", "title"
        )
        for pk, section_pk, person_pk, name, title in leads:
            self._role(pk, ("S", section_pk), None, person_pk, name, title)
        for pk, section_pk, team_pk, person_pk, name, title in members:
            self._role(pk, ("S", section_pk), ("T", team_pk), person_pk, name, title)

    def _role(self, pk, section, team, person_pk, name, title):
        title = normalize_name(title)
        credit = Credit(self.titles[section], self.titles[team] if team else None, name, title)
        self.roles[(section, team, ("P", person_pk), title)] = (pk, credit)

    @staticmethod
    def _remember(index, exact, key):
        # A title matches exactly first, then case-insensitively.
        index.setdefault(exact, key)
        if isinstance(exact, tuple):
            index.setdefault((exact[0], exact[1].casefold()), key)
        else:
            index.setdefault(exact.casefold(), key)

    def section(self, title):
        key = self.sections.get(title) or self.sections.get(title.casefold())
        if key is None:
            key = self.sections[title.casefold()] = ("S+", title.casefold(), title)
            self.titles[key] = title
        return key

    def team(self, section, name):
        key = self.teams.get((section, name)) or self.teams.get((section, name.casefold()))
        if key is None:
            key = self.teams[(section, name.casefold())] = ("T+", section, name.casefold(), name)
            self.titles[key] = name
        return key


class _People:
    """Every person, found by name or alias after normalisation, case-insensitively."""

    def __init__(self):
        self.names = {}
        self.sort_names = {}
        self.by_name = defaultdict(list)
        self.by_alias = defaultdict(set)
        self.new = {}  # key -> (name as first written, row)
        self.shared = {}  # folded name -> SharedName
        for pk, name, sort_name in Person.objects.values_list("pk", "name", "sort_name"):
            key = ("P", pk)
            self.names[key] = name
            self.sort_names[key] = normalize_name(sort_name)
            self.by_name[normalize_name(name).casefold()].append(key)
        self.aliases = list(Alias.objects.values_list("person_id", "name"))
        for person_pk, name in self.aliases:
            self.by_alias[normalize_name(name).casefold()].add(("P", person_pk))

    def key(self, row, problems):
        folded = row.person.casefold()
        matches = self.by_name.get(folded) or sorted(self.by_alias.get(folded, ()))
        if len(matches) > 1:
            names = ", ".join(sorted(self.names[key] for key in matches))
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
            others = self.by_alias.get(folded, set()) - set(matches)
            if others and folded not in self.shared:
                self.shared[folded] = SharedName(
                    row.person,
                    row.row,
                    self.names[matches[0]],
                    ", ".join(sorted(self.names[key] for key in others)),
                )
            return matches[0]
        key = ("P+", folded)
        if key not in self.new:
            self.new[key] = (row.person, row.row)
            self.names[key] = row.person
        return key

    def slugs(self):
        return set(Person.objects.values_list("slug", flat=True)) | set(
            PersonRedirect.objects.values_list("old_slug", flat=True)
        )

    def flag_similar(self, new_people):
        """Set `similar` on each new person whose name resembles another person's."""
        similar = _SimilarNames()
        for key, name in self.names.items():
            if key[0] == "P":
                similar.add(name, name)
        for person_pk, alias in self.aliases:
            similar.add(alias, self.names[("P", person_pk)])
        for person in new_people:
            person.similar = similar.find(person.name)
            similar.add(person.name, f"{person.name} (row {person.row})")


class _SimilarNames:
    """Near-identical names, compared only within a block of the same initials.

    Blocking keeps this linear in the number of people; a typo in an initial is missed.
    """

    def __init__(self):
        self.blocks = defaultdict(list)

    @staticmethod
    def _parts(name):
        family, _, given = fold(default_sort_name(name)).partition(", ")
        given = given.replace(".", "")
        return fold(name), family, given, (given[:1], family[:1])

    def add(self, name, label):
        folded, family, given, block = self._parts(name)
        self.blocks[block].append((folded, family, given, label))

    def find(self, name):
        folded, family, given, block = self._parts(name)
        candidates = self.blocks.get(block, [])
        best = process.extractOne(
            folded, [c[0] for c in candidates], scorer=fuzz.ratio, score_cutoff=SIMILAR_SCORE
        )
        if best is not None:
            return candidates[best[2]][3]
        for _folded, other_family, other_given, label in candidates:
            if other_family == family and _similar_given(given, other_given):
                return label
        return ""


def _similar_given(first, second):
    if not first or not second:
        return False
    short, long = sorted((first, second), key=len)
    return long.startswith(short) or first[:3] == second[:3] or fuzz.ratio(first, second) >= 80
