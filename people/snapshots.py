"""A project's page as data: read from the draft in the database, or from a published version.

Readers see versions and editors the draft; both are a Snapshot, which
people/pages.py renders, people/diff.py compares and people/versions.py stores.
A version keeps its PageContent as JSON (`PageContent.to_json`), people by id in
page order; the names and page addresses they were published with are its
PublishedPerson rows, so that one UPDATE can replace a name in every version.

A draft is read with a fixed number of queries, from the models of an app
registry: the running app's, or a migration's (the first versions are made by
a migration, which must not use the app's models).
"""

import hashlib
import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from django.apps import apps as installed_apps
from django.db import connection, transaction
from django.db.models import Max, Q, Subquery, Value
from django.utils.dateparse import parse_datetime


@contextmanager
def one_snapshot():
    """Run queries against one state of the database.

    A page takes several queries; an import committing between two of them
    could otherwise show its new teams without their members. PostgreSQL's
    default isolation gives each query its own snapshot, so ask for one
    snapshot for the whole transaction.
    """
    if connection.in_atomic_block:
        # Already one transaction (a test, or a caller's atomic block).
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


# Written into every version's content, so that a later change of this format can
# still read the versions made before it.
CONTENT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Credit:
    """A person's credit in a place of the page; title "" when none."""

    person_id: int
    title: str


@dataclass(frozen=True)
class TeamContent:
    """A team and its members; an empty name is the section's unheaded group."""

    id: int
    name: str
    # In page order: people by sort key, a person's titles in the order entered.
    credits: tuple[Credit, ...]
    # How many people of the team are not named, counted instead (Snapshot.without); never stored.
    others: int = 0


@dataclass(frozen=True)
class SectionContent:
    id: int
    title: str
    leads: tuple[Credit, ...]
    teams: tuple[TeamContent, ...]
    # How many people of the lead lines, and of the whole section, are not named (as above).
    others: int = 0
    section_others: int = 0


@dataclass(frozen=True)
class AcknowledgmentContent:
    id: int
    text: str
    # The people named after the paragraph, by sort key.
    people: tuple[int, ...]
    # How many people the paragraph thanks but does not name (as above).
    others: int = 0


@dataclass(frozen=True)
class Link:
    """A resource link of the introduction, the address as stored."""

    title: str
    url: str


@dataclass(frozen=True)
class PersonDetails:
    """What a page keeps of a person besides the name and address (see PersonRecord)."""

    sort_name: str = ""
    # Which of the name's words are the family name, when an editor said so.
    family_name: str = ""
    orcid: str = ""
    homepage: str = ""
    # The other spellings shown as "Also credited as": only public ones (Alias.is_public).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageContent:
    """Everything a project page shows but its title and people's names, people by id."""

    intro: str
    closing_text: str
    citation: str
    ordering_note: str
    assembled_by: int | None
    # The project's first publication (None for a draft never published) and the
    # last change the page shows: its publication, for a version.
    published_at: datetime | None
    updated_at: datetime
    resources: tuple[Link, ...]
    sections: tuple[SectionContent, ...]
    acknowledgments: tuple[AcknowledgmentContent, ...]
    details: dict[int, PersonDetails]

    def credited(self):
        """Return the ids of the people credited (leads and team members), once each, in order."""
        seen = {}
        for section in self.sections:
            for credit in section.leads:
                seen.setdefault(credit.person_id, None)
            for team in section.teams:
                for credit in team.credits:
                    seen.setdefault(credit.person_id, None)
        return list(seen)

    def named(self):
        """Return the ids of everyone the page names: credited, acknowledged, the assembler."""
        ids = dict.fromkeys(self.credited())
        for acknowledgment in self.acknowledgments:
            ids.update(dict.fromkeys(acknowledgment.people))
        if self.assembled_by is not None:
            ids[self.assembled_by] = None
        return list(ids)

    def credit_count(self):
        return sum(
            len(section.leads) + sum(len(team.credits) for team in section.teams)
            for section in self.sections
        )

    def keeping_aliases(self, public_aliases):
        """Return the content with only the other spellings in `public_aliases`.

        `public_aliases` holds (person id, spelling) pairs: the spellings public now.
        """
        details = {
            pk: replace(
                person,
                aliases=tuple(name for name in person.aliases if (pk, name) in public_aliases),
            )
            for pk, person in self.details.items()
        }
        return replace(self, details=details)

    def to_json(self):
        """Return the content as a version stores it (see from_json)."""
        return {
            "format": CONTENT_FORMAT,
            "intro": self.intro,
            "closing_text": self.closing_text,
            "citation": self.citation,
            "ordering_note": self.ordering_note,
            "assembled_by": self.assembled_by,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "updated_at": self.updated_at.isoformat(),
            "resources": [{"title": link.title, "url": link.url} for link in self.resources],
            "sections": [
                {
                    "id": section.id,
                    "title": section.title,
                    "leads": [_credit_json(credit) for credit in section.leads],
                    "teams": [
                        {
                            "id": team.id,
                            "name": team.name,
                            "credits": [_credit_json(credit) for credit in team.credits],
                        }
                        for team in section.teams
                    ],
                }
                for section in self.sections
            ],
            "acknowledgments": [
                {"id": ack.id, "text": ack.text, "people": list(ack.people)}
                for ack in self.acknowledgments
            ],
            # Only what is not empty: most people have no sort name, ORCID or homepage.
            "people": {
                str(person_id): {name: value for name, value in asdict(details).items() if value}
                for person_id, details in self.details.items()
                if details != PersonDetails()
            },
        }

    @classmethod
    def from_json(cls, data):
        published_at = data["published_at"]
        return cls(
            intro=data["intro"],
            closing_text=data["closing_text"],
            citation=data["citation"],
            ordering_note=data["ordering_note"],
            assembled_by=data["assembled_by"],
            published_at=parse_datetime(published_at) if published_at else None,
            updated_at=parse_datetime(data["updated_at"]),
            resources=tuple(Link(link["title"], link["url"]) for link in data["resources"]),
            sections=tuple(
                SectionContent(
                    id=section["id"],
                    title=section["title"],
                    leads=_credits_from_json(section["leads"]),
                    teams=tuple(
                        TeamContent(team["id"], team["name"], _credits_from_json(team["credits"]))
                        for team in section["teams"]
                    ),
                )
                for section in data["sections"]
            ),
            acknowledgments=tuple(
                AcknowledgmentContent(ack["id"], ack["text"], tuple(ack["people"]))
                for ack in data["acknowledgments"]
            ),
            details={
                int(person_id): PersonDetails(
                    sort_name=details.get("sort_name", ""),
                    family_name=details.get("family_name", ""),
                    orcid=details.get("orcid", ""),
                    homepage=details.get("homepage", ""),
                    aliases=tuple(details.get("aliases", ())),
                )
                for person_id, details in data["people"].items()
            },
        )


def _credit_json(credit):
    return (
        {"person": credit.person_id, "title": credit.title}
        if credit.title
        else {"person": credit.person_id}
    )


def _credits_from_json(credits):
    return tuple(Credit(credit["person"], credit.get("title", "")) for credit in credits)


@dataclass(frozen=True)
class PersonRecord:
    """A person as a page names them."""

    id: int
    name: str
    slug: str
    details: PersonDetails


@dataclass(frozen=True)
class Snapshot:
    """A project's page: its title, its content, and the people it names."""

    title: str
    content: PageContent
    people: dict[int, PersonRecord]

    def fingerprint(self):
        """Return a digest of what readers would see, dates left out.

        The publish step shows an editor the changes of the draft it read; the
        draft is published only if it still has this fingerprint.
        """
        content = self.content.to_json()
        del content["published_at"], content["updated_at"]
        people = {person.id: [person.name, person.slug] for person in self.people.values()}
        text = json.dumps([self.title, content, people], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def without(self, hidden):
        """Return the page as the public reads it when the people `hidden` (ids) are not named.

        Their credits, mentions and details leave it: each place counts them instead
        (`others`), and a page they assembled names no assembler. For reading only:
        what is stored is always the whole page.
        """
        hidden = set(hidden).intersection(self.people)
        if not hidden:
            return self

        def kept(credits):
            return tuple(credit for credit in credits if credit.person_id not in hidden)

        def others(person_ids):
            return len(hidden.intersection(person_ids))

        def ids(credits):
            return [credit.person_id for credit in credits]

        sections = tuple(
            replace(
                section,
                leads=kept(section.leads),
                others=others(ids(section.leads)),
                teams=tuple(
                    replace(team, credits=kept(team.credits), others=others(ids(team.credits)))
                    for team in section.teams
                ),
                section_others=others(
                    ids(section.leads) + [pk for team in section.teams for pk in ids(team.credits)]
                ),
            )
            for section in self.content.sections
        )
        acknowledgments = tuple(
            replace(
                ack,
                people=tuple(pk for pk in ack.people if pk not in hidden),
                others=others(ack.people),
            )
            for ack in self.content.acknowledgments
        )
        content = replace(
            self.content,
            sections=sections,
            acknowledgments=acknowledgments,
            assembled_by=None if self.content.assembled_by in hidden else self.content.assembled_by,
            details={pk: d for pk, d in self.content.details.items() if pk not in hidden},
        )
        people = {pk: person for pk, person in self.people.items() if pk not in hidden}
        return replace(self, content=content, people=people)


def version_snapshot(version, people_rows, public_aliases):
    """Return the Snapshot of a Version, with `people_rows` its PublishedPerson rows.

    Of the other spellings the version was published with, it keeps those in
    `public_aliases`, the (person id, spelling) pairs public now: a spelling made
    private since is hidden in every version (people/versions.py, load_snapshot).
    """
    content = PageContent.from_json(version.content).keeping_aliases(public_aliases)
    people = {
        row.person_id: PersonRecord(
            row.person_id, row.name, row.slug, content.details.get(row.person_id, PersonDetails())
        )
        for row in people_rows
    }
    return Snapshot(title=version.title, content=content, people=people)


def draft_snapshot(project, *, apps=installed_apps, updated_at=None):
    """Return the Snapshot of a project's draft, as the database holds it now.

    `apps` gives the models (a migration passes its own); `updated_at` is the
    date the page shows as its last change, worked out from the change history
    when not given.
    """
    models = DraftModels(apps)
    sections, teams = _sections_and_teams(models, project)
    places = Q(section_id__in=[section.pk for section in sections]) | Q(
        team_id__in=[team.pk for team in teams]
    )
    credited = models.credit.objects.filter(places)
    acknowledgments = list(
        models.acknowledgment.objects.filter(project_id=project.pk)
        .order_by("position", "pk")
        .values_list("pk", "text", named=True)
    )
    mentions = models.mention.objects.filter(
        acknowledgment_id__in=[ack.pk for ack in acknowledgments]
    )
    shown = (
        Q(pk__in=credited.values("person_id"))
        | Q(pk__in=mentions.values("person_id"))
        | Q(pk=project.assembled_by_id)
    )
    people = _people_shown(models, shown)
    rank = {
        pk: index
        for index, pk in enumerate(
            sorted(people, key=lambda pk: (people[pk].sort_key, people[pk].name, pk))
        )
    }
    leads, members = _credits_by_place(credited, sections, teams, rank)
    named = {ack.pk: set() for ack in acknowledgments}
    for mention in mentions.values_list("acknowledgment_id", "person_id", named=True):
        named[mention.acknowledgment_id].add(mention.person_id)

    teams_of = {section.pk: [] for section in sections}
    for team in teams:
        teams_of[team.section_id].append(TeamContent(team.pk, team.name, members[team.pk]))
    content = PageContent(
        intro=project.intro,
        closing_text=project.closing_text,
        citation=project.citation,
        ordering_note=project.ordering_note,
        assembled_by=project.assembled_by_id,
        published_at=project.published_at if project.is_published else None,
        updated_at=updated_at or last_change(project, sections, teams, acknowledgments, models),
        resources=tuple(
            Link(row.title, row.url)
            for row in models.resource.objects.filter(project_id=project.pk)
            .order_by("position", "pk")
            .values_list("title", "url", named=True)
        ),
        sections=tuple(
            SectionContent(
                section.pk, section.title, leads[section.pk], tuple(teams_of[section.pk])
            )
            for section in sections
        ),
        acknowledgments=tuple(
            AcknowledgmentContent(
                ack.pk, ack.text, tuple(sorted(named[ack.pk], key=rank.__getitem__))
            )
            for ack in acknowledgments
        ),
        details={pk: row.details for pk, row in people.items()},
    )
    records = {pk: PersonRecord(pk, row.name, row.slug, row.details) for pk, row in people.items()}
    return Snapshot(title=project.title, content=content, people=records)


def _sections_and_teams(models, project):
    """A project's sections, and its teams, in page order."""
    sections = list(
        models.section.objects.filter(project_id=project.pk)
        .order_by("position", "pk")
        .values_list("pk", "title", named=True)
    )
    section_order = {section.pk: index for index, section in enumerate(sections)}
    teams = sorted(
        models.team.objects.filter(section__project_id=project.pk).values_list(
            "pk", "section_id", "name", "position", named=True
        ),
        key=lambda team: (section_order[team.section_id], team.position, team.pk),
    )
    return sections, teams


@dataclass(frozen=True, slots=True)
class _ShownPerson:
    name: str
    slug: str
    sort_key: str
    details: PersonDetails


def _people_shown(models, shown):
    """The people a page shows, by id, with their public spellings (two queries)."""
    fields = ["pk", "name", "slug", "sort_name", "family_name", "sort_key", "orcid", "homepage"]
    rows = list(models.person.objects.filter(shown).values_list(*fields, named=True))
    aliases = {}
    for alias in (
        models.public_aliases()
        .filter(person_id__in=models.person.objects.filter(shown).values("pk"))
        .order_by("name", "pk")
        .values_list("person_id", "name", named=True)
    ):
        aliases.setdefault(alias.person_id, []).append(alias.name)
    return {
        row.pk: _ShownPerson(
            row.name,
            row.slug,
            row.sort_key,
            PersonDetails(
                sort_name=row.sort_name,
                family_name=row.family_name,
                orcid=row.orcid,
                homepage=row.homepage,
                aliases=tuple(aliases.get(row.pk, ())),
            ),
        )
        for row in rows
    }


def _credits_by_place(credited, sections, teams, rank):
    """Each section's lead lines and each team's members, in page order (one query)."""
    leads = {section.pk: [] for section in sections}
    members = {team.pk: [] for team in teams}
    for credit in credited.order_by("pk").values_list(
        "pk", "person_id", "section_id", "team_id", "title", named=True
    ):
        place = members[credit.team_id] if credit.team_id is not None else leads[credit.section_id]
        place.append(credit)

    def in_page_order(credits):
        ordered = sorted(credits, key=lambda credit: (rank[credit.person_id], credit.pk))
        return tuple(Credit(credit.person_id, credit.title) for credit in ordered)

    return (
        {pk: in_page_order(credits) for pk, credits in leads.items()},
        {pk: in_page_order(credits) for pk, credits in members.items()},
    )


class DraftModels:
    """The models a draft is read from, and their change histories, from an app registry."""

    # A credit was called a role until migration 0014; the migration that made the first
    # versions (0012) reads the models as they were then.
    FORMER_NAMES = {"credit": "role"}

    def __init__(self, apps):
        self.apps = apps
        for name in [
            "project",
            "resource",
            "section",
            "team",
            "person",
            "alias",
            "credit",
            "acknowledgment",
            "mention",
        ]:
            setattr(self, name, self.model(name))

    def model(self, name):
        try:
            return self.apps.get_model("people", name)
        except LookupError:
            return self.apps.get_model("people", self.FORMER_NAMES[name])

    def public_aliases(self):
        """The other spellings a page shows: public ones (every one before migration 0017)."""
        fields = {field.name for field in self.alias._meta.get_fields()}
        if "is_public" not in fields:
            return self.alias.objects.all()
        return self.alias.objects.filter(is_public=True)

    def history(self, name):
        model = self.model(name)
        return self.apps.get_model("people", f"historical{model._meta.model_name}")._default_manager


def _newest(history):
    """A subquery for the newest history_date of the historical records `history`."""
    return Subquery(
        history.order_by()
        .values(grouping=Value(1))
        .annotate(newest=Max("history_date"))
        .values("newest")
    )


def draft_last_change(project):
    """When anything the project's draft page shows last changed (its "Last updated")."""
    models = DraftModels(installed_apps)
    sections = list(models.section.objects.filter(project=project).only("pk"))
    teams = list(models.team.objects.filter(section__project=project).only("pk"))
    acknowledgments = list(models.acknowledgment.objects.filter(project=project).only("pk"))
    return last_change(project, sections, teams, acknowledgments, models)


def last_change(project, sections, teams, acknowledgments, models):
    """Return when anything the draft page shows last changed, in one query.

    Project.updated_at only follows edits of the project row; adding a credit,
    renaming a team or a person shows on the page too, so the change history of
    those is consulted. Rows written without history (bulk loads) count from
    the project's own date.
    """
    section_ids = [section.pk for section in sections]
    places = Q(section_id__in=section_ids) | Q(team_id__in=[team.pk for team in teams])
    mentions = Q(acknowledgment_id__in=[ack.pk for ack in acknowledgments])
    people = (
        Q(id__in=models.credit.objects.filter(places).values("person_id"))
        | Q(id__in=models.mention.objects.filter(mentions).values("person_id"))
        | Q(id=project.assembled_by_id)
    )
    changes = {
        "resources": models.history("resource").filter(project_id=project.pk),
        "sections": models.history("section").filter(project_id=project.pk),
        "teams": models.history("team").filter(section_id__in=section_ids),
        "credits": models.history("credit").filter(places),
        "acknowledgments": models.history("acknowledgment").filter(project_id=project.pk),
        "mentions": models.history("mention").filter(mentions),
        "people": models.history("person").filter(people),
    }
    newest = (
        models.project.objects.filter(pk=project.pk)
        .annotate(**{f"newest_{name}": _newest(qs) for name, qs in changes.items()})
        .values_list(*[f"newest_{name}" for name in changes])
    )
    dates = [date for date in newest.get() if date is not None]
    return max([project.updated_at, *dates])
