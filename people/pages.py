"""The data of the public pages, built in Python so that templates only loop.

Each page runs a fixed number of queries whatever its size: rows come back as
plain values and are grouped and sorted here. People are sorted in Python by
their sort key, never by the database, whose collation may ignore spaces and
punctuation.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, groupby
from operator import attrgetter
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from django.db.models import F, Max, Q, Subquery, Value
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


@dataclass(frozen=True, slots=True)
class Entry:
    """A person as a list of the project page shows them."""

    person_id: int
    name: str
    url: str
    # Their titles in this place, in credit order ("Overall lead, Data lead"); "" when none.
    title: str
    # Their other spellings as a JSON list, for the page's name filter; "" when none.
    aliases: str

    def __getitem__(self, field):
        # Templates look a name up as a key before as an attribute
        # (django.template.base.Variable._resolve_lookup): answering that lookup
        # spares an exception for each name shown, a fifth of the template's
        # time on a page of 10,000 credits (bench/bench_page.py).
        return getattr(self, field)


@dataclass(frozen=True)
class ResourceLink:
    title: str
    # "" when the stored address is not a web address: the title is shown unlinked.
    url: str


@dataclass(frozen=True)
class TeamBlock:
    """A team on the project page; an empty name is the section's unheaded group."""

    name: str
    anchor: str
    people: list[Entry]


@dataclass(frozen=True)
class SectionBlock:
    title: str
    anchor: str
    leads: list[Entry]
    teams: list[TeamBlock]


@dataclass(frozen=True)
class AcknowledgmentBlock:
    anchor: str
    paragraphs: list[str]
    people: list[Entry]


@dataclass(frozen=True)
class ProjectPage:
    """Everything the project page shows, in page order."""

    title: str
    slug: str
    is_published: bool
    # None for a draft: one taken back to draft keeps its first publication
    # date, which readers of the draft must not be told is current.
    published_at: datetime | None
    updated_at: datetime
    intro: list[str]
    resources: list[ResourceLink]
    closing: list[str]
    citation: str
    ordering_note: str
    assembled_by: Entry | None
    sections: list[SectionBlock]
    acknowledgments: list[AcknowledgmentBlock]

    def credited(self):
        """Return the people credited (leads and members), once each, in page order."""
        seen = {}
        for section in self.sections:
            for entry in chain(section.leads, *(team.people for team in section.teams)):
                seen.setdefault(entry.person_id, entry)
        return list(seen.values())


def web_address(url):
    """The URL if it is a web address, else "".

    Forms refuse other schemes, but a row written another way (a script, a
    fixture) could hold a javascript: URL, which must never become a link.
    """
    return url if urlsplit(url.strip()).scheme.lower() in validate_web_url.schemes else ""


def paragraphs(text):
    """Split text into paragraphs at blank lines."""
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def acknowledgment_anchor(acknowledgment_id):
    return f"acknowledgment-{acknowledgment_id}"


# Ids of the site's and the project page's own elements, which no section or
# team may take: "Acknowledgments" or "Content" would otherwise repeat them.
RESERVED_IDS = {"content", "site-search-q", "authorship", "acknowledgments", "name-filter-input"}
ACKNOWLEDGMENT_ID = re.compile(r"acknowledgment-\d+")


def page_anchors(sections, teams):
    """Return the ids of a project page's sections and teams, unique on the page.

    Keys are the Section and Team instances (any instance of the same row
    finds its anchor). Each takes the anchor its title gives (Section.anchor,
    Team.anchor); one already taken on the page, by an earlier section or team
    or by the page's own blocks, gets "-2", "-3"…, so anchors only change where
    titles collide. `sections` are one project's in page order and `teams`
    theirs, with `section` loaded. The project page and the person page's links
    both come from here, so they always agree.
    """
    taken = set(RESERVED_IDS)
    anchors = {}

    def claim(place, base):
        anchor, number = base, 1
        while anchor in taken or ACKNOWLEDGMENT_ID.fullmatch(anchor):
            number += 1
            anchor = f"{base}-{number}"
        taken.add(anchor)
        anchors[place] = anchor

    order = {}
    for index, section in enumerate(sections):
        order[section.pk] = index
        claim(section, section.anchor)
    for team in sorted(teams, key=lambda team: (order[team.section_id], team.position, team.pk)):
        # A team's anchor is its section's followed by its own part; it
        # follows the section if that had to change.
        own_part = team.anchor.removeprefix(team.section.anchor)
        claim(team, anchors[team.section] + own_part)
    return anchors


class Listed(NamedTuple):
    """A person as the project page's queries return them (see LISTED_COLUMNS)."""

    person_id: int
    name: str
    slug: str
    sort_key: str


LISTED_COLUMNS = {
    "name": F("person__name"),
    "slug": F("person__slug"),
    "sort_key": F("person__sort_key"),
}


def listed_rows(queryset, *fields):
    """Named rows of `fields` and of the Listed fields of each row's person."""
    return queryset.annotate(**LISTED_COLUMNS).values_list(
        *fields, "person_id", *LISTED_COLUMNS, named=True
    )


class PersonEntries:
    """Makes the entries of the people a page lists, sorted."""

    def __init__(self, people, aliases):
        """Rank once every person of `people` (rows with the fields of Listed).

        `aliases` maps a person's id to their other spellings, which an entry
        carries as a JSON list for the page's name filter.

        Lists are then sorted by an integer rank, and each page address is
        worked out once: reverse() for each of thousands of names would cost as
        much as rendering the page.
        """
        rows = {row.person_id: row for row in people}
        ordered = sorted(rows.values(), key=lambda row: (row.sort_key, row.name, row.person_id))
        self.rank = {row.person_id: rank for rank, row in enumerate(ordered)}
        self.names = {row.person_id: row.name for row in ordered}
        marker = "person-slug"
        before, after = reverse("people:person-detail", kwargs={"slug": marker}).split(marker)
        self.urls = {row.person_id: f"{before}{quote(row.slug)}{after}" for row in ordered}
        self.aliases = {
            person_id: json.dumps(names, ensure_ascii=False) for person_id, names in aliases.items()
        }

    def grouped(self, credits):
        """Return one entry per person of `credits` (rows with person_id and title), sorted.

        A person credited twice in one place (two titles) is listed once, with
        the titles joined in the order the rows come.
        """
        titles = {}
        for credit in credits:
            person_titles = titles.setdefault(credit.person_id, [])
            if credit.title:
                person_titles.append(credit.title)
        return self._entries({person_id: ", ".join(joined) for person_id, joined in titles.items()})

    def named(self, person_ids):
        """Return one entry per person of `person_ids`, sorted, with no title."""
        return self._entries(dict.fromkeys(person_ids, ""))

    def _entries(self, titles):
        rank = self.rank
        return [
            Entry(
                person_id=person_id,
                name=self.names[person_id],
                url=self.urls[person_id],
                title=titles[person_id],
                aliases=self.aliases.get(person_id, ""),
            )
            for person_id in sorted(titles, key=rank.__getitem__)
        ]


@dataclass(frozen=True)
class Places:
    """The places of a project's page that list people, in page order."""

    project: Project
    sections: list[Section]
    # With their `section` loaded (one of `sections`).
    teams: list[Team]
    acknowledgments: list[Acknowledgment]

    @classmethod
    def of(cls, project):
        sections = list(Section.objects.filter(project=project))
        sections_by_pk = {section.pk: section for section in sections}
        teams = list(Team.objects.filter(section__project=project))
        for team in teams:
            team.section = sections_by_pk[team.section_id]
        return cls(project, sections, teams, list(Acknowledgment.objects.filter(project=project)))

    def credits(self):
        """A filter on the credits (or their history) of these sections and teams.

        By the ids already read, not by project: a credit added since in a new
        team cannot show up without its team.
        """
        return Q(section_id__in=[section.pk for section in self.sections]) | Q(
            team_id__in=[team.pk for team in self.teams]
        )

    def mentions(self):
        """A filter on the mentions (or their history) of these acknowledgments."""
        return Q(acknowledgment_id__in=[ack.pk for ack in self.acknowledgments])

    def people_shown(self, field):
        """A filter on `field` (a person id) for the people the page shows."""
        return (
            Q(**{f"{field}__in": Role.objects.filter(self.credits()).values("person_id")})
            | Q(**{f"{field}__in": Mention.objects.filter(self.mentions()).values("person_id")})
            | Q(**{field: self.project.assembled_by_id})
        )


def credit_rows(places):
    """Return the credits of the page's lead lines and teams, in credit order.

    As ({section id: [row]}, {team id: [row]}), rows with the Listed fields and title.
    """
    leads = {section.pk: [] for section in places.sections}
    members = {team.pk: [] for team in places.teams}
    credits = Role.objects.filter(places.credits()).order_by("pk")
    for row in listed_rows(credits, "section_id", "team_id", "title"):
        if row.team_id is None:
            leads[row.section_id].append(row)
        else:
            members[row.team_id].append(row)
    return leads, members


def mention_rows(places):
    """Return {acknowledgment id: [row]} of the people each acknowledgment names."""
    mentions = {ack.pk: [] for ack in places.acknowledgments}
    for row in listed_rows(
        Mention.objects.filter(places.mentions()).order_by(), "acknowledgment_id"
    ):
        mentions[row.acknowledgment_id].append(row)
    return mentions


def other_spellings(places):
    """Return {person id: [other spellings, sorted]} of the people the page shows."""
    aliases = {}
    rows = Alias.objects.filter(places.people_shown("person_id")).order_by("name", "pk")
    for row in rows.values_list("person_id", "name", named=True):
        aliases.setdefault(row.person_id, []).append(row.name)
    return aliases


def page_resources(project):
    return [
        ResourceLink(title=row.title, url=web_address(row.url))
        for row in Resource.objects.filter(project=project).values_list("title", "url", named=True)
    ]


def assembler_rows(project):
    """Return the project's assembler as a list of Listed rows (empty when no one is named)."""
    person = project.assembled_by
    return [Listed(person.pk, person.name, person.slug, person.sort_key)] if person else []


def section_blocks(places, anchors, entries, leads, members):
    """Return the page's sections, each with its lead lines and teams (see credit_rows)."""
    teams = {section.pk: [] for section in places.sections}
    for team in places.teams:
        people = entries.grouped(members[team.pk])
        teams[team.section_id].append(TeamBlock(team.name, anchors[team], people))
    return [
        SectionBlock(
            title=section.title,
            anchor=anchors[section],
            leads=entries.grouped(leads[section.pk]),
            teams=teams[section.pk],
        )
        for section in places.sections
    ]


def project_page(project):
    """Return everything the project page shows; `project` comes with assembled_by loaded."""
    places = Places.of(project)
    leads, members = credit_rows(places)
    mentions = mention_rows(places)
    assembler = assembler_rows(project)
    entries = PersonEntries(
        chain(assembler, *leads.values(), *members.values(), *mentions.values()),
        other_spellings(places),
    )
    anchors = page_anchors(places.sections, places.teams)
    return ProjectPage(
        title=project.title,
        slug=project.slug,
        is_published=project.is_published,
        published_at=project.published_at if project.is_published else None,
        updated_at=last_change(places),
        intro=paragraphs(project.intro),
        resources=page_resources(project),
        closing=paragraphs(project.closing_text),
        citation=project.citation,
        ordering_note=project.ordering_note,
        assembled_by=entries.named([assembler[0].person_id])[0] if assembler else None,
        sections=section_blocks(places, anchors, entries, leads, members),
        acknowledgments=[
            AcknowledgmentBlock(
                anchor=acknowledgment_anchor(ack.pk),
                paragraphs=paragraphs(ack.text),
                people=entries.named(row.person_id for row in mentions[ack.pk]),
            )
            for ack in places.acknowledgments
        ],
    )


def _newest(history):
    """A subquery for the newest history_date of the historical records `history`."""
    return Subquery(
        history.order_by()
        .values(grouping=Value(1))
        .annotate(newest=Max("history_date"))
        .values("newest")
    )


def last_change(places):
    """Return when anything shown on the project's page last changed, in one query.

    Project.updated_at only follows edits of the project row; adding a credit,
    renaming a team or a person shows on the page too, so the change history of
    those is consulted. Rows written without history (bulk loads) count from
    the project's own date.
    """
    project = places.project
    changes = {
        "resources": Resource.history.filter(project_id=project.pk),
        "sections": Section.history.filter(project_id=project.pk),
        "teams": Team.history.filter(section_id__in=[section.pk for section in places.sections]),
        "roles": Role.history.filter(places.credits()),
        "acknowledgments": Acknowledgment.history.filter(project_id=project.pk),
        "mentions": Mention.history.filter(places.mentions()),
        "people": Person.history.filter(places.people_shown("id")),
    }
    newest = (
        Project.objects.filter(pk=project.pk)
        .annotate(**{f"newest_{name}": _newest(qs) for name, qs in changes.items()})
        .values_list(*[f"newest_{name}" for name in changes])
    )
    dates = [date for date in newest.get() if date is not None]
    return max([project.updated_at, *dates])


@dataclass(frozen=True)
class PlaceCredit:
    """A person's credits in one place of a page: a team, or the lead lines of a section."""

    project: Project
    section: str
    # None for lead lines; "" for the section's unheaded team.
    team: str | None
    # The titles joined in credit order, as the project page lists them; "" when none.
    title: str
    url: str


@dataclass(frozen=True)
class ProjectCredits:
    project: Project
    credits: list[PlaceCredit]


@dataclass(frozen=True)
class PersonMention:
    """An acknowledgment naming the person."""

    project: Project
    text: str
    url: str


@dataclass(frozen=True)
class PersonPage:
    """Everything a person's page shows."""

    name: str
    aliases: list[str]
    orcid: str
    orcid_url: str
    homepage: str
    projects: list[ProjectCredits]
    mentions: list[PersonMention]
    assembled: list[Project]

    @property
    def is_empty(self):
        """Whether no page the reader may see credits, names or was assembled by the person."""
        return not (self.projects or self.mentions or self.assembled)


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


def page_order(place):
    """Where a (section, team) place comes among a person's credits: as on the pages.

    Projects by title, then sections in page order, the lead lines of a section
    (team None) before its teams.
    """
    section, team = place
    team_order = (True, team.position, team.pk) if team else (False, 0, 0)
    return (section.project.title, section.project_id, section.position, section.pk, *team_order)


def place_credits(person, visible):
    """Return the person's credits on the `visible` projects, one per place, in page order."""
    roles = (
        Role.objects.filter(person=person)
        .in_projects(visible)
        .select_related("section__project", "team__section__project")
        .order_by("pk")
    )
    titles = {}
    for role in roles:
        place_titles = titles.setdefault((role.place_section, role.team), [])
        if role.title:
            place_titles.append(role.title)
    anchors = project_anchors({section.project_id for section, _team in titles})
    return [
        PlaceCredit(
            project=section.project,
            section=section.title,
            team=team.name if team else None,
            title=", ".join(titles[section, team]),
            url=f"{section.project.get_absolute_url()}#{anchors[team or section]}",
        )
        for section, team in sorted(titles, key=page_order)
    ]


def person_mentions(person, visible):
    """Return the acknowledgments naming the person on the `visible` projects."""
    mentions = (
        Mention.objects.filter(person=person, acknowledgment__project__in=visible)
        .select_related("acknowledgment__project")
        .order_by("acknowledgment__project__title", "acknowledgment__position", "acknowledgment")
    )
    return [
        PersonMention(
            project=mention.acknowledgment.project,
            text=mention.acknowledgment.text,
            url=f"{mention.acknowledgment.project.get_absolute_url()}"
            f"#{acknowledgment_anchor(mention.acknowledgment_id)}",
        )
        for mention in mentions
    ]


def person_page(person, projects):
    """Return the person's page on `projects` (a Project queryset); `person` has its aliases."""
    visible = projects.values("pk")
    credits = place_credits(person, visible)
    return PersonPage(
        name=person.name,
        aliases=[alias.name for alias in person.aliases.all()],
        orcid=person.orcid,
        orcid_url=f"https://orcid.org/{person.orcid}" if person.orcid else "",
        homepage=web_address(person.homepage),
        projects=[
            ProjectCredits(project, list(group))
            for project, group in groupby(credits, key=attrgetter("project"))
        ],
        mentions=person_mentions(person, visible),
        assembled=list(projects.filter(assembled_by=person).order_by("title", "pk")),
    )
