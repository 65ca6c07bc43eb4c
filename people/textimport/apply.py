"""Importing a Document: its credits through the spreadsheet import, and what a CSV cannot carry.

The credits become the spreadsheet format's rows (CreditRow) and go through the same
planning and writing as a CSV file (people/spreadsheet/). The rest (intro, closing
text, links, citation, ordering note, who assembled the page, acknowledgments with the
people they name) is planned here as ExtrasPlan, shown in the preview, and written in
the same transaction as the credits.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from people.caching import invalidate_pages
from people.models import (
    Acknowledgment,
    Alias,
    Mention,
    Person,
    Project,
    Resource,
)
from people.sorting import normalize_name, same_name_key, sort_key
from people.spreadsheet.apply import import_credits, new_slugs
from people.spreadsheet.export import escape_cell, write_csv
from people.spreadsheet.format import COLUMNS, CreditRow, CreditsError
from people.spreadsheet.plan import ADD, SYNC, Newcomer, NewPerson, build_plan, look_alikes

BATCH_SIZE = 1000
DEFAULT_ORDERING_NOTE = Project._meta.get_field("ordering_note").default


def credit_rows(document):
    """The document's credits as the spreadsheet import's rows, numbered by their lines."""
    rows = []
    for section in document.sections:
        title = normalize_name(section.title)
        for lead in section.leads:
            rows.append(CreditRow(lead.line, title, "", _name(lead), normalize_name(lead.title)))
        for group in section.groups:
            heading = normalize_name(group.heading)
            for member in group.members:
                rows.append(
                    CreditRow(
                        member.line, title, heading, _name(member), normalize_name(member.title)
                    )
                )
    return rows


def _name(member):
    return normalize_name(member.name)


def interpretation_csv(document):
    """The document's credits in the CSV import format, to correct in a spreadsheet."""
    rows = [
        [escape_cell(value) for value in (row.section, row.team, row.person, row.role)]
        for row in credit_rows(document)
    ]
    return write_csv(COLUMNS, rows)


def prefer_known_spellings(document):
    """Take an author's name family name first ("Wang Xiaoming") where only that spelling is known.

    A CITATION.cff splits names into given and family names but not their order; the
    given-names-first spelling is kept unless only the other one names someone.
    """
    members = [
        member
        for section in document.sections
        for group in section.groups
        for member in group.members
        if member.other_order
    ]
    if not members:
        return
    keys = _known_keys()
    for section in document.sections:
        for group in section.groups:
            group.members = [
                _with_name(member, member.other_order)
                if member.other_order
                and same_name_key(member.name) not in keys
                and same_name_key(member.other_order) in keys
                else member
                for member in group.members
            ]


def _with_name(member, name):
    return type(member)(name, member.line, member.title)


def _known_keys():
    names = Person.objects.values_list("name", flat=True).iterator()
    aliases = Alias.objects.values_list("name", flat=True).iterator()
    return {same_name_key(name) for name in names} | {same_name_key(name) for name in aliases}


# Planning what the spreadsheet cannot carry


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A field of the project the page gives a value for; `is_written` unless kept as it is."""

    field: str
    label: str
    old: str
    new: str
    is_written: bool


@dataclass(frozen=True, slots=True)
class ExistingLink:
    pk: int
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class ExistingAcknowledgment:
    pk: int
    text: str


@dataclass(frozen=True, slots=True)
class ExtraPerson:
    """A person an acknowledgment names (or who assembled the page) whom nobody is yet."""

    name: str
    line: int


@dataclass
class ExtrasPlan:
    """What importing the page changes besides the credits."""

    project: Project
    mode: str
    fields: list[FieldChange] = field(default_factory=list)
    new_links: list = field(default_factory=list)  # blocks.Link
    removed_links: list[ExistingLink] = field(default_factory=list)
    new_acknowledgments: list = field(default_factory=list)  # document.Acknowledgment
    added_mentions: dict[ExistingAcknowledgment, list] = field(default_factory=dict)
    removed_acknowledgments: list[ExistingAcknowledgment] = field(default_factory=list)
    # same-name key -> Person pk, NewPerson (created by the credits) or ExtraPerson
    people: dict[str, object] = field(default_factory=dict)
    look_alikes: dict[ExtraPerson, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def written_fields(self):
        return [change for change in self.fields if change.is_written]

    @property
    def new_people(self):
        return [person for person in self.people.values() if isinstance(person, ExtraPerson)]

    @property
    def has_changes(self):
        return bool(
            self.written_fields
            or self.new_links
            or self.removed_links
            or self.new_acknowledgments
            or self.added_mentions
            or self.removed_acknowledgments
        )

    def summary(self):
        parts = [change.label for change in self.written_fields]
        for items, singular, plural in (
            (self.new_links, "new link", "new links"),
            (self.removed_links, "link removed", "links removed"),
            (self.new_acknowledgments, "new acknowledgment", "new acknowledgments"),
            (
                self.added_mentions,
                "acknowledgment with names added",
                "acknowledgments with names added",
            ),
            (self.removed_acknowledgments, "acknowledgment removed", "acknowledgments removed"),
            (
                self.new_people,
                "person named only in the acknowledgments",
                "people named only in the acknowledgments",
            ),
        ):
            if items:
                parts.append(f"{len(items)} {singular if len(items) == 1 else plural}")
        return ", ".join(parts) or "nothing else"

    def digest(self):
        fingerprint = (
            self.mode,
            [(c.field, c.old, c.new, c.is_written) for c in self.fields],
            [(link.title, link.url) for link in self.new_links],
            sorted(link.pk for link in self.removed_links),
            [(a.text, [m.name for m in a.names]) for a in self.new_acknowledgments],
            sorted(
                (a.pk, tuple(m.name for m in names)) for a, names in self.added_mentions.items()
            ),
            sorted(a.pk for a in self.removed_acknowledgments),
            sorted((key, repr(person)) for key, person in self.people.items()),
        )
        return hashlib.sha256(repr(fingerprint).encode()).hexdigest()


def plan_extras(project, document, mode, credits_plan):
    """Plan the page's intro, links, citation, notes and acknowledgments for `project`."""
    extras = ExtrasPlan(project, mode)
    _plan_fields(extras, project, document, mode)
    _plan_links(extras, project, document, mode)
    _plan_acknowledgments(extras, project, document, mode)
    _plan_people(extras, document, credits_plan)
    return extras


def _plan_fields(extras, project, document, mode):
    values = [
        ("intro", "intro", "\n\n".join(document.intro)),
        ("closing_text", "closing text", "\n\n".join(document.closing)),
        ("citation", "citation", document.citation),
        ("ordering_note", "ordering note", document.ordering_note),
    ]
    for name, label, new in values:
        if not new:
            continue
        old = getattr(project, name)
        limit = Project._meta.get_field(name).max_length
        if limit and len(new) > limit:
            extras.problems.append(
                f"The {label} is {len(new)} characters long; at most {limit} are allowed: "
                f"“{new[:80]}…”"
            )
            continue
        unset = not old or (name == "ordering_note" and old == DEFAULT_ORDERING_NOTE)
        if new != old:
            extras.fields.append(FieldChange(name, label, old, new, mode == SYNC or unset))
    if document.assembled_by:
        old = project.assembled_by.name if project.assembled_by_id else ""
        new = normalize_name(document.assembled_by.name)
        if same_name_key(new) != same_name_key(old):
            extras.fields.append(
                FieldChange("assembled_by", "assembled by", old, new, mode == SYNC or not old)
            )


def _plan_links(extras, project, document, mode):
    if not document.links:
        return
    existing = [
        ExistingLink(*row)
        for row in project.resources.order_by("position", "pk").values_list("pk", "title", "url")
    ]
    for link in document.links:
        if len(link.title) > Resource._meta.get_field("title").max_length or len(link.url) > 500:
            extras.problems.append(
                f"Line {link.line}: the link “{link.title[:80]}” is too long to keep."
            )
    wanted = [(link.title, link.url) for link in document.links]
    if mode == SYNC and [(link.title, link.url) for link in existing] != wanted:
        extras.removed_links = existing
        extras.new_links = list(document.links)
        return
    known = {link.url for link in existing}
    for link in document.links:
        if link.url not in known:
            extras.new_links.append(link)
            known.add(link.url)


def _plan_acknowledgments(extras, project, document, mode):
    if not document.acknowledgments:
        return
    existing = {}
    for pk, text in project.acknowledgments.order_by("position", "pk").values_list("pk", "text"):
        existing.setdefault(same_name_key(text), ExistingAcknowledgment(pk, text))
    named = defaultdict(set)
    for ack_pk, name in Mention.objects.filter(acknowledgment__project=project).values_list(
        "acknowledgment_id", "person__name"
    ):
        named[ack_pk].add(same_name_key(name))
    if mode == SYNC:
        current = [(same_name_key(a.text), named[a.pk]) for a in existing.values()]
        wanted = [
            (same_name_key(a.text), {same_name_key(m.name) for m in a.names})
            for a in document.acknowledgments
        ]
        if current != wanted:
            extras.removed_acknowledgments = list(existing.values())
            extras.new_acknowledgments = list(document.acknowledgments)
        return
    for acknowledgment in document.acknowledgments:
        match = existing.get(same_name_key(acknowledgment.text))
        if match is None:
            extras.new_acknowledgments.append(acknowledgment)
            continue
        missing = [m for m in acknowledgment.names if same_name_key(m.name) not in named[match.pk]]
        if missing:
            extras.added_mentions[match] = missing


def _plan_people(extras, document, credits_plan):
    """Who each named person is: someone in the database, new with the credits, or new here."""
    wanted = _named_people(extras, document)
    if not wanted:
        return
    by_name, by_alias = _people_by_name_key()
    from_credits = {
        same_name_key(person.name): person for person in credits_plan.changes.new_people
    }
    for key, member in wanted.items():
        people = [pk for pk, _name in by_name.get(key, [])] or sorted(by_alias.get(key, ()))
        if len(people) > 1:
            extras.problems.append(
                f"Line {member.line}: “{member.name}” matches {len(people)} people; merge them or "
                "rename one before importing."
            )
        elif people:
            extras.people[key] = people[0]
        elif key in from_credits:
            extras.people[key] = from_credits[key]
        else:
            extras.people[key] = ExtraPerson(normalize_name(member.name), member.line)
    if extras.new_people:
        _plan_look_alikes(extras, by_name, from_credits)


def _named_people(extras, document):
    """The people the planned acknowledgments and "assembled by" name, by their name key."""
    wanted = {}
    for acknowledgment in extras.new_acknowledgments:
        for member in acknowledgment.names:
            wanted.setdefault(same_name_key(member.name), member)
    for members in extras.added_mentions.values():
        for member in members:
            wanted.setdefault(same_name_key(member.name), member)
    assembler = next((c for c in extras.written_fields if c.field == "assembled_by"), None)
    if assembler:
        wanted.setdefault(same_name_key(assembler.new), document.assembled_by)
    return wanted


def _people_by_name_key():
    """Everyone's (pk, name) by their name's key, and their pks by their aliases' keys."""
    by_name = defaultdict(list)
    by_alias = defaultdict(set)
    for pk, name in Person.objects.values_list("pk", "name").iterator():
        by_name[same_name_key(name)].append((pk, name))
    for pk, name in Alias.objects.values_list("person_id", "name").iterator():
        by_alias[same_name_key(name)].add(pk)
    return by_name, by_alias


def _plan_look_alikes(extras, by_name, from_credits):
    names = [pair for pairs in by_name.values() for pair in pairs]
    # look_alikes() takes the spreadsheet plan's NewPerson; map its answers back. The
    # credits' new people come first, so the people of the thanks are compared with them.
    stand_ins = {NewPerson(p.name, p.line): p for p in extras.new_people}
    found = look_alikes([*from_credits.values(), *stand_ins], names)
    extras.look_alikes = {
        stand_ins[person]: label for person, label in found.items() if person in stand_ins
    }


# The whole import


@dataclass
class TextImport:
    """A planned import of a page: the credits' plan (the spreadsheet's) and the rest."""

    document: object
    plan: object  # people.spreadsheet.plan.ImportPlan
    extras: ExtrasPlan

    @property
    def has_changes(self):
        return self.plan.has_changes or self.extras.has_changes

    def digest(self):
        return hashlib.sha256((self.plan.digest() + self.extras.digest()).encode()).hexdigest()

    @property
    def newcomers(self):
        # The plan numbers its rows; a text import's rows are the page's lines.
        return [
            Newcomer(newcomer.person, newcomer.look_alike.replace(" (row ", " (line "))
            for newcomer in self.plan.newcomers
        ]

    def summary(self):
        return f"{self.plan.summary()}; besides the credits: {self.extras.summary()}"


def plan_text_import(project, document, mode=ADD):
    """Plan importing `document` into `project`; raise CreditsError if it cannot be imported."""
    _refuse_problems(document)
    rows = credit_rows(document)
    plan = build_plan(project, rows, mode)
    extras = plan_extras(project, document, mode, plan)
    if extras.problems:
        raise CreditsError(extras.problems)
    return TextImport(document, plan, extras)


def _refuse_problems(document):
    if document.problems:
        raise CreditsError(
            [
                f"Line {problem.line}: “{problem.text}”: {problem.taken_for}"
                for problem in document.problems
            ]
        )
    mentioned = any(a.names for a in document.acknowledgments)
    if not document.credit_count and not mentioned:
        raise CreditsError("No names were found in the text: there is nothing to import.")


def import_text(project, document, mode=ADD, *, user=None, source="", expected_digest=None):
    """Plan and write `document` into `project` in one transaction, the project locked.

    `expected_digest` is the digest of the import an editor confirmed: if the database
    changed since, nothing is written. Raises CreditsError, and writes nothing, if
    anything is wrong.
    """
    with transaction.atomic():
        locked = Project.objects.select_for_update().filter(pk=project.pk).first()
        if locked is None:
            raise CreditsError(f'The project "{project}" no longer exists; nothing was imported.')
        planned = plan_text_import(locked, document, mode)
        if expected_digest is not None and planned.digest() != expected_digest:
            raise CreditsError(
                "The project changed since the preview, so nothing was imported. "
                "Preview the text again to see what it would change now."
            )
        rows = credit_rows(document)
        if rows:
            planned.plan = import_credits(
                locked, rows, mode, user=user, source=source, expected_digest=planned.plan.digest()
            )
        apply_extras(planned.extras, user=user, source=source)
    return planned


def apply_extras(extras, *, user=None, source=""):
    """Write an ExtrasPlan; call inside the transaction that wrote the credits."""
    if not extras.has_changes:
        return
    project = Project.objects.get(pk=extras.project.pk)
    stamp = {
        "default_user": user,
        "default_change_reason": f"Imported from {source or 'text'}"[:100],
        "default_date": timezone.now(),
    }
    people = _people_pks(extras, stamp)
    for change in extras.written_fields:
        if change.field == "assembled_by":
            project.assembled_by_id = people[same_name_key(change.new)]
        else:
            setattr(project, change.field, change.new)
    if user is not None:
        project._history_user = user
    project._change_reason = f"Text import: {extras.summary()}"[:100]
    project.save()
    _write_links(extras, project, stamp)
    _write_acknowledgments(extras, project, people, stamp)
    if user is not None:
        LogEntry.objects.log_actions(
            user.pk,
            [project],
            CHANGE,
            change_message=f"Imported from {source or 'text'} besides the credits: "
            f"{extras.summary()}.",
            single_object=True,
        )
    invalidate_pages()


def _people_pks(extras, stamp):
    """{same-name key: Person pk} for everyone the extras name, creating the new ones."""
    pks = {key: person for key, person in extras.people.items() if isinstance(person, int)}
    # People the credits' import has just created: the only ones of their name.
    from_credits = {key: p for key, p in extras.people.items() if isinstance(p, NewPerson)}
    if from_credits:
        names = [person.name for person in from_credits.values()]
        by_key = {
            same_name_key(name): pk
            for pk, name in Person.objects.filter(name__in=names).values_list("pk", "name")
        }
        pks.update({key: by_key[key] for key in from_credits})
    new = {key: p for key, p in extras.people.items() if isinstance(p, ExtraPerson)}
    if new:
        people = [
            Person(name=person.name, slug=slug, sort_key=sort_key(person.name))
            for person, slug in zip(new.values(), new_slugs(new.values()), strict=True)
        ]
        created = bulk_create_with_history(people, Person, batch_size=BATCH_SIZE, **stamp)
        by_slug = {person.slug: person.pk for person in created}
        if None in by_slug.values():
            by_slug = dict(Person.objects.filter(slug__in=list(by_slug)).values_list("slug", "pk"))
        pks.update({key: by_slug[person.slug] for key, person in zip(new, people, strict=True)})
    return pks


def _write_links(extras, project, stamp):
    if extras.removed_links:
        Resource.objects.filter(pk__in=[link.pk for link in extras.removed_links]).delete()
    if not extras.new_links:
        return
    top = project.resources.aggregate(top=Max("position"))["top"] or 0
    bulk_create_with_history(
        [
            Resource(project=project, title=link.title, url=link.url, position=top + number)
            for number, link in enumerate(extras.new_links, start=1)
        ],
        Resource,
        batch_size=BATCH_SIZE,
        **stamp,
    )


def _write_acknowledgments(extras, project, people, stamp):
    if extras.removed_acknowledgments:
        Acknowledgment.objects.filter(
            pk__in=[a.pk for a in extras.removed_acknowledgments]
        ).delete()
    top = project.acknowledgments.aggregate(top=Max("position"))["top"] or 0
    mentions = []
    for number, acknowledgment in enumerate(extras.new_acknowledgments, start=1):
        row = Acknowledgment.objects.create(
            project=project, text=acknowledgment.text, position=top + number
        )
        mentions.extend(_mentions(row.pk, acknowledgment.names, people))
    for existing, names in extras.added_mentions.items():
        mentions.extend(_mentions(existing.pk, names, people))
    bulk_create_with_history(mentions, Mention, batch_size=BATCH_SIZE, **stamp)


def _mentions(acknowledgment_pk, names, people):
    person_pks = dict.fromkeys(people[same_name_key(member.name)] for member in names)
    return [Mention(acknowledgment_id=acknowledgment_pk, person_id=pk) for pk in person_pks]
