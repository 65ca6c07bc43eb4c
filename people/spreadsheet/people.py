"""The people file: each person's identity, to carry it from one database to another.

One row per person: name, address (slug), sort and family names, ORCID, homepage,
other spellings and old addresses. Never the private email address. Importing it
before a credits file makes that file's other spellings land on the right people.

Other spellings are in two columns: `other_spellings` the private ones (as every
spelling was before spellings could be public), `public_spellings` those shown as
"Also credited as". A file without `public_spellings` (written before it existed)
adds its spellings as private and changes no existing spelling's flag.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from people.models import Alias, Person, PersonRedirect, numbered_slug, slug_base
from people.sorting import same_name_key
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
}
LIST_COLUMNS = ("other_spellings", "public_spellings", "old_addresses")


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

    def spellings(self):
        """(spelling, is_public) for each other spelling; is_public None from a file without
        public_spellings: a new spelling is private, an existing one keeps its flag."""
        private = None if self.public_spellings is None else False
        return [
            *((spelling, private) for spelling in self.other_spellings),
            *((spelling, True) for spelling in self.public_spellings or ()),
        ]


@dataclass(frozen=True, slots=True)
class PeopleImported:
    """What import_people wrote, in counts."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    other_spellings: int = 0
    old_addresses: int = 0
    made_public: int = 0
    made_private: int = 0

    def __str__(self):
        text = (
            f"{self.created} people created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.other_spellings} other spellings and {self.old_addresses} old addresses added"
        )
        if self.made_public or self.made_private:
            text += (
                f"; {self.made_public} other spellings made public, "
                f"{self.made_private} made private"
            )
        return text


def people_rows(queryset):
    """The rows of the people file for `queryset`, by sort key, cells escaped for spreadsheets."""
    people = queryset.prefetch_related("aliases", "redirects")
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
        if name in LIST_COLUMNS:
            items = [clean_cell(item) for item in cell.split(LIST_SEPARATOR.strip())]
            value = tuple(item for item in items if item)
        else:
            value = clean_cell(cell)
        for item in value if name in LIST_COLUMNS else [value]:
            problems.extend(_check(FIELDS[name], item, number, name))
        values[name] = value
    for name in ("name", "slug"):
        if not values.get(name):
            problems.append(Problem(f"the {name} is empty.", number, name))
    if problems:
        return None, problems
    return PersonRow(number, **values), []


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


@transaction.atomic
def import_people(rows):
    """Create or update the people of `rows` in one transaction; return PeopleImported.

    A row is the person with its slug, else the person whose name or other spelling
    is the row's name. Cells left empty change nothing, and nothing is ever deleted.
    """
    by_slug = {person.slug: person for person in Person.objects.all()}
    by_name = {}
    for person in by_slug.values():
        by_name.setdefault(same_name_key(person.name), person)
    for alias in Alias.objects.select_related("person"):
        by_name.setdefault(same_name_key(alias.name), alias.person)
    redirects = dict(PersonRedirect.objects.values_list("old_slug", "person_id"))
    taken = set(by_slug) | set(redirects)
    aliases = {
        (alias.person_id, same_name_key(alias.name)): alias
        for alias in Alias.objects.only("person", "name", "is_public")
    }
    counts = dict.fromkeys(
        ("created", "updated", "unchanged", "other_spellings", "old_addresses"), 0
    )
    counts.update(made_public=0, made_private=0)

    for row in rows:
        person = by_slug.get(row.slug) or by_name.get(same_name_key(row.name))
        fields = {
            name: getattr(row, name)
            for name in ("name", "sort_name", "family_name", "orcid", "homepage")
            if getattr(row, name)
        }
        if person is None:
            slug = row.slug if row.slug not in taken else numbered_slug(slug_base(row.name), taken)
            person = Person(slug=slug, **fields)
            _validate(person, row)
            person.save()
            taken.add(slug)
            by_slug[slug] = person
            counts["created"] += 1
        else:
            changed = {k: v for k, v in fields.items() if getattr(person, k) != v}
            if changed:
                for name, value in changed.items():
                    setattr(person, name, value)
                _validate(person, row)
                person.save()
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        by_name.setdefault(same_name_key(person.name), person)

        _write_spellings(person, row, aliases, by_name, counts)
        old = [row.slug] if row.slug != person.slug else []
        for slug in [*old, *row.old_addresses]:
            if slug in taken:
                continue
            PersonRedirect.objects.create(old_slug=slug, person=person)
            taken.add(slug)
            counts["old_addresses"] += 1
    return PeopleImported(**counts)


def _write_spellings(person, row, aliases, by_name, counts):
    """Add the row's other spellings `person` lacks, and set the flag of those it has."""
    own_name = same_name_key(person.name)
    for spelling, is_public in row.spellings():
        key = same_name_key(spelling)
        if key == own_name:
            continue
        alias = aliases.get((person.pk, key))
        if alias is None:
            alias = Alias.objects.create(person=person, name=spelling, is_public=bool(is_public))
            aliases[(person.pk, key)] = alias
            by_name.setdefault(key, person)
            counts["other_spellings"] += 1
        elif is_public is not None and alias.is_public != is_public:
            alias.is_public = is_public
            alias.save(update_fields=["is_public"])
            counts["made_public" if is_public else "made_private"] += 1


def _validate(person, row):
    """Refuse, as the admin does, a family name that is not part of the name."""
    try:
        person.clean()
    except ValidationError as error:
        raise CreditsError(
            [Problem(message, row.row, "family_name") for message in error.messages]
        ) from error
