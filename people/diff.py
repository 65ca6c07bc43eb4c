"""What changed between two snapshots of a project page, by identity.

People, sections, teams and acknowledgments are compared by id, not by their
text: a person renamed shows as renamed ("Madelaine Boyd → Madeline Boyd"), a
team renamed or moved to another section as such, and two people merged (the
old address redirects to a person still on the page) as merged, their credits
counted as the kept person's.

A Change holds people's ids, never their names: names are looked up when a
change is described (Names), from the snapshots or the versions' published
names, so that a name replaced in the versions is replaced here too. Versions
keep their comparison with the previous one as JSON (Comparison.to_json).
"""

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from django.utils.text import Truncator


class Kind(StrEnum):
    PERSON_ADDED = "person-added"
    PERSON_REMOVED = "person-removed"
    PERSON_RENAMED = "person-renamed"
    PERSON_MERGED = "person-merged"
    PERSON_DETAILS_CHANGED = "person-details-changed"
    CREDIT_ADDED = "credit-added"
    CREDIT_REMOVED = "credit-removed"
    CREDIT_MOVED = "credit-moved"
    CREDIT_RETITLED = "credit-retitled"
    NAMES_REORDERED = "names-reordered"
    SECTION_ADDED = "section-added"
    SECTION_REMOVED = "section-removed"
    SECTION_RENAMED = "section-renamed"
    SECTIONS_REORDERED = "sections-reordered"
    TEAM_ADDED = "team-added"
    TEAM_REMOVED = "team-removed"
    TEAM_RENAMED = "team-renamed"
    TEAM_MOVED = "team-moved"
    TEAMS_REORDERED = "teams-reordered"
    ACKNOWLEDGMENT_ADDED = "acknowledgment-added"
    ACKNOWLEDGMENT_REMOVED = "acknowledgment-removed"
    ACKNOWLEDGMENT_CHANGED = "acknowledgment-changed"
    ACKNOWLEDGMENTS_REORDERED = "acknowledgments-reordered"
    NAMED_ADDED = "named-added"
    NAMED_REMOVED = "named-removed"
    TITLE_CHANGED = "title-changed"
    INTRO_CHANGED = "intro-changed"
    CLOSING_CHANGED = "closing-changed"
    CITATION_CHANGED = "citation-changed"
    ORDERING_NOTE_CHANGED = "ordering-note-changed"
    LINK_ADDED = "link-added"
    LINK_REMOVED = "link-removed"
    LINKS_REORDERED = "links-reordered"
    ASSEMBLER_CHANGED = "assembler-changed"


@dataclass(frozen=True)
class Change:
    """One change of a page. Which fields a kind uses is in `describe`."""

    kind: Kind
    # The person it is about: added, removed, renamed, merged, credited, named.
    person: int | None = None
    # The person merged into; the assembler before.
    other: int | None = None
    # Texts before and after: places, titles, names of sections and teams.
    old: str = ""
    new: str = ""
    # Where it happened: the place of a retitled credit, the section of a team…
    where: str = ""

    def to_json(self):
        data = {"kind": self.kind.value}
        data.update(
            {name: value for name, value in asdict(self).items() if value and name != "kind"}
        )
        return data

    @classmethod
    def from_json(cls, data):
        return cls(**{**data, "kind": Kind(data["kind"])})


# How a change describes a person who is not to be named (people/naming.py).
NOT_NAMED = "someone not named"


@dataclass(frozen=True)
class Names:
    """People's names before and after a change, by id."""

    old: dict[int, str]
    new: dict[int, str]
    # The people not to be named: changes describe them as NOT_NAMED.
    hidden: frozenset[int] = frozenset()

    def __call__(self, person_id):
        """The name after the change, or before it for someone no longer named."""
        if person_id in self.hidden:
            return NOT_NAMED
        if person_id in self.new:
            return self.new[person_id]
        return self.old.get(person_id, f"person #{person_id}")

    def before(self, person_id):
        if person_id in self.hidden:
            return NOT_NAMED
        return self.old.get(person_id) or self(person_id)

    def tells_nothing(self, change):
        """Whether `change` says nothing once its people are not named ("someone renamed")."""
        people = {change.person, change.other} - {None}
        return change.kind in ABOUT_NAMES and bool(people) and people <= self.hidden


def capitalized(line):
    """A line that starts with NOT_NAMED, capitalised; any other as it is ("de Groot added")."""
    return line[:1].upper() + line[1:] if line.startswith(NOT_NAMED) else line


def quoted(text):
    return f"“{text}”" if text else "no title"


def team_label(name):
    return name or "(group without a heading)"


def excerpt(text):
    return Truncator(" ".join(text.split())).chars(70)


# One flat case per kind of change reads best as one table of sentences; each case is
# simple, so the complexity count (one per case) is not a measure of difficulty here.
def describe(change, names):  # noqa: C901
    """Return one line saying what `change` did, e.g. "Madelaine Boyd → Madeline Boyd"."""
    person = names(change.person) if change.person is not None else ""
    match change.kind:
        case Kind.PERSON_ADDED:
            return f"{person} added ({change.where})"
        case Kind.PERSON_REMOVED:
            return f"{names.before(change.person)} removed (was in {change.where})"
        case Kind.PERSON_RENAMED:
            return f"{names.before(change.person)} → {person} (renamed)"
        case Kind.PERSON_MERGED:
            return f"{names.before(change.person)} merged into {names(change.other)}"
        case Kind.PERSON_DETAILS_CHANGED:
            return f"{person}: {change.new} changed"
        case Kind.CREDIT_ADDED:
            title = f" as {quoted(change.new)}" if change.new else ""
            return f"{person}: new credit in {change.where}{title}"
        case Kind.CREDIT_REMOVED:
            title = f" ({quoted(change.old)})" if change.old else ""
            return f"{person}: credit removed from {change.where}{title}"
        case Kind.CREDIT_MOVED:
            return f"{person} moved from {change.old} to {change.new}"
        case Kind.CREDIT_RETITLED:
            return f"{person} in {change.where}: {quoted(change.old)} → {quoted(change.new)}"
        case Kind.NAMES_REORDERED:
            return f"Names reordered in {change.where}"
        case Kind.SECTION_ADDED:
            return f"Section “{change.new}” added"
        case Kind.SECTION_REMOVED:
            return f"Section “{change.old}” removed"
        case Kind.SECTION_RENAMED:
            return f"Section “{change.old}” renamed “{change.new}”"
        case Kind.SECTIONS_REORDERED:
            return f"Sections reordered: {change.new}"
        case Kind.TEAM_ADDED:
            return f"Team {quoted_team(change.new)} added to {change.where}"
        case Kind.TEAM_REMOVED:
            return f"Team {quoted_team(change.old)} removed from {change.where}"
        case Kind.TEAM_RENAMED:
            return f"Team “{change.old}” renamed “{change.new}” in {change.where}"
        case Kind.TEAM_MOVED:
            return f"Team {quoted_team(change.where)} moved from {change.old} to {change.new}"
        case Kind.TEAMS_REORDERED:
            return f"Teams of {change.where} reordered: {change.new}"
        case Kind.ACKNOWLEDGMENT_ADDED:
            return f"Acknowledgment added: “{change.new}”"
        case Kind.ACKNOWLEDGMENT_REMOVED:
            return f"Acknowledgment removed: “{change.old}”"
        case Kind.ACKNOWLEDGMENT_CHANGED:
            return f"Acknowledgment reworded: “{change.old}” → “{change.new}”"
        case Kind.ACKNOWLEDGMENTS_REORDERED:
            return "Acknowledgments reordered"
        case Kind.NAMED_ADDED:
            return f"{person} now named in “{change.where}”"
        case Kind.NAMED_REMOVED:
            return f"{names.before(change.person)} no longer named in “{change.where}”"
        case Kind.TITLE_CHANGED:
            return f"Title changed: “{change.old}” → “{change.new}”"
        case Kind.INTRO_CHANGED:
            return "Introduction reworded"
        case Kind.CLOSING_CHANGED:
            return "Closing text reworded"
        case Kind.CITATION_CHANGED:
            return f"Citation changed: {quoted(change.old)} → {quoted(change.new)}"
        case Kind.ORDERING_NOTE_CHANGED:
            return f"Ordering note changed: {quoted(change.old)} → {quoted(change.new)}"
        case Kind.LINK_ADDED:
            return f"Link added: {change.new} ({change.where})"
        case Kind.LINK_REMOVED:
            return f"Link removed: {change.old} ({change.where})"
        case Kind.LINKS_REORDERED:
            return "Links reordered"
        case Kind.ASSEMBLER_CHANGED:
            before = names.before(change.other) if change.other is not None else "no one"
            after = person or "no one"
            return f"Assembled by: {before} → {after}"


def quoted_team(name):
    return f"“{name}”" if name else "(group without a heading)"


# Changes about a person's name and details, which say nothing of someone not named.
ABOUT_NAMES = {Kind.PERSON_RENAMED, Kind.PERSON_MERGED, Kind.PERSON_DETAILS_CHANGED}

# How changes are grouped when listed, and in which order.
GROUPS = {
    "People": [
        Kind.PERSON_ADDED,
        Kind.PERSON_REMOVED,
        Kind.PERSON_RENAMED,
        Kind.PERSON_MERGED,
        Kind.PERSON_DETAILS_CHANGED,
    ],
    "Credits": [
        Kind.CREDIT_ADDED,
        Kind.CREDIT_REMOVED,
        Kind.CREDIT_MOVED,
        Kind.CREDIT_RETITLED,
        Kind.NAMES_REORDERED,
    ],
    "Sections and teams": [
        Kind.SECTION_ADDED,
        Kind.SECTION_REMOVED,
        Kind.SECTION_RENAMED,
        Kind.SECTIONS_REORDERED,
        Kind.TEAM_ADDED,
        Kind.TEAM_REMOVED,
        Kind.TEAM_RENAMED,
        Kind.TEAM_MOVED,
        Kind.TEAMS_REORDERED,
    ],
    "Acknowledgments": [
        Kind.ACKNOWLEDGMENT_ADDED,
        Kind.ACKNOWLEDGMENT_REMOVED,
        Kind.ACKNOWLEDGMENT_CHANGED,
        Kind.ACKNOWLEDGMENTS_REORDERED,
        Kind.NAMED_ADDED,
        Kind.NAMED_REMOVED,
    ],
    "Page": [
        Kind.TITLE_CHANGED,
        Kind.INTRO_CHANGED,
        Kind.CLOSING_CHANGED,
        Kind.CITATION_CHANGED,
        Kind.ORDERING_NOTE_CHANGED,
        Kind.LINK_ADDED,
        Kind.LINK_REMOVED,
        Kind.LINKS_REORDERED,
        Kind.ASSEMBLER_CHANGED,
    ],
}

# The summary's phrases: (kinds counted, one, many). "{n}" is the count.
SUMMARY = [
    ([Kind.PERSON_ADDED], "1 person added", "{n} people added"),
    ([Kind.PERSON_REMOVED], "1 person removed", "{n} people removed"),
    ([Kind.PERSON_RENAMED], "1 person renamed", "{n} people renamed"),
    ([Kind.PERSON_MERGED], "1 person merged into another", "{n} people merged into others"),
    (
        [Kind.PERSON_DETAILS_CHANGED],
        "1 person's details changed",
        "{n} people's details changed",
    ),
    ([Kind.CREDIT_ADDED], "1 credit added", "{n} credits added"),
    ([Kind.CREDIT_REMOVED], "1 credit removed", "{n} credits removed"),
    ([Kind.CREDIT_MOVED], "1 credit moved", "{n} credits moved"),
    ([Kind.CREDIT_RETITLED], "1 title changed", "{n} titles changed"),
    ([Kind.NAMES_REORDERED], "names reordered in 1 place", "names reordered in {n} places"),
    (
        GROUPS["Sections and teams"],
        "1 change to sections and teams",
        "{n} changes to sections and teams",
    ),
    (
        GROUPS["Acknowledgments"],
        "1 change to the acknowledgments",
        "{n} changes to the acknowledgments",
    ),
    (
        GROUPS["Page"],
        "1 change to the page's texts and links",
        "{n} changes to the page's texts and links",
    ),
]


@dataclass(frozen=True)
class ChangeGroup:
    title: str
    lines: list[str]


@dataclass(frozen=True)
class Comparison:
    """The changes from one snapshot of a page to another, in the order GROUPS lists them."""

    changes: list[Change] = field(default_factory=list)

    def __bool__(self):
        return bool(self.changes)

    def counts(self):
        counts = {}
        for change in self.changes:
            counts[change.kind] = counts.get(change.kind, 0) + 1
        return counts

    def summary(self):
        """Return the changes in a few words: "4 people added, 1 removed, 2 titles changed"."""
        counts = self.counts()
        phrases = []
        for kinds, one, many in SUMMARY:
            count = sum(counts.get(kind, 0) for kind in kinds)
            if count:
                phrases.append(one if count == 1 else many.format(n=f"{count:,}"))
        # "4 people added, 1 person removed" reads as "4 people added, 1 removed".
        if len(phrases) > 1 and counts.get(Kind.PERSON_ADDED) and counts.get(Kind.PERSON_REMOVED):
            phrases[1] = f"{counts[Kind.PERSON_REMOVED]:,} removed"
        return ", ".join(phrases) or "no changes"

    def groups(self, names):
        """Return the changes described (see describe), in their groups; empty groups left out."""
        found = []
        for title, kinds in GROUPS.items():
            lines = [
                capitalized(describe(change, names))
                for change in self.changes
                if change.kind in kinds and not names.tells_nothing(change)
            ]
            if lines:
                found.append(ChangeGroup(title, lines))
        return found

    def person_ids(self):
        """Return the ids of everyone a change names."""
        return {
            person_id
            for change in self.changes
            for person_id in (change.person, change.other)
            if person_id is not None
        }

    def to_json(self):
        return [change.to_json() for change in self.changes]

    @classmethod
    def from_json(cls, data):
        return cls([Change.from_json(item) for item in data or []])


# Comparing


@dataclass(frozen=True)
class Place:
    """Where a credit is: a lead line of a section, or a team (whichever section it is in)."""

    section_id: int | None
    team_id: int | None


class Side:
    """What comparing needs of one snapshot: its places, credits and their labels."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        content = snapshot.content
        self.sections = {section.id: section for section in content.sections}
        self.teams = {}
        self.team_section = {}
        self.credits = {}
        # The people of each place, in page order.
        self.order = {}
        for section in content.sections:
            self._add(Place(section.id, None), section.leads)
            for team in section.teams:
                self.teams[team.id] = team
                self.team_section[team.id] = section
                self._add(Place(None, team.id), team.credits)
        self.acknowledgments = {ack.id: ack for ack in content.acknowledgments}

    def _add(self, place, credits):
        order = self.order.setdefault(place, {})
        for credit in credits:
            self.credits.setdefault(credit.person_id, []).append((place, credit.title))
            order.setdefault(credit.person_id, None)

    def label(self, place):
        """The place as a reader finds it: "Research › Data", "Research (lead line)"."""
        if place.team_id is None:
            return f"{self.sections[place.section_id].title} (lead line)"
        team = self.teams[place.team_id]
        section = self.team_section[place.team_id].title
        return f"{section} › {team.name}" if team.name else section

    def places_of(self, person_id):
        labels = dict.fromkeys(self.label(place) for place, _title in self.credits[person_id])
        return "; ".join(labels)


def compare(old, new, merged=None):
    """Return the Comparison of the Snapshots `old` and `new`.

    `merged` maps the ids of people merged into another since `old` to the kept
    person's id (people.versions.merges).
    """
    merged = merged or {}
    before, after = Side(old), Side(new)
    kept = kept_merges(before, after, merged)
    changes = []
    changes += people_changes(before, after, kept)
    changes += credit_changes(before, after, kept)
    changes += section_changes(before, after)
    changes += team_changes(before, after)
    changes += acknowledgment_changes(before, after, merged)
    changes += page_changes(old, new, merged)
    return Comparison(changes)


def kept_merges(before, after, merged):
    """The merges of `merged` whose credits are on both Sides: those of the person kept."""
    return {
        person_id: into
        for person_id, into in merged.items()
        if person_id in before.credits and into in after.credits
    }


def people_changes(before, after, kept):
    changes = []
    still_credited = {kept.get(person_id, person_id) for person_id in before.credits}
    for person_id in after.credits:
        if person_id not in still_credited:
            where = after.places_of(person_id)
            changes.append(Change(Kind.PERSON_ADDED, person=person_id, where=where))
    for person_id in before.credits:
        if person_id in kept:
            changes.append(Change(Kind.PERSON_MERGED, person=person_id, other=kept[person_id]))
        elif person_id not in after.credits:
            where = before.places_of(person_id)
            changes.append(Change(Kind.PERSON_REMOVED, person=person_id, where=where))
    old_people, new_people = before.snapshot.people, after.snapshot.people
    for person_id, person in new_people.items():
        if person_id in old_people and old_people[person_id].name != person.name:
            changes.append(Change(Kind.PERSON_RENAMED, person=person_id))
    for person_id, person in new_people.items():
        if person_id in old_people:
            changed = details_changed(old_people[person_id], person)
            if changed:
                changes.append(Change(Kind.PERSON_DETAILS_CHANGED, person=person_id, new=changed))
    return changes


DETAILS = {
    "slug": "page address",
    "sort_name": "sort name",
    "orcid": "ORCID iD",
    "homepage": "homepage",
    "aliases": "other spellings",
}


def details_changed(old, new):
    """Which of a person's details but the name differ, e.g. "ORCID iD, homepage"; "" if none."""
    before = {"slug": old.slug, **asdict(old.details)}
    after = {"slug": new.slug, **asdict(new.details)}
    return ", ".join(label for name, label in DETAILS.items() if before[name] != after[name])


def credit_changes(before, after, kept):
    """Credits added, removed, moved and retitled, for people on both pages."""
    old_credits = {}
    for person_id, credits in before.credits.items():
        old_credits.setdefault(kept.get(person_id, person_id), set()).update(credits)
    changes = []
    for person_id, credits in after.credits.items():
        if person_id not in old_credits:
            continue
        new_set = set(credits)
        gone = [
            credit for credit in credits_in_order(old_credits[person_id]) if credit not in new_set
        ]
        came = [credit for credit in credits if credit not in old_credits[person_id]]
        changes += paired_changes(person_id, gone, came, before, after)
    return changes + reorder_changes(before, after, kept)


def reorder_changes(before, after, kept):
    """The places whose people, on both Sides, come in another order."""
    changes = []
    for place, people in after.order.items():
        old_order = [kept.get(person_id, person_id) for person_id in before.order.get(place, ())]
        if reordered(list(dict.fromkeys(old_order)), list(people)):
            changes.append(Change(Kind.NAMES_REORDERED, where=after.label(place)))
    return changes


def credits_in_order(credits):
    return sorted(
        credits, key=lambda credit: (credit[0].section_id or 0, credit[0].team_id or 0, credit[1])
    )


def paired_changes(person_id, gone, came, before, after):
    """Pair a person's credits no longer there with new ones: retitled, then moved."""
    changes = []
    for same in [
        lambda old, new: old[0] == new[0],  # same place: retitled
        lambda old, new: old[1] == new[1],  # same title: moved
        lambda old, new: True,  # moved and retitled
    ]:
        for old in list(gone):
            new = next((new for new in came if same(old, new)), None)
            if new is None:
                continue
            gone.remove(old)
            came.remove(new)
            if old[0] != new[0]:
                changes.append(
                    Change(
                        Kind.CREDIT_MOVED,
                        person=person_id,
                        old=before.label(old[0]),
                        new=after.label(new[0]),
                    )
                )
            if old[1] != new[1]:
                changes.append(
                    Change(
                        Kind.CREDIT_RETITLED,
                        person=person_id,
                        where=after.label(new[0]),
                        old=old[1],
                        new=new[1],
                    )
                )
    for place, title in came:
        changes.append(
            Change(Kind.CREDIT_ADDED, person=person_id, where=after.label(place), new=title)
        )
    for place, title in gone:
        changes.append(
            Change(Kind.CREDIT_REMOVED, person=person_id, where=before.label(place), old=title)
        )
    return changes


def reordered(old_ids, new_ids):
    """Whether the ids in both lists come in another order in `new_ids`."""
    common = set(old_ids) & set(new_ids)
    return [pk for pk in old_ids if pk in common] != [pk for pk in new_ids if pk in common]


def section_changes(before, after):
    changes = []
    for section_id, section in after.sections.items():
        if section_id not in before.sections:
            changes.append(Change(Kind.SECTION_ADDED, new=section.title))
        elif before.sections[section_id].title != section.title:
            old_title = before.sections[section_id].title
            changes.append(Change(Kind.SECTION_RENAMED, old=old_title, new=section.title))
    for section_id, section in before.sections.items():
        if section_id not in after.sections:
            changes.append(Change(Kind.SECTION_REMOVED, old=section.title))
    if reordered(list(before.sections), list(after.sections)):
        order = ", ".join(section.title for section in after.sections.values())
        changes.append(Change(Kind.SECTIONS_REORDERED, new=order))
    return changes


def team_changes(before, after):
    """Teams added, removed, renamed, moved between sections and reordered.

    The teams of a section added or removed are left out: the section says it.
    """
    changes = []
    for team_id, team in after.teams.items():
        section = after.team_section[team_id]
        if team_id not in before.teams:
            if section.id in before.sections:
                changes.append(Change(Kind.TEAM_ADDED, new=team.name, where=section.title))
            continue
        old_team, old_section = before.teams[team_id], before.team_section[team_id]
        if old_team.name != team.name:
            changes.append(
                Change(
                    Kind.TEAM_RENAMED,
                    old=team_label(old_team.name),
                    new=team_label(team.name),
                    where=section.title,
                )
            )
        if old_section.id != section.id:
            changes.append(
                Change(Kind.TEAM_MOVED, where=team.name, old=old_section.title, new=section.title)
            )
    for team_id, team in before.teams.items():
        section = before.team_section[team_id]
        if team_id not in after.teams and section.id in after.sections:
            changes.append(Change(Kind.TEAM_REMOVED, old=team.name, where=section.title))
    for section_id, section in after.sections.items():
        if section_id not in before.sections:
            continue
        old_ids = [team.id for team in before.sections[section_id].teams]
        new_ids = [team.id for team in section.teams]
        if reordered(old_ids, new_ids):
            order = ", ".join(team_label(team.name) for team in section.teams)
            changes.append(Change(Kind.TEAMS_REORDERED, where=section.title, new=order))
    return changes


def acknowledgment_changes(before, after, merged):
    changes = []
    for ack_id, ack in after.acknowledgments.items():
        old = before.acknowledgments.get(ack_id)
        if old is None:
            changes.append(Change(Kind.ACKNOWLEDGMENT_ADDED, new=excerpt(ack.text)))
            continue
        if old.text != ack.text:
            changes.append(
                Change(Kind.ACKNOWLEDGMENT_CHANGED, old=excerpt(old.text), new=excerpt(ack.text))
            )
        old_people = {merged.get(person_id, person_id) for person_id in old.people}
        for person_id in ack.people:
            if person_id not in old_people:
                changes.append(Change(Kind.NAMED_ADDED, person=person_id, where=excerpt(ack.text)))
        new_people = set(ack.people)
        for person_id in old.people:
            if merged.get(person_id, person_id) not in new_people:
                changes.append(
                    Change(Kind.NAMED_REMOVED, person=person_id, where=excerpt(ack.text))
                )
    for ack_id, ack in before.acknowledgments.items():
        if ack_id not in after.acknowledgments:
            changes.append(Change(Kind.ACKNOWLEDGMENT_REMOVED, old=excerpt(ack.text)))
    if reordered(list(before.acknowledgments), list(after.acknowledgments)):
        changes.append(Change(Kind.ACKNOWLEDGMENTS_REORDERED))
    return changes


def page_changes(old, new, merged):
    """The title, texts, links and assembler of the page."""
    changes = []
    if old.title != new.title:
        changes.append(Change(Kind.TITLE_CHANGED, old=old.title, new=new.title))
    before, after = old.content, new.content
    if before.intro != after.intro:
        changes.append(Change(Kind.INTRO_CHANGED))
    if before.closing_text != after.closing_text:
        changes.append(Change(Kind.CLOSING_CHANGED))
    if before.citation != after.citation:
        changes.append(Change(Kind.CITATION_CHANGED, old=before.citation, new=after.citation))
    if before.ordering_note != after.ordering_note:
        changes.append(
            Change(Kind.ORDERING_NOTE_CHANGED, old=before.ordering_note, new=after.ordering_note)
        )
    for link in after.resources:
        if link not in before.resources:
            changes.append(Change(Kind.LINK_ADDED, new=link.title, where=link.url))
    for link in before.resources:
        if link not in after.resources:
            changes.append(Change(Kind.LINK_REMOVED, old=link.title, where=link.url))
    if sorted(before.resources, key=str) == sorted(after.resources, key=str) and (
        before.resources != after.resources
    ):
        changes.append(Change(Kind.LINKS_REORDERED))
    old_assembler = merged.get(before.assembled_by, before.assembled_by)
    if old_assembler != after.assembled_by:
        changes.append(
            Change(Kind.ASSEMBLER_CHANGED, person=after.assembled_by, other=before.assembled_by)
        )
    return changes
