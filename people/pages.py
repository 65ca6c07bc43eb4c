"""The data of the public pages, built in Python so that templates only loop.

Each page runs a fixed number of queries whatever its size: rows come back as
plain values and are grouped and sorted here. People are sorted in Python by
their sort key, never by the database, whose collation may ignore spaces and
punctuation.
"""

import json
import re
from itertools import chain
from urllib.parse import quote, urlsplit

from django.db.models import Exists, Max, OuterRef, Q, Subquery, Value
from django.urls import reverse

from people.models import (
    Acknowledgment,
    Alias,
    Mention,
    Person,
    Project,
    Resource,
    Role,
    Section,
    Team,
    validate_web_url,
)
from people.sorting import fold

PERSON_FIELDS = ["person_id", "person__name", "person__slug", "person__sort_key"]


def web_address(url):
    """The URL if it is a web address, else "".

    Forms refuse other schemes, but a row written another way (a script, a
    fixture) could hold a javascript: URL, which must never become a link.
    """
    return url if urlsplit(url.strip()).scheme.lower() in validate_web_url.schemes else ""


def paragraphs(text):
    """Split text into paragraphs at blank lines."""
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


# Ids of the site's and the project page's own elements, which no section or
# team may take: "Acknowledgments" or "Content" would otherwise repeat them.
RESERVED_IDS = {"content", "site-search-q", "authorship", "acknowledgments", "name-filter-input"}
ACKNOWLEDGMENT_ID = re.compile(r"acknowledgment-\d+")


def page_anchors(sections, teams):
    """Return the ids of a project page's sections and teams, unique on the page.

    Keys are ("section", pk) and ("team", pk). Each takes the anchor its title
    gives (Section.anchor, Team.anchor); one already taken on the page, by an
    earlier section or team or by the page's own blocks, gets "-2", "-3"…, so
    anchors only change where titles collide. `sections` are one project's in
    page order and `teams` theirs, with `section` loaded. The project page and
    the person page's links both come from here, so they always agree.
    """
    taken = set(RESERVED_IDS)
    anchors = {}

    def claim(key, base):
        anchor, number = base, 1
        while anchor in taken or ACKNOWLEDGMENT_ID.fullmatch(anchor):
            number += 1
            anchor = f"{base}-{number}"
        taken.add(anchor)
        anchors[key] = anchor

    order = {}
    for index, section in enumerate(sections):
        order[section.pk] = index
        claim(("section", section.pk), section.anchor)
    for team in sorted(teams, key=lambda team: (order[team.section_id], team.position, team.pk)):
        # A team's anchor is its section's followed by its own part; it
        # follows the section if that had to change.
        own_part = team.anchor.removeprefix(team.section.anchor)
        claim(("team", team.pk), anchors[("section", team.section_id)] + own_part)
    return anchors


class PersonEntries:
    """Makes the entries {id, name, url, title, aliases} of the people a page lists, sorted."""

    def __init__(self, rows, aliases):
        """Rank once every person of `rows` ((id, name, slug, sort_key, title) tuples).

        `aliases` maps a person's id to their other spellings, which an entry
        carries as a JSON list for the page's name filter ("" when none).

        Lists are then sorted by an integer rank, and each page address is
        worked out once: reverse() for each of thousands of names would cost as
        much as rendering the page.
        """
        people = {row[0]: row for row in rows}
        ordered = sorted(people.values(), key=lambda row: (row[3], row[1], row[0]))
        self.rank = {row[0]: rank for rank, row in enumerate(ordered)}
        marker = "person-slug"
        before, after = reverse("people:person-detail", kwargs={"slug": marker}).split(marker)
        self.urls = {row[0]: f"{before}{quote(row[2])}{after}" for row in ordered}
        self.aliases = {
            person_id: json.dumps(names, ensure_ascii=False) for person_id, names in aliases.items()
        }

    def grouped(self, rows):
        """Return one entry per person of `rows`, sorted.

        A person credited twice in one place (two titles) is listed once, with
        the titles joined in the order the rows come.
        """
        by_person = {}
        for person_id, name, _slug, _key, title in rows:
            entry = by_person.get(person_id)
            if entry is None:
                by_person[person_id] = {
                    "id": person_id,
                    "name": name,
                    "url": self.urls[person_id],
                    "title": title,
                    "aliases": self.aliases.get(person_id, ""),
                }
            elif title:
                entry["title"] = f"{entry['title']}, {title}" if entry["title"] else title
        rank = self.rank
        return [by_person[person_id] for person_id in sorted(by_person, key=rank.__getitem__)]


def project_page(project):
    """Return everything the project page shows, as plain lists and dicts."""
    resources = [
        {"title": resource["title"], "url": web_address(resource["url"])}
        for resource in Resource.objects.filter(project=project).values("title", "url")
    ]
    sections = list(Section.objects.filter(project=project))
    teams = list(Team.objects.filter(section__project=project))
    acknowledgments = list(Acknowledgment.objects.filter(project=project))
    section_ids = [section.pk for section in sections]
    team_ids = [team.pk for team in teams]
    acknowledgment_ids = [ack.pk for ack in acknowledgments]

    lead_rows = {pk: [] for pk in section_ids}
    member_rows = {pk: [] for pk in team_ids}
    roles = (
        Role.objects.filter(Q(section_id__in=section_ids) | Q(team_id__in=team_ids))
        .order_by("pk")
        .values_list("section_id", "team_id", *PERSON_FIELDS, "title")
    )
    for section_id, team_id, *person_and_title in roles:
        if team_id is None:
            lead_rows[section_id].append(person_and_title)
        else:
            member_rows[team_id].append(person_and_title)
    mention_rows = {pk: [] for pk in acknowledgment_ids}
    mentions = (
        Mention.objects.filter(acknowledgment_id__in=acknowledgment_ids)
        .order_by()
        .values_list("acknowledgment_id", *PERSON_FIELDS, Value(""))
    )
    for acknowledgment_id, *person in mentions:
        mention_rows[acknowledgment_id].append(person)
    assembler = project.assembled_by
    assembler_row = (
        [(assembler.pk, assembler.name, assembler.slug, assembler.sort_key, "")]
        if assembler
        else []
    )
    aliases = {}
    shown = people_shown(project, section_ids, team_ids, acknowledgment_ids, "person_id")
    for person_id, name in (
        Alias.objects.filter(shown).order_by("name", "pk").values_list("person_id", "name")
    ):
        aliases.setdefault(person_id, []).append(name)
    entries = PersonEntries(
        chain(assembler_row, *lead_rows.values(), *member_rows.values(), *mention_rows.values()),
        aliases,
    )

    sections_by_pk = {section.pk: section for section in sections}
    for team in teams:
        team.section = sections_by_pk[team.section_id]
    anchors = page_anchors(sections, teams)
    page_sections = {}
    for section in sections:
        page_sections[section.pk] = {
            "title": section.title,
            "anchor": anchors[("section", section.pk)],
            "leads": entries.grouped(lead_rows[section.pk]),
            "teams": [],
        }
    for team in teams:
        page_sections[team.section_id]["teams"].append(
            {
                "name": team.name,
                "anchor": anchors[("team", team.pk)],
                "people": entries.grouped(member_rows[team.pk]),
            }
        )

    return {
        "title": project.title,
        "slug": project.slug,
        "is_published": project.is_published,
        # A project taken back to draft keeps its first publication date, which
        # readers of the draft must not be told is current.
        "published_at": project.published_at if project.is_published else None,
        "updated_at": last_change(project, section_ids, team_ids, acknowledgment_ids),
        "intro": paragraphs(project.intro),
        "resources": resources,
        "closing": paragraphs(project.closing_text),
        "citation": project.citation,
        "ordering_note": project.ordering_note,
        "assembled_by": entries.grouped(assembler_row)[0] if assembler else None,
        "sections": list(page_sections.values()),
        "acknowledgments": [
            {
                "id": f"acknowledgment-{ack.pk}",
                "paragraphs": paragraphs(ack.text),
                "people": entries.grouped(mention_rows[ack.pk]),
            }
            for ack in acknowledgments
        ],
    }


def _newest(history):
    """A subquery for the newest history_date of the historical records `history`."""
    return Subquery(
        history.order_by()
        .values(grouping=Value(1))
        .annotate(newest=Max("history_date"))
        .values("newest")
    )


def people_shown(project, section_ids, team_ids, acknowledgment_ids, field):
    """Return a filter on `field` (a person id) for the people the project's page shows."""
    credited = Role.objects.filter(Q(section_id__in=section_ids) | Q(team_id__in=team_ids))
    named = Mention.objects.filter(acknowledgment_id__in=acknowledgment_ids)
    return (
        Q(**{f"{field}__in": credited.values("person_id")})
        | Q(**{f"{field}__in": named.values("person_id")})
        | Q(**{field: project.assembled_by_id})
    )


def last_change(project, section_ids, team_ids, acknowledgment_ids):
    """Return when anything shown on the project's page last changed, in one query.

    Project.updated_at only follows edits of the project row; adding a credit,
    renaming a team or a person shows on the page too, so the change history of
    those is consulted. Rows written without history (bulk loads) count from
    the project's own date.
    """
    changes = {
        "resources": Resource.history.filter(project_id=project.pk),
        "sections": Section.history.filter(project_id=project.pk),
        "teams": Team.history.filter(section_id__in=section_ids),
        "roles": Role.history.filter(Q(section_id__in=section_ids) | Q(team_id__in=team_ids)),
        "acknowledgments": Acknowledgment.history.filter(project_id=project.pk),
        "mentions": Mention.history.filter(acknowledgment_id__in=acknowledgment_ids),
        "people": Person.history.filter(
            people_shown(project, section_ids, team_ids, acknowledgment_ids, "id")
        ),
    }
    newest = (
        Project.objects.filter(pk=project.pk)
        .annotate(**{f"newest_{name}": _newest(qs) for name, qs in changes.items()})
        .values_list(*[f"newest_{name}" for name in changes])
    )
    dates = [date for date in newest.get() if date is not None]
    return max([project.updated_at, *dates])


def project_anchors(project_ids):
    """Return page_anchors() of every section and team of the projects `project_ids`, merged."""
    sections = {pk: [] for pk in project_ids}
    sections_by_pk = {}
    for section in Section.objects.filter(project_id__in=project_ids):
        sections[section.project_id].append(section)
        sections_by_pk[section.pk] = section
    teams = {pk: [] for pk in project_ids}
    for team in Team.objects.filter(section__project_id__in=project_ids):
        team.section = sections_by_pk[team.section_id]
        teams[team.section.project_id].append(team)
    anchors = {}
    for project_id in project_ids:
        anchors.update(page_anchors(sections[project_id], teams[project_id]))
    return anchors


def person_page(person, projects):
    """Return the person's credits and mentions in `projects` (a Project queryset)."""
    visible = projects.values("pk")
    roles = list(
        Role.objects.filter(person=person)
        .filter(Q(section__project__in=visible) | Q(team__section__project__in=visible))
        .select_related("section__project", "team__section__project")
        .order_by("pk")
    )
    anchors = project_anchors({role.place_section.project_id for role in roles})
    # One line per place, titles joined in credit order, as the project page lists them.
    places = {}
    for role in roles:
        section = role.place_section
        team = role.team
        place = ("team", team.pk) if team else ("section", section.pk)
        credit = places.get(place)
        if credit is None:
            project = section.project
            credit = places[place] = {
                "sort": (
                    project.title,
                    project.pk,
                    section.position,
                    section.pk,
                    team is not None,
                    team.position if team else 0,
                    team.pk if team else 0,
                ),
                "project": project,
                "section": section.title,
                "team": team.name if team else None,
                "is_lead": team is None,
                "titles": [],
                "url": f"{project.get_absolute_url()}#{anchors[place]}",
            }
        if role.title:
            credit["titles"].append(role.title)
    credits = sorted(places.values(), key=lambda credit: credit["sort"])
    for credit in credits:
        credit["title"] = ", ".join(credit.pop("titles"))

    mentions = (
        Mention.objects.filter(person=person, acknowledgment__project__in=visible)
        .select_related("acknowledgment__project")
        .order_by("acknowledgment__project__title", "acknowledgment__position", "acknowledgment")
    )
    assembled = list(projects.filter(assembled_by=person).order_by("title", "pk"))
    return {
        "name": person.name,
        "aliases": [alias.name for alias in person.aliases.all()],
        "orcid_url": f"https://orcid.org/{person.orcid}" if person.orcid else "",
        "orcid": person.orcid,
        "homepage": web_address(person.homepage),
        "projects": _by_project(credits),
        "mentions": [
            {
                "project": mention.acknowledgment.project,
                "text": mention.acknowledgment.text,
                "url": f"{mention.acknowledgment.project.get_absolute_url()}"
                f"#acknowledgment-{mention.acknowledgment_id}",
            }
            for mention in mentions
        ],
        "assembled": assembled,
    }


def _by_project(credits):
    groups = []
    for credit in credits:
        if not groups or groups[-1]["project"] != credit["project"]:
            groups.append({"project": credit["project"], "credits": []})
        groups[-1]["credits"].append(credit)
    return groups


SEARCH_RESULTS = 50
SEARCH_MAX_LENGTH = 100


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


def search_result(person, words):
    """Return a found person as the results list shows them: which other spelling matched.

    When neither the name nor the sort key holds every word, the person was
    found by an alias, which the reader is shown ("matched: Filippo Raso").
    """
    aliases = [alias.name for alias in person.aliases.all()]
    by_name = any(
        all(word in text for word in words) for text in [person.sort_key, fold(person.name)]
    )
    matched = [] if by_name else [a for a in aliases if all(word in fold(a) for word in words)]
    return {
        "name": person.name,
        "url": person.get_absolute_url(),
        "matched": matched,
        "also": [alias for alias in aliases if alias not in matched],
    }


def search_people(query, people):
    """Return (people matching every word of `query` by any spelling, whether there are more).

    A word matches when it is part of the person's sort key (folded: case and
    accents ignored, family name included even when the display name spells it
    otherwise), or of the name or an alias compared accent- and case-insensitively.
    `people` is the Person queryset the reader may find.
    """
    words = fold(query).split()
    if not words:
        return [], False
    patterns = [accent_insensitive_pattern(word) for word in words]
    in_sort_key = Q()
    in_name = Q()
    alias_matches = Alias.objects.filter(person=OuterRef("pk"))
    for word, pattern in zip(words, patterns, strict=True):
        in_sort_key &= Q(sort_key__contains=word)
        in_name &= Q(name__iregex=pattern)
        alias_matches = alias_matches.filter(name__iregex=pattern)
    found = list(
        people.filter(in_sort_key | in_name | Exists(alias_matches))
        .prefetch_related("aliases")
        .order_by("sort_key", "name", "pk")[: SEARCH_RESULTS + 1]
    )
    found.sort(key=lambda person: (person.sort_key, person.name, person.pk))
    results = [search_result(person, words) for person in found[:SEARCH_RESULTS]]
    return results, len(found) > SEARCH_RESULTS


def findable_people(user):
    """People the reader may find: for the public, those credited on a published page."""
    people = Person.objects.all()
    if user.is_active and user.is_staff:
        return people
    published = Project.objects.published()
    return people.filter(
        Exists(
            Role.objects.filter(person=OuterRef("pk")).filter(
                Q(section__project__in=published) | Q(team__section__project__in=published)
            )
        )
        | Exists(
            Mention.objects.filter(person=OuterRef("pk"), acknowledgment__project__in=published)
        )
        | Exists(published.filter(assembled_by=OuterRef("pk")))
    )
