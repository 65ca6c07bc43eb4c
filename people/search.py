"""Finding people by any spelling of their name, ignoring case and accents."""

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q

from people.models import Alias, NotNamed, PublishedPerson, Version
from people.pages import PlaceCredit, ProjectLink, credits_by_person
from people.snapshots import PageContent
from people.sorting import fold, sort_fold

SEARCH_RESULTS = 50
SEARCH_MAX_LENGTH = 100


@dataclass(frozen=True)
class SearchResult:
    name: str
    url: str
    # The other spellings (Alias rows) that matched the query, when the name did not.
    matched: list[Alias]
    # The other spellings that did not.
    also: list[Alias]
    # Where the published pages credit them, in page order, to tell apart similar names.
    places: list[PlaceCredit]


def _letter_variants():
    """Map each ASCII letter to a regex class of the letters that fold to it ("e" -> "[eEéÉ…]").

    Aliases have no folded column to compare with, so the search matches them
    with these classes, which PostgreSQL and SQLite (Django's REGEXP) both read.
    """
    variants = {letter: {letter, letter.upper()} for letter in "abcdefghijklmnopqrstuvwxyz"}
    latin = [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]
    for character in map(chr, latin):
        folded = fold(character)
        if len(folded) == 1 and folded in variants:
            variants[folded].update({character, character.upper(), character.lower()})
    return {letter: "[" + "".join(sorted(chars)) + "]" for letter, chars in variants.items()}


LETTER_VARIANTS = _letter_variants()


def accent_insensitive_pattern(folded_word):
    """Return a regex matching `folded_word` whatever the accents and case of the text."""
    return "".join(
        LETTER_VARIANTS.get(character, re.escape(character)) for character in folded_word
    )


def search_result(person, words, places):
    """Return a found person as the results list shows them: which other spelling matched.

    When neither the name nor the sort key holds every word, the person was
    found by an alias, which the reader is shown ("matched: Filippo Raso").
    `person` comes with `shown_aliases`, the other spellings the reader may see.
    """
    aliases = person.shown_aliases
    by_name = all(sort_fold(word) in person.sort_key for word in words) or all(
        word in fold(person.name) for word in words
    )
    matched = [] if by_name else [a for a in aliases if all(word in fold(a.name) for word in words)]
    return SearchResult(
        name=person.name,
        url=person.get_absolute_url(),
        matched=matched,
        also=[alias for alias in aliases if alias not in matched],
        places=places.get(person.pk, []),
    )


def published_places(person_ids, unnamed_somewhere=()):
    """Return where the versions the public reads credit each of `person_ids`, by person id.

    One query whatever the number of people: the current versions naming any
    of them, each read once. One more when some of them, `unnamed_somewhere`, are
    not named on some project: those places are left out.
    """
    if not person_ids:
        return {}
    ids = set(person_ids)
    not_named = {}  # project id -> ids of the people not named there
    if unnamed_somewhere:
        rows = NotNamed.objects.filter(person_id__in=unnamed_somewhere).values_list(
            "project_id", "person_id", named=True
        )
        for row in rows:
            not_named.setdefault(row.project_id, set()).add(row.person_id)
    naming = PublishedPerson.objects.filter(person_id__in=ids).values("version_id")
    versions = (
        Version.objects.current().filter(pk__in=naming).select_related("project").order_by("pk")
    )
    places = {}
    for version in sorted(versions, key=lambda version: (version.title, version.pk)):
        project = ProjectLink(version.title, version.project.get_absolute_url(), is_draft=False)
        content = PageContent.from_json(version.content)
        named = ids - not_named.get(version.project_id, set())
        for person_id, person_places in credits_by_person(project, content, named).items():
            places.setdefault(person_id, []).extend(person_places)
    return places


def search_people(query, people, private_aliases=False):
    """Return (people matching every word of `query` by any spelling, whether there are more).

    A word matches when it is part of the person's sort key (folded: case,
    accents, apostrophes and hyphens ignored, family name included even when the
    display name spells it otherwise), or of the name or an alias compared
    accent- and case-insensitively: a public alias, or any alias with
    `private_aliases` (for editors: readers never learn of a private one).
    `people` is the Person queryset the reader may find (Person.objects.findable_by).
    """
    words = fold(query).split()
    if not words:
        return [], False
    patterns = [accent_insensitive_pattern(word) for word in words]
    in_sort_key = Q()
    in_name = Q()
    aliases = Alias.objects.all() if private_aliases else Alias.objects.public()
    alias_matches = aliases.filter(person=OuterRef("pk"))
    for word, pattern in zip(words, patterns, strict=True):
        in_sort_key &= Q(sort_key__contains=sort_fold(word))
        in_name &= Q(name__iregex=pattern)
        alias_matches = alias_matches.filter(name__iregex=pattern)
    found = list(
        people.filter(in_sort_key | in_name | Exists(alias_matches))
        .annotate(is_unnamed_somewhere=Exists(NotNamed.objects.filter(person=OuterRef("pk"))))
        .prefetch_related(Prefetch("aliases", aliases, to_attr="shown_aliases"))
        .order_by("sort_key", "name", "pk")[: SEARCH_RESULTS + 1]
    )
    found.sort(key=lambda person: (person.sort_key, person.name, person.pk))
    shown = found[:SEARCH_RESULTS]
    places = published_places(
        [person.pk for person in shown],
        [person.pk for person in shown if person.is_unnamed_somewhere],
    )
    results = [search_result(person, words, places) for person in shown]
    return results, len(found) > SEARCH_RESULTS
