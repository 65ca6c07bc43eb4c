"""The data of the public pages, built in Python so that templates only loop.

A project page is rendered from a Snapshot (people/snapshots.py): a published
version's for readers, the draft's for editors, by the same code. People come
in page order already, so rendering only groups a person's titles in a place
and works out each page address once.

A person's page shows the live record of the person (name, other spellings,
links) and their credits: on the versions the public reads, or for editors on
every project as it stands, drafts included. Either way a fixed number of
queries, whatever the number of credits.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter
from urllib.parse import quote, urlsplit

from django.urls import reverse

from people.models import (
    Credit,
    Mention,
    Section,
    Team,
    section_anchor,
    team_anchor_part,
    validate_web_url,
)
from people.snapshots import PageContent, SectionContent, TeamContent, draft_snapshot


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


def others_text(others, after_names):
    """How a list counts the people it does not name: "and 2 others", or "1 person not named"."""
    if not others:
        return ""
    if after_names:
        return f"and {others} other{'s' if others > 1 else ''}"
    return f"{others} {'person' if others == 1 else 'people'} not named"


@dataclass(frozen=True)
class TeamBlock:
    """A team on the project page; an empty name is the section's unheaded group."""

    name: str
    anchor: str
    people: list[Entry]
    # How many members are not named: the list ends with their count.
    others: int = 0

    @property
    def is_titled(self):
        """Whether a member carries a title: such a team lists one person per line."""
        return any(entry.title for entry in self.people)

    @property
    def people_count(self):
        return len(self.people) + self.others

    @property
    def others_text(self):
        return others_text(self.others, bool(self.people))


@dataclass(frozen=True)
class SectionBlock:
    title: str
    anchor: str
    leads: list[Entry]
    teams: list[TeamBlock]
    # How many people of the lead lines, and of the whole section, are not named.
    others: int = 0
    section_others: int = 0

    @property
    def people_count(self):
        """How many people the section credits, each counted once, for the contents."""
        people = {entry.person_id for entry in self.leads}
        for team in self.teams:
            people.update(entry.person_id for entry in team.people)
        return len(people) + self.section_others

    @property
    def others_text(self):
        return others_text(self.others, bool(self.leads))

    @property
    def named_teams(self):
        """The teams the contents list: all but the section's unheaded group."""
        return [team for team in self.teams if team.name]


@dataclass(frozen=True)
class AcknowledgmentBlock:
    anchor: str
    paragraphs: list[str]
    people: list[Entry]
    others: int = 0

    @property
    def others_text(self):
        return others_text(self.others, bool(self.people))


@dataclass(frozen=True)
class ProjectPage:
    """Everything the project page shows, in page order."""

    title: str
    slug: str
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

    @property
    def credits_others(self):
        """Whether the page credits people it does not name."""
        return any(section.section_others for section in self.sections)


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


@dataclass(frozen=True)
class Anchors:
    """The ids of a project page's sections and teams, by section and team id."""

    sections: dict[int, str]
    teams: dict[int, str]


def page_anchors(sections):
    """Return the Anchors of a project page's sections (SectionContent, in page order).

    Each section and team takes the anchor its title gives (models.section_anchor,
    team_anchor_part); one already taken on the page, by an earlier section or
    team or by the page's own blocks, gets "-2", "-3"…, so anchors only change
    where titles collide. The project page and the person page's links both come
    from here, so they always agree.
    """
    taken = set(RESERVED_IDS)

    def claim(base):
        anchor, number = base, 1
        while anchor in taken or ACKNOWLEDGMENT_ID.fullmatch(anchor):
            number += 1
            anchor = f"{base}-{number}"
        taken.add(anchor)
        return anchor

    anchors = Anchors(sections={}, teams={})
    for section in sections:
        anchors.sections[section.id] = claim(section_anchor(section.id, section.title))
    for section in sections:
        for team in section.teams:
            # A team's anchor is its section's followed by its own part; it
            # follows the section if that had to change.
            own_part = team_anchor_part(team.id, team.name)
            anchors.teams[team.id] = claim(anchors.sections[section.id] + own_part)
    return anchors


class PersonEntries:
    """Makes the entries of the people a page lists."""

    def __init__(self, people):
        """Work out once the page address and other spellings of each of `people`.

        `people` maps ids to PersonRecords. reverse() for each of thousands of
        names would cost as much as rendering the page.
        """
        marker = "person-slug"
        before, after = reverse("people:person-detail", kwargs={"slug": marker}).split(marker)
        self.people = people
        self.urls = {pk: f"{before}{quote(person.slug)}{after}" for pk, person in people.items()}
        self.aliases = {
            pk: json.dumps(person.details.aliases, ensure_ascii=False)
            for pk, person in people.items()
            if person.details.aliases
        }

    def grouped(self, credits):
        """Return one entry per person of `credits` (in page order), their titles joined.

        A person credited twice in one place (two titles) is listed once, with
        the titles joined in the order the credits come.
        """
        titles = {}
        for credit in credits:
            person_titles = titles.setdefault(credit.person_id, [])
            if credit.title:
                person_titles.append(credit.title)
        return [self.entry(pk, ", ".join(joined)) for pk, joined in titles.items()]

    def named(self, person_ids):
        """Return one entry per person of `person_ids`, in that order, with no title."""
        return [self.entry(pk, "") for pk in person_ids]

    def entry(self, pk, title):
        return Entry(
            person_id=pk,
            name=self.people[pk].name,
            url=self.urls[pk],
            title=title,
            aliases=self.aliases.get(pk, ""),
        )


def project_page(project):
    """Return the project page of a project's draft, as it stands in the database."""
    return snapshot_page(draft_snapshot(project), project.slug)


def snapshot_page(snapshot, slug):
    """Return everything the project page shows of `snapshot`, the page at /credits/<slug>/."""
    content = snapshot.content
    entries = PersonEntries(snapshot.people)
    anchors = page_anchors(content.sections)
    return ProjectPage(
        title=snapshot.title,
        slug=slug,
        published_at=content.published_at,
        updated_at=content.updated_at,
        intro=paragraphs(content.intro),
        resources=[ResourceLink(link.title, web_address(link.url)) for link in content.resources],
        closing=paragraphs(content.closing_text),
        citation=content.citation,
        ordering_note=content.ordering_note,
        assembled_by=entries.entry(content.assembled_by, "") if content.assembled_by else None,
        sections=[
            SectionBlock(
                title=section.title,
                anchor=anchors.sections[section.id],
                leads=entries.grouped(section.leads),
                teams=[
                    TeamBlock(
                        team.name,
                        anchors.teams[team.id],
                        entries.grouped(team.credits),
                        others=team.others,
                    )
                    for team in section.teams
                ],
                others=section.others,
                section_others=section.section_others,
            )
            for section in content.sections
        ],
        acknowledgments=[
            AcknowledgmentBlock(
                anchor=acknowledgment_anchor(ack.id),
                paragraphs=paragraphs(ack.text),
                people=entries.named(ack.people),
                others=ack.others,
            )
            for ack in content.acknowledgments
        ],
    )


# Person pages


@dataclass(frozen=True)
class ProjectLink:
    """A project as a person's page names it."""

    title: str
    url: str
    is_draft: bool


@dataclass(frozen=True)
class PlaceCredit:
    """A person's credits in one place of a page: a team, or the lead lines of a section."""

    project: ProjectLink
    section: str
    # None for lead lines; "" for the section's unheaded team.
    team: str | None
    # The titles joined in credit order, as the project page lists them; "" when none.
    title: str
    url: str


@dataclass(frozen=True)
class ProjectCredits:
    project: ProjectLink
    credits: list[PlaceCredit]


@dataclass(frozen=True)
class PersonMention:
    """An acknowledgment naming the person."""

    project: ProjectLink
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
    assembled: list[ProjectLink]

    @property
    def is_empty(self):
        """Whether no page the reader may see credits, names or was assembled by the person."""
        return not (self.projects or self.mentions or self.assembled)


def person_page(person, credits, mentions, assembled):
    """Return the person's page; the rest in page order.

    `person` comes with `public_aliases`, its public other spellings (views.find_person):
    private ones are never shown, not even to editors, who see the page as readers will.
    """
    return PersonPage(
        name=person.name,
        aliases=[alias.name for alias in person.public_aliases],
        orcid=person.orcid,
        orcid_url=f"https://orcid.org/{person.orcid}" if person.orcid else "",
        homepage=web_address(person.homepage),
        projects=[
            ProjectCredits(project, list(group))
            for project, group in groupby(credits, key=attrgetter("project"))
        ],
        mentions=mentions,
        assembled=assembled,
    )


def published_person_page(person, rows):
    """Return the person's page on the versions the public reads.

    `rows` are the PublishedPerson rows naming the person in current versions
    (see views.person_detail), with their version and its project loaded: the
    person's own, and those of people merged into them since.
    """
    ids_by_version = {}
    versions = {}
    for row in rows:
        ids_by_version.setdefault(row.version_id, set()).add(row.person_id)
        versions[row.version_id] = row.version
    credits, mentions, assembled = [], [], []
    for version in sorted(versions.values(), key=lambda version: (version.title, version.pk)):
        project = ProjectLink(version.title, version.project.get_absolute_url(), is_draft=False)
        content = PageContent.from_json(version.content)
        ids = ids_by_version[version.pk]
        credits += content_credits(project, content, ids)
        mentions += [
            PersonMention(project, ack.text, f"{project.url}#{acknowledgment_anchor(ack.id)}")
            for ack in content.acknowledgments
            if ids.intersection(ack.people)
        ]
        if content.assembled_by in ids:
            assembled.append(project)
    return person_page(person, credits, mentions, assembled)


def content_credits(project, content, ids):
    """Return the credits of the people `ids` on a page's content, one per place, in page order."""
    anchors = page_anchors(content.sections)
    found = []

    def add(section, team, credits, anchor):
        mine = [credit for credit in credits if credit.person_id in ids]
        if mine:
            found.append(
                PlaceCredit(
                    project=project,
                    section=section.title,
                    team=team.name if team else None,
                    title=", ".join(credit.title for credit in mine if credit.title),
                    url=f"{project.url}#{anchor}",
                )
            )

    for section in content.sections:
        add(section, None, section.leads, anchors.sections[section.id])
        for team in section.teams:
            add(section, team, team.credits, anchors.teams[team.id])
    return found


def credits_by_person(project, content, ids):
    """Return the credits of each of the people `ids` on a page's content, by person id.

    One place per person and place, in page order; one pass over the page
    however many people are asked for (the search results, people/search.py).
    """
    anchors = page_anchors(content.sections)
    found = {}

    def add(section, team, credits, anchor):
        titles = {}
        for credit in credits:
            if credit.person_id in ids:
                person_titles = titles.setdefault(credit.person_id, [])
                if credit.title:
                    person_titles.append(credit.title)
        for person_id, person_titles in titles.items():
            found.setdefault(person_id, []).append(
                PlaceCredit(
                    project=project,
                    section=section.title,
                    team=team.name if team else None,
                    title=", ".join(person_titles),
                    url=f"{project.url}#{anchor}",
                )
            )

    for section in content.sections:
        add(section, None, section.leads, anchors.sections[section.id])
        for team in section.teams:
            add(section, team, team.credits, anchors.teams[team.id])
    return found


def draft_person_page(person, projects):
    """Return the person's page on `projects` as they stand, drafts included, for editors."""
    visible = projects.values("pk")
    return person_page(
        person,
        credits=place_credits(person, visible),
        mentions=person_mentions(person, visible),
        assembled=[
            project_link(project)
            for project in projects.filter(assembled_by=person).order_by("title", "pk")
        ],
    )


def project_link(project):
    return ProjectLink(project.title, project.get_absolute_url(), not project.is_published)


def project_anchors(project_ids):
    """Return the page_anchors() of the projects `project_ids`, by section and team id."""
    teams = {}
    for team in Team.objects.filter(section__project_id__in=project_ids):
        teams.setdefault(team.section_id, []).append(TeamContent(team.pk, team.name, ()))
    sections = {pk: [] for pk in project_ids}
    for section in Section.objects.filter(project_id__in=project_ids):
        sections[section.project_id].append(
            SectionContent(section.pk, section.title, (), tuple(teams.get(section.pk, ())))
        )
    anchors = Anchors(sections={}, teams={})
    for project_sections in sections.values():
        found = page_anchors(project_sections)
        anchors.sections.update(found.sections)
        anchors.teams.update(found.teams)
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
    rows = (
        Credit.objects.filter(person=person)
        .in_projects(visible)
        .select_related("section__project", "team__section__project")
        .order_by("pk")
    )
    titles = {}
    for credit in rows:
        place_titles = titles.setdefault((credit.place_section, credit.team), [])
        if credit.title:
            place_titles.append(credit.title)
    anchors = project_anchors({section.project_id for section, _team in titles})
    credits = []
    for section, team in sorted(titles, key=page_order):
        project = project_link(section.project)
        anchor = anchors.teams[team.pk] if team else anchors.sections[section.pk]
        credits.append(
            PlaceCredit(
                project=project,
                section=section.title,
                team=team.name if team else None,
                title=", ".join(titles[section, team]),
                url=f"{project.url}#{anchor}",
            )
        )
    return credits


def person_mentions(person, visible):
    """Return the acknowledgments naming the person on the `visible` projects."""
    mentions = (
        Mention.objects.filter(person=person, acknowledgment__project__in=visible)
        .select_related("acknowledgment__project")
        .order_by("acknowledgment__project__title", "acknowledgment__position", "acknowledgment")
    )
    return [
        PersonMention(
            project=project_link(mention.acknowledgment.project),
            text=mention.acknowledgment.text,
            url=f"{mention.acknowledgment.project.get_absolute_url()}"
            f"#{acknowledgment_anchor(mention.acknowledgment_id)}",
        )
        for mention in mentions
    ]
