"""The people file: each person's identity, to carry it from one database to another.

One row per person: name, address (slug), sort and family names, ORCID, homepage,
other spellings and old addresses, and the person's choices about being named
(people/naming.py): never listed, and the projects they are not named on. Never the
private email address. Importing it before a credits file, or with it
(apply.import_credits' `people`), makes that file's other spellings land on the right
people, and keeps unnamed who asked not to be named. An import is planned
(plan_people), shown, then written (write_people) as one change set.

Other spellings are in two columns: `other_spellings` the private ones (as every
spelling was before spellings could be public), `public_spellings` those shown as
"Also credited as". A file without `public_spellings` (written before it existed)
adds its spellings as private and changes no existing spelling's flag.

A file only ever adds choices not to be named: an empty `never_listed` or
`not_named_on` cell leaves a person as they are, so that no file names again
someone who asked not to be named.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from people.caching import invalidate_pages, invalidate_published_pages_of
from people.changesets.record import recording_people_import
from people.models import (
    Alias,
    ChangeSet,
    NotNamed,
    Person,
    PersonRedirect,
    Project,
    numbered_slug,
    slug_base,
)
from people.sorting import same_name_key
from people.spreadsheet import bulk
from people.spreadsheet.export import escape_cell, write_csv
from people.spreadsheet.format import (
    CreditsError,
    Problem,
    _columns,
    clean_cell,
    read_table,
)

PEOPLE_COLUMNS = (
    "name",
    "slug",
    "sort_name",
    "family_name",
    "orcid",
    "homepage",
    "other_spellings",
    "public_spellings",
    "old_addresses",
    "never_listed",
    "not_named_on",
)
LIST_SEPARATOR = " | "
# The model field each single-valued column is checked against, as the admin's forms check it.
FIELDS = {
    "name": Person._meta.get_field("name"),
    "slug": Person._meta.get_field("slug"),
    "sort_name": Person._meta.get_field("sort_name"),
    "family_name": Person._meta.get_field("family_name"),
    "orcid": Person._meta.get_field("orcid"),
    "homepage": Person._meta.get_field("homepage"),
    "other_spellings": Alias._meta.get_field("name"),
    "public_spellings": Alias._meta.get_field("name"),
    "old_addresses": PersonRedirect._meta.get_field("old_slug"),
    "not_named_on": Project._meta.get_field("slug"),
}
LIST_COLUMNS = ("other_spellings", "public_spellings", "old_addresses", "not_named_on")
# What the never_listed column holds for a person never listed; empty otherwise.
YES = "yes"


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One person as read from a people file."""

    row: int
    name: str
    slug: str
    sort_name: str = ""
    family_name: str = ""
    orcid: str = ""
    homepage: str = ""
    # Private ones.
    other_spellings: tuple[str, ...] = ()
    # None when the file has no public_spellings column.
    public_spellings: tuple[str, ...] | None = None
    old_addresses: tuple[str, ...] = ()
    # True adds the choice; False (an empty cell) leaves the person as they are.
    never_listed: bool = False
    # The slugs of the projects the person is not named on.
    not_named_on: tuple[str, ...] = ()

    def spellings(self):
        """(spelling, is_public) for each other spelling; is_public None from a file without
        public_spellings: a new spelling is private, an existing one keeps its flag."""
        private = None if self.public_spellings is None else False
        return [
            *((spelling, private) for spelling in self.other_spellings),
            *((spelling, True) for spelling in self.public_spellings or ()),
        ]


def people_rows(queryset):
    """The rows of the people file for `queryset`, by sort key, cells escaped for spreadsheets."""
    people = queryset.prefetch_related("aliases", "redirects", "not_named__project")
    rows = []
    for person in sorted(people, key=lambda person: (person.sort_key, person.name, person.slug)):
        aliases = person.aliases.all()
        rows.append(
            [
                person.name,
                person.slug,
                person.sort_name,
                person.family_name,
                person.orcid,
                person.homepage,
                LIST_SEPARATOR.join(sorted(a.name for a in aliases if not a.is_public)),
                LIST_SEPARATOR.join(sorted(a.name for a in aliases if a.is_public)),
                LIST_SEPARATOR.join(sorted(r.old_slug for r in person.redirects.all())),
                YES if person.never_listed else "",
                LIST_SEPARATOR.join(sorted(row.project.slug for row in person.not_named.all())),
            ]
        )
    return [[escape_cell(value) for value in row] for row in rows]


def export_people_csv(queryset):
    """The people file as CSV text: UTF-8 without BOM once encoded, LF line endings."""
    return write_csv(PEOPLE_COLUMNS, people_rows(queryset))


def read_people(data):
    """Return the PersonRow of each row of a people file given as bytes, or raise CreditsError."""
    rows, problems = read_table(data, _read_header, _read_row)
    first_row_of = {}
    for row in rows:
        if row.slug in first_row_of:
            message = f"the slug repeats row {first_row_of[row.slug]}."
            problems.append(Problem(message, row.row, "slug"))
        first_row_of.setdefault(row.slug, row.row)
        problems.extend(_spellings_in_both_columns(row))
    if problems:
        raise CreditsError(problems)
    if not rows:
        raise CreditsError("The file has a header but no people.")
    return rows


def _spellings_in_both_columns(row):
    private = {same_name_key(spelling) for spelling in row.other_spellings}
    return [
        Problem(
            f"“{spelling}” is both a private and a public spelling: keep it in one column.",
            row.row,
            "public_spellings",
        )
        for spelling in row.public_spellings or ()
        if same_name_key(spelling) in private
    ]


def _read_header(number, header):
    names = [cell.strip().casefold() for cell in header]
    expected = ", ".join(PEOPLE_COLUMNS)
    unknown = [name for name in names if name and name not in PEOPLE_COLUMNS]
    missing = [name for name in ("name", "slug") if name not in names]
    repeated = {name for name in names if name and names.count(name) > 1}
    problems = [Problem(f'the column "{name}" appears twice.', number) for name in sorted(repeated)]
    if unknown:
        message = f"unknown {_columns(unknown)}. The columns are {expected}."
        problems.append(Problem(message, number))
    if missing:
        message = f"missing {_columns(missing)}. The columns are {expected}."
        problems.append(Problem(message, number))
    if problems:
        raise CreditsError(problems)
    return {index: name for index, name in enumerate(names) if name}


def _read_row(number, cells, columns):
    values = {}
    problems = []
    for index, cell in enumerate(cells):
        name = columns.get(index)
        if name is None:
            if cell.strip():
                problems.append(
                    Problem("a value in a column without a name in the header.", number)
                )
            continue
        if name == "never_listed":
            value = _read_yes(cell, number, problems)
        elif name in LIST_COLUMNS:
            items = [clean_cell(item) for item in cell.split(LIST_SEPARATOR.strip())]
            value = tuple(item for item in items if item)
            for item in value:
                problems.extend(_check(FIELDS[name], item, number, name))
        else:
            value = clean_cell(cell)
            problems.extend(_check(FIELDS[name], value, number, name))
        values[name] = value
    for name in ("name", "slug"):
        if not values.get(name):
            problems.append(Problem(f"the {name} is empty.", number, name))
    if problems:
        return None, problems
    return PersonRow(number, **values), []


def _read_yes(cell, number, problems):
    """True for "yes" (in any case), False for an empty cell; anything else is a problem."""
    value = clean_cell(cell)
    if value and value.casefold() != YES:
        problems.append(
            Problem(
                f"write “{YES}” for a person never listed, or leave the cell empty.",
                number,
                "never_listed",
            )
        )
    return bool(value)


def _check(field, value, number, column):
    if not value:
        return []
    if "\x00" in value:
        return [Problem("the cell contains a NUL byte.", number, column)]
    try:
        field.clean(value, None)
    except ValidationError as error:
        return [Problem(message, number, column) for message in error.messages]
    return []


# Planning: who the rows are, and what importing them changes


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A column whose value a row changes on an existing person."""

    column: str
    old: str
    new: str

    @property
    def label(self):
        return COLUMN_LABELS[self.column]


@dataclass(frozen=True, slots=True)
class ProjectRef:
    """A project a row names in not_named_on."""

    pk: int
    slug: str
    title: str

    def __str__(self):
        return self.title


@dataclass(frozen=True, slots=True)
class PlannedPerson:
    """A row of the people file and what importing it does: a new person, or changes to one.

    `pk` is the existing person's (None for a new person), `slug` their address after
    the import, `name` their name after it.
    """

    row: int
    pk: int | None
    slug: str
    name: str
    fields: tuple[FieldChange, ...] = ()
    new_spellings: tuple[str, ...] = ()
    new_addresses: tuple[str, ...] = ()
    # Other spellings shown publicly after the import, new ones included, and those
    # the person had public that become private.
    made_public: tuple[str, ...] = ()
    made_private: tuple[str, ...] = ()
    # Whether the person becomes never listed, and the projects they become not named on.
    never_listed: bool = False
    not_named_on: tuple[ProjectRef, ...] = ()

    @property
    def is_new(self):
        return self.pk is None

    @property
    def has_changes(self):
        return self.is_new or bool(
            self.fields
            or self.new_spellings
            or self.new_addresses
            or self.made_public
            or self.made_private
            or self.never_listed
            or self.not_named_on
        )

    def value(self, column):
        """What the person's `column` will be, for the fields a new person is given."""
        return next((change.new for change in self.fields if change.column == column), "")


@dataclass(frozen=True)
class PeoplePlan:
    """What importing a people file will change: each row's person, new or existing."""

    rows: tuple[PersonRow, ...]
    people: tuple[PlannedPerson, ...]
    source: str = ""
    # The change set that recorded the import, once written.
    change_set: ChangeSet | None = field(default=None, compare=False, repr=False)

    @cached_property
    def new(self):
        return [person for person in self.people if person.is_new]

    @cached_property
    def changed(self):
        return [person for person in self.people if not person.is_new and person.has_changes]

    @property
    def created(self):
        return len(self.new)

    @property
    def updated(self):
        return len(self.changed)

    @property
    def unchanged(self):
        return len(self.people) - self.created - self.updated

    @property
    def other_spellings(self):
        return sum(len(person.new_spellings) for person in self.people)

    @property
    def old_addresses(self):
        return sum(len(person.new_addresses) for person in self.people)

    @property
    def made_public(self):
        return sum(len(person.made_public) for person in self.people)

    @property
    def made_private(self):
        return sum(len(person.made_private) for person in self.people)

    @property
    def never_listed(self):
        return sum(person.never_listed for person in self.people)

    @property
    def not_named(self):
        return sum(len(person.not_named_on) for person in self.people)

    @property
    def has_changes(self):
        return bool(self.new or self.changed)

    def summary(self):
        """One line of counts, e.g. "2 people created, 1 updated, 0 unchanged, 1 other…"."""
        text = (
            f"{_count(self.created, 'person', 'people')} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {_count(self.other_spellings, 'other spelling')} and "
            f"{_count(self.old_addresses, 'old address', 'old addresses')} added"
        )
        if self.made_public or self.made_private:
            text += (
                f"; {_count(self.made_public, 'other spelling')} shown publicly, "
                f"{self.made_private} made private"
            )
        if self.never_listed or self.not_named:
            text += (
                f"; {_count(self.never_listed, 'person', 'people')} never listed, "
                f"{_count(self.not_named, 'choice')} not to be named on a project"
            )
        return text

    __str__ = summary

    def digest(self):
        """A fingerprint of the changes, to tell whether the database moved since a preview."""
        return hashlib.sha256(repr(self.people).encode()).hexdigest()


def _count(number, singular, plural=None):
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


IDENTITY_FIELDS = ("name", "sort_name", "family_name", "orcid", "homepage")
COLUMN_LABELS = {
    "name": "name",
    "sort_name": "sort name",
    "family_name": "family name",
    "orcid": "ORCID iD",
    "homepage": "homepage",
}


def describe_person_changes(planned):
    """What importing a row changes of an existing person, in short phrases."""
    phrases = [
        f"{change.label} “{change.old}” → “{change.new}”"
        if change.old
        else f"{change.label} “{change.new}” added"
        for change in planned.fields
    ]
    if planned.new_spellings:
        phrases.append("other spellings added: " + ", ".join(planned.new_spellings))
    if planned.new_addresses:
        phrases.append("old addresses added: " + ", ".join(planned.new_addresses))
    if planned.made_public:
        phrases.append("shown publicly: " + ", ".join(planned.made_public))
    if planned.made_private:
        phrases.append("made private: " + ", ".join(planned.made_private))
    return phrases + describe_naming(planned)


def describe_naming(planned):
    """The choices about being named a row adds, in short phrases ("never listed: yes")."""
    phrases = [f"never listed: {YES}"] if planned.never_listed else []
    if planned.not_named_on:
        phrases.append("not named on: " + ", ".join(map(str, planned.not_named_on)))
    return phrases


class _Everyone:
    """Every person, by address (slug or old address) and by name or other spelling."""

    def __init__(self):
        people = Person.objects.order_by("pk").values_list(
            "pk", "slug", *IDENTITY_FIELDS, "never_listed", named=True
        )
        self.people = {person.pk: person for person in people}
        self.by_slug = {person.slug: person.pk for person in self.people.values()}
        self.redirects = dict(PersonRedirect.objects.values_list("old_slug", "person_id"))
        self.by_name = defaultdict(list)
        for person in self.people.values():
            self.by_name[same_name_key(person.name)].append(person.pk)
        self.by_alias = defaultdict(list)
        # pk -> {same-name key of an other spelling: whether it is public}
        self.spellings = defaultdict(dict)
        aliases = Alias.objects.order_by("pk").values_list("person_id", "name", "is_public")
        for pk, name, is_public in aliases:
            self.by_alias[same_name_key(name)].append(pk)
            self.spellings[pk][same_name_key(name)] = is_public
        self.taken = set(self.by_slug) | set(self.redirects)

    def named(self, name):
        """The pks of the people who go by `name`: by their name, else by an other spelling."""
        key = same_name_key(name)
        return self.by_name.get(key) or list(dict.fromkeys(self.by_alias.get(key, ())))

    # Read only for a file that names projects in not_named_on.
    @cached_property
    def projects(self):
        """Every project, by slug."""
        rows = Project.objects.values_list("pk", "slug", "title")
        return {slug: ProjectRef(pk, slug, title) for pk, slug, title in rows}

    @cached_property
    def not_named(self):
        """(person pk, project pk) of every choice not to be named on a project."""
        return set(NotNamed.objects.values_list("person_id", "project_id"))


# What a new person has before the import: nothing.
NOBODY = SimpleNamespace(slug="", never_listed=False, **dict.fromkeys(IDENTITY_FIELDS, ""))


def plan_people(rows, source=""):
    """Work out what importing `rows` changes, from a fixed number of queries.

    A row is the person with its slug, else the one whose old address it is, else the
    one whose name or other spelling is the row's name, else a new person; each person
    is one row's at most, so that two people of one name in the file stay two. Cells
    left empty change nothing, and nothing is ever deleted. Raises CreditsError, naming
    the row and column of every problem.
    """
    everyone = _Everyone()
    matched = _match_by_address(rows, everyone)
    problems = []
    planned = []
    for row in rows:
        pk = matched.get(row.row)
        if pk is None:
            pk = _match_by_name(row, everyone, set(matched.values()), problems)
            if pk is not None:
                matched[row.row] = pk
        planned.append(_plan_row(row, pk, everyone, problems))
    if problems:
        raise CreditsError(problems)
    return PeoplePlan(tuple(rows), tuple(planned), source)


def _match_by_address(rows, everyone):
    """{row: pk} of the rows whose slug is a person's address, then an old address."""
    matched = {}
    for row in rows:
        if row.slug in everyone.by_slug:
            matched[row.row] = everyone.by_slug[row.slug]
    claimed = set(matched.values())
    for row in rows:
        pk = everyone.redirects.get(row.slug)
        if row.row not in matched and pk is not None and pk not in claimed:
            matched[row.row] = pk
            claimed.add(pk)
    return matched


def _match_by_name(row, everyone, claimed, problems):
    candidates = [pk for pk in everyone.named(row.name) if pk not in claimed]
    if len(candidates) > 1:
        slugs = ", ".join(sorted(everyone.people[pk].slug for pk in candidates))
        problems.append(
            Problem(
                f'"{row.name}" is the name or other spelling of {len(candidates)} people '
                f"({slugs}), and the slug {row.slug} is none of theirs: give the slug of the "
                "one it is.",
                row.row,
                "slug",
            )
        )
        return None
    return candidates[0] if candidates else None


def _plan_row(row, pk, everyone, problems):
    person = everyone.people[pk] if pk is not None else NOBODY
    fields = tuple(
        FieldChange(column, getattr(person, column), getattr(row, column))
        for column in IDENTITY_FIELDS
        if getattr(row, column) and getattr(row, column) != getattr(person, column)
    )
    if pk is None:
        slug = row.slug
        if slug in everyone.taken:
            slug = numbered_slug(slug_base(row.name), everyone.taken)
        everyone.taken.add(slug)
    else:
        slug = person.slug
    # The row's own address, when the person has another, becomes an old address too.
    old = [row.slug] if row.slug != slug else []
    addresses = [address for address in [*old, *row.old_addresses] if address not in everyone.taken]
    everyone.taken.update(addresses)
    # A name is never empty: the row's is the person's after the import.
    name = row.name
    family_name = row.family_name or person.family_name
    if family_name:
        problems.extend(_family_name_problems(name, family_name, row))
    known = everyone.spellings[pk] if pk is not None else {}
    spellings, public, private = [], [], []
    for spelling, is_public in row.spellings():
        key = same_name_key(spelling)
        if key == same_name_key(name):
            continue
        if key not in known:
            known[key] = bool(is_public)
            spellings.append(spelling)
            if is_public:
                public.append(spelling)
        elif is_public is not None and known[key] != is_public:
            known[key] = is_public
            (public if is_public else private).append(spelling)
    return PlannedPerson(
        row.row,
        pk,
        slug,
        name,
        fields,
        tuple(spellings),
        tuple(dict.fromkeys(addresses)),
        tuple(public),
        tuple(private),
        row.never_listed and not person.never_listed,
        _not_named_on(row, pk, everyone, problems),
    )


def _not_named_on(row, pk, everyone, problems):
    """The projects of the row's not_named_on that the person is still named on.

    A slug that is no project's is refused: left out, the person would be named there.
    """
    projects = []
    for slug in dict.fromkeys(row.not_named_on):
        project = everyone.projects.get(slug)
        if project is None:
            problems.append(
                Problem(
                    f"no project has the address “{slug}”. Create the project first, so that "
                    "the person's choice not to be named on it is kept.",
                    row.row,
                    "not_named_on",
                )
            )
        elif (pk, project.pk) not in everyone.not_named:
            projects.append(project)
    return tuple(projects)


def _family_name_problems(name, family_name, row):
    """Refuse, as the admin does, a family name that is not part of the name."""
    try:
        Person(name=name, family_name=family_name).clean()
    except ValidationError as error:
        return [Problem(message, row.row, "family_name") for message in error.messages]
    return []


# Writing


def write_people(plan, *, user=None, source=""):
    """Write `plan` with bulk queries, each row's history with it; call inside a transaction.

    Returns {pk: slug} of the people it created. The caller invalidates the cached
    pages, which the signals of single saves would have done.
    """
    stamp = bulk.Stamp(
        user, (f"Imported from {source}" if source else "People import")[:100], timezone.now()
    )
    new = [
        Person(
            slug=planned.slug,
            never_listed=planned.never_listed,
            **{column: planned.value(column) for column in IDENTITY_FIELDS},
        )
        for planned in plan.new
    ]
    for person in new:
        person.set_sort_key()
    bulk.create(Person, new, stamp)
    pks = {planned.row: person.pk for planned, person in zip(plan.new, new, strict=True)}
    _update_people(plan.changed, stamp)
    pk_of = {planned.row: planned.pk or pks[planned.row] for planned in plan.people}
    bulk.create(
        Alias,
        [
            Alias(
                person_id=pk_of[planned.row],
                name=spelling,
                is_public=spelling in planned.made_public,
            )
            for planned in plan.people
            for spelling in planned.new_spellings
        ],
        stamp,
    )
    _update_flags(plan.changed, stamp)
    bulk.create(
        NotNamed,
        [
            NotNamed(project_id=project.pk, person_id=pk_of[planned.row])
            for planned in plan.people
            for project in planned.not_named_on
        ],
        stamp,
    )
    # Stored versions show the spellings public now, and pages apply the choices not
    # to be named as they are served: their cache keys must move (naming_changed's
    # part in the database; the caller moves the person pages).
    invalidate_published_pages_of(
        [
            planned.pk
            for planned in plan.changed
            if planned.made_public or planned.made_private or planned.never_listed
        ],
        project_ids=[project.pk for planned in plan.people for project in planned.not_named_on],
    )
    bulk.create(
        PersonRedirect,
        [
            PersonRedirect(person_id=pk_of[planned.row], old_slug=address)
            for planned in plan.people
            for address in planned.new_addresses
        ],
        stamp,
    )
    return {person.pk: person.slug for person in new}


def _update_flags(changed, stamp):
    """Make public or private the other spellings people had that the rows flag otherwise."""
    flags = {
        (planned.pk, same_name_key(spelling)): is_public
        for planned in changed
        for spellings, is_public in [(planned.made_public, True), (planned.made_private, False)]
        for spelling in spellings
    }
    if not flags:
        return
    aliases = [
        alias
        for alias in Alias.objects.filter(person_id__in={pk for pk, _ in flags})
        if (alias.person_id, same_name_key(alias.name)) in flags
    ]
    for alias in aliases:
        alias.is_public = flags[(alias.person_id, same_name_key(alias.name))]
    bulk_update_with_history(
        aliases, Alias, ["is_public"], batch_size=bulk.BATCH_SIZE, **stamp.for_simple_history()
    )


def _update_people(changed, stamp):
    by_pk = {planned.pk: planned for planned in changed if planned.fields or planned.never_listed}
    if not by_pk:
        return
    people = list(Person.objects.filter(pk__in=by_pk))
    for person in people:
        for change in by_pk[person.pk].fields:
            setattr(person, change.column, change.new)
        # Only ever set: a file never names again someone who asked not to be listed.
        person.never_listed = person.never_listed or by_pk[person.pk].never_listed
        person.set_sort_key()
    bulk_update_with_history(
        people,
        Person,
        [*IDENTITY_FIELDS, "never_listed", "sort_key"],
        batch_size=bulk.BATCH_SIZE,
        **stamp.for_simple_history(),
    )


def import_people(rows, *, dry_run=False, user=None, source="", expected_digest=None):
    """Plan importing `rows` and, unless `dry_run`, write it in one transaction; return the plan.

    What changes is recorded as one change set, which can be undone as a whole.
    `expected_digest` is the digest of the plan an editor previewed: if the database
    changed since, nothing is written. Raises CreditsError, having written nothing.
    """
    try:
        with transaction.atomic():
            plan = plan_people(rows, source)
            if dry_run or not plan.has_changes:
                return plan
            if expected_digest is not None and plan.digest() != expected_digest:
                raise CreditsError(
                    "The people in the database changed since the preview, so nothing was "
                    "imported. Upload the file again to see what it would change now."
                )
            with recording_people_import(plan, user) as change_set:
                write_people(plan, user=user, source=source)
            invalidate_pages()
    except DatabaseError as error:
        raise CreditsError(
            f"The database refused the import, so nothing was imported ({error}). "
            "Another change may have been saved at the same moment; try again."
        ) from error
    return replace(plan, change_set=change_set)
