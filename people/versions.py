"""Publishing a project's draft as a numbered version, and going back to one.

Readers only ever see versions: publishing freezes the draft (people/snapshots.py)
as version N, in one transaction on one state of the database with the project's
row locked, so that a version never holds half an import and two editors
publishing at once make one version. Unpublishing takes the page down and keeps
its versions; restoring sets the draft back to an old version's content, which
publishing then makes a new version: history is never rewritten.
"""

from dataclasses import dataclass

from django.apps import apps as installed_apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from psycopg import errors as postgres_errors
from simple_history.utils import bulk_create_with_history

from people.caching import invalidate_pages
from people.diff import Comparison, Names, compare
from people.models import (
    NOTE_MAX_LENGTH,
    Acknowledgment,
    Alias,
    Mention,
    Person,
    PersonRedirect,
    Project,
    PublishedPerson,
    Resource,
    Role,
    Section,
    Team,
    Version,
    numbered_slug,
    refuse_hidden_characters,
    slug_base,
)
from people.snapshots import Snapshot, draft_snapshot, one_snapshot, version_snapshot


class PublishError(Exception):
    """Publishing (or restoring) cannot be done as asked; the message is for the editor."""


class AlreadyPublished(PublishError):
    def __init__(self, version):
        self.version = version
        super().__init__(
            f"Already published as version {version.number} "
            f"({timezone.localtime(version.published_at):%-d %B %Y, %H:%M}"
            f"{f' by {version.published_by}' if version.published_by else ''}): "
            "nothing was published. Review the changes since that version, then publish again."
        )


def projects_with_versions():
    """Projects annotated with their latest version's number and title (None before the first)."""
    latest = Version.objects.filter(project=OuterRef("pk")).order_by("-number")
    return Project.objects.annotate(
        latest_number=Subquery(latest.values("number")[:1]),
        latest_title=Subquery(latest.values("title")[:1]),
    )


def latest_version(project):
    return Version.objects.filter(project=project).order_by("-number").first()


def latest_published(slug):
    """Return the latest version of the project at /credits/<slug>/ as a row, or None.

    None when there is no such project or it was never published. The one query
    a cached public page takes: a row of the fields its cache key and its "gone"
    page need, which the database reads from indexes.
    """
    versions = Version.objects.filter(project__slug=slug).order_by("-number")
    fields = ["pk", "number", "title", "names_revision", "project_id", "project__is_published"]
    return versions.values_list(*fields, named=True).first()


def load_snapshot(version):
    """Return the Snapshot of `version`, with the names it was published with (one query)."""
    people = version.people.values_list("person_id", "name", "slug", named=True)
    return version_snapshot(version, people)


def merges(old, new):
    """Return {id: kept person's id} for the people of `old` merged since into one of `new`.

    A merge deletes the merged person and redirects their page address to the
    kept person (people/merging.py): that redirect is the record read here.
    """
    gone = {person.slug: pk for pk, person in old.people.items() if pk not in new.people}
    if not gone:
        return {}
    redirects = PersonRedirect.objects.filter(old_slug__in=gone, person_id__in=list(new.people))
    return {
        gone[slug]: person_id for slug, person_id in redirects.values_list("old_slug", "person")
    }


def names_of(old, new):
    """The Names of a comparison between two Snapshots."""
    return Names(
        old={pk: person.name for pk, person in old.people.items()},
        new={pk: person.name for pk, person in new.people.items()},
    )


@dataclass(frozen=True)
class Preview:
    """What publishing a project's draft would do, for the editor to review."""

    project: Project
    # The latest version, None before the first.
    latest: Version | None
    snapshot: Snapshot
    # None for a first version, which is compared with nothing.
    comparison: Comparison | None
    names: Names | None
    fingerprint: str
    latest_fingerprint: str | None

    @property
    def number(self):
        """The number the next version would get."""
        return self.latest.number + 1 if self.latest else 1

    @property
    def base(self):
        """The number of the version the changes are from; 0 before the first."""
        return self.latest.number if self.latest else 0

    @property
    def credit_count(self):
        return self.snapshot.content.credit_count()

    @property
    def is_unchanged(self):
        """Whether the draft is the latest version as published: publishing makes no version."""
        return self.fingerprint == self.latest_fingerprint

    def groups(self):
        return self.comparison.groups(self.names) if self.comparison else []


def preview(project):
    """Return the Preview of publishing `project`'s draft now."""
    with one_snapshot():
        latest = latest_version(project)
        snapshot = draft_snapshot(project)
        if latest is None:
            return Preview(project, None, snapshot, None, None, snapshot.fingerprint(), None)
        old = load_snapshot(latest)
        return Preview(
            project,
            latest,
            snapshot,
            compare(old, snapshot, merges(old, snapshot)),
            names_of(old, snapshot),
            snapshot.fingerprint(),
            old.fingerprint(),
        )


def first_version(project, *, apps=installed_apps):
    """Make version 1 of a project published before versions were kept, from its data now.

    Dated from the project's first publication, with the page's last change as
    its "last updated", so that nothing a reader sees changes. `apps` gives the
    models: a migration passes its own.
    """
    snapshot = draft_snapshot(project, apps=apps)
    version = apps.get_model("people", "Version").objects.create(
        project_id=project.pk,
        number=1,
        title=snapshot.title,
        published_at=project.published_at or snapshot.content.updated_at,
        content=snapshot.content.to_json(),
    )
    published_person = apps.get_model("people", "PublishedPerson")
    published_person.objects.bulk_create(published_people(published_person, version, snapshot))
    return version


def published_people(model, version, snapshot):
    """The PublishedPerson rows of a new version, by person id: the index grows at its end."""
    return [
        model(version_id=version.pk, person_id=pk, name=person.name, slug=person.slug)
        for pk, person in sorted(snapshot.people.items())
    ]


@dataclass(frozen=True)
class Publication:
    """What publish() did: made `version`, or (is_new False) put the page back online."""

    version: Version
    is_new: bool


def clean_note(note):
    """Return the editor's note trimmed, or raise PublishError when it cannot be shown."""
    note = note.strip().replace("\r\n", "\n")
    if len(note) > NOTE_MAX_LENGTH:
        raise PublishError(
            f"Keep the note under {NOTE_MAX_LENGTH:,} characters "
            f"(this one has {len(note):,}); nothing was published."
        )
    try:
        refuse_hidden_characters(note, "note", allowed="\n\t")
    except ValidationError as error:
        raise PublishError(" ".join(error.messages)) from error
    return note


def publish(project, *, user=None, note="", base=None, fingerprint=None):
    """Publish `project`'s draft as its next version and return the Publication.

    `base` and `fingerprint` are those of the Preview the editor confirmed: when
    another version was published since (AlreadyPublished) or the draft changed
    since (PublishError), nothing is published. A draft identical to the latest
    version makes no version: it only puts an unpublished page back online.
    """
    note = clean_note(note)
    try:
        with one_snapshot(), transaction.atomic():
            locked = Project.objects.select_for_update().filter(pk=project.pk).first()
            if locked is None:
                raise PublishError("This project no longer exists; nothing was published.")
            latest = latest_version(locked)
            if base is not None and (latest.number if latest else 0) != base:
                raise AlreadyPublished(latest)
            return _publish(locked, latest, user, note, fingerprint)
    except OperationalError as error:
        # Under REPEATABLE READ, PostgreSQL refuses to lock the project row that
        # another publication changed after this transaction's snapshot.
        if not isinstance(error.__cause__, postgres_errors.SerializationFailure):
            raise
        raise AlreadyPublished(latest_version(project)) from error
    except IntegrityError as error:
        # Another publication took the number first (unique_version_number).
        latest = latest_version(project)
        if latest is None:
            raise
        raise AlreadyPublished(latest) from error


def _publish(project, latest, user, note, fingerprint):
    now = timezone.now()
    was_published = project.is_published
    project.publish()
    snapshot = draft_snapshot(project, updated_at=now)
    if fingerprint is not None and snapshot.fingerprint() != fingerprint:
        raise PublishError(
            "The draft changed since you reviewed it, so nothing was published. "
            "Review the changes again, then publish."
        )
    if not snapshot.content.credit_count():
        raise PublishError(
            "This project has no credits yet: add or import its credits, then publish."
        )
    comparison = None
    if latest is not None:
        old = load_snapshot(latest)
        if old.fingerprint() == snapshot.fingerprint():
            if was_published:
                raise PublishError(
                    f"Nothing changed since version {latest.number}: no version was made."
                )
            _save_project(project, user, f"Published again (version {latest.number})")
            return Publication(latest, is_new=False)
        comparison = compare(old, snapshot, merges(old, snapshot))
    version = Version.objects.create(
        project=project,
        number=latest.number + 1 if latest else 1,
        title=snapshot.title,
        published_at=now,
        published_by=user,
        note=note,
        content=snapshot.content.to_json(),
        changes=comparison.to_json() if comparison is not None else None,
    )
    PublishedPerson.objects.bulk_create(published_people(PublishedPerson, version, snapshot))
    _save_project(project, user, f"Published version {version.number}")
    return Publication(version, is_new=True)


def _save_project(project, user, reason):
    project._history_user = user
    project._change_reason = reason
    project.save(update_fields=["is_published", "published_at", "updated_at"])
    if user is not None:
        LogEntry.objects.log_actions(
            user.pk, [project], CHANGE, change_message=f"{reason}.", single_object=True
        )
    # Person pages and search follow the versions the public reads.
    invalidate_pages()


def unpublish(project, user=None):
    """Take the project's page down for the public (410 Gone); its versions are kept."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if not locked.is_published:
            return False
        locked.is_published = False
        _save_project(locked, user, "Unpublished")
    return True


def replace_published_name(person, name):
    """Replace `person`'s name in every version that names them, with one UPDATE.

    For a name that must disappear everywhere: versions otherwise keep the names
    they were published with. Returns the number of versions changed.
    """
    with transaction.atomic():
        count = PublishedPerson.objects.filter(person=person).update(name=name)
        projects = PublishedPerson.objects.filter(person=person).values("version__project")
        # The published pages' cache keys hold the latest version's names_revision.
        Version.objects.filter(project__in=projects).update(names_revision=F("names_revision") + 1)
        invalidate_pages()
    return count


# Restoring the draft from a version


def restore_draft(project, version, user=None):
    """Set `project`'s draft back to `version`'s content; return the Comparison it made.

    Sections, teams and acknowledgments keep their ids (those deleted since are
    made again with them), so that comparing the draft with the version shows
    nothing but what people's own records changed since: people are never
    renamed here, as they belong to every project. People merged since are
    replaced by the person they were merged into; people deleted since are
    made again.
    """
    reason = f"Restored the draft from version {version.number}"
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        before = draft_snapshot(locked)
        target = load_snapshot(version)
        restore = Restore(locked, user, reason)
        people = restore.people(target)
        content = target.content

        locked.title = target.title
        locked.intro = content.intro
        locked.closing_text = content.closing_text
        locked.citation = content.citation
        locked.ordering_note = content.ordering_note
        locked.assembled_by_id = people.get(content.assembled_by)
        restore.record(locked).save()

        restore.resources(content.resources)
        credits = restore.wanted_credits(content, people)
        restore.remove_credits(credits)
        sections, teams = restore.places(content.sections)
        restore.add_credits(credits, sections, teams)
        restore.acknowledgments(content.acknowledgments, people)
        if user is not None:
            LogEntry.objects.log_actions(
                user.pk, [locked], CHANGE, change_message=f"{reason}.", single_object=True
            )
        after = draft_snapshot(locked)
    return compare(before, after, merges(before, after))


def placeholder(model):
    """A title no one gives, unique per row: unique titles are freed before being given again."""
    return Concat(Value(f"restoring {model._meta.model_name} "), Cast("pk", CharField()))


class Restore:
    """The writes of restore_draft, each recorded in the change history with its reason."""

    def __init__(self, project, user, reason):
        self.project = project
        self.user = user
        self.reason = reason

    def record(self, row):
        row._history_user = self.user
        row._change_reason = self.reason
        return row

    def new_row(self, model, pk, **fields):
        """A row of `model` made again with its old id when that id is free."""
        free = not model.objects.filter(pk=pk).exists()
        return model(pk=pk if free else None, **fields)

    def people(self, snapshot):
        """Map each person of `snapshot` to a person now: the same, the one merged into, or anew."""
        existing = set(
            Person.objects.filter(pk__in=list(snapshot.people)).values_list("pk", flat=True)
        )
        missing = {pk: person for pk, person in snapshot.people.items() if pk not in existing}
        people = {pk: pk for pk in existing}
        redirects = dict(
            PersonRedirect.objects.filter(
                old_slug__in=[person.slug for person in missing.values()]
            ).values_list("old_slug", "person_id")
        )
        for pk, person in missing.items():
            if person.slug in redirects:
                people[pk] = redirects[person.slug]
                continue
            taken = Person.objects.filter(slug__startswith=slug_base(person.slug))
            recreated = self.new_row(
                Person,
                pk,
                name=person.name,
                slug=numbered_slug(person.slug, set(taken.values_list("slug", flat=True))),
                sort_name=person.details.sort_name,
                orcid=person.details.orcid,
                homepage=person.details.homepage,
            )
            self.record(recreated).save(force_insert=True)
            for alias in person.details.aliases:
                self.record(Alias(person=recreated, name=alias)).save()
            people[pk] = recreated.pk
        return people

    def wanted_credits(self, content, people):
        """The credits of `content` as (person id now, section id, team id, title)."""
        wanted = []
        for section in content.sections:
            for credit in section.leads:
                wanted.append((people[credit.person_id], section.id, None, credit.title))
            for team in section.teams:
                for credit in team.credits:
                    wanted.append((people[credit.person_id], None, team.id, credit.title))
        return list(dict.fromkeys(wanted))

    def current_credits(self):
        return {
            (role.person_id, role.section_id, role.team_id, role.title): role.pk
            for role in Role.objects.in_projects([self.project])
        }

    def remove_credits(self, wanted):
        current = self.current_credits()
        unwanted = [pk for credit, pk in current.items() if credit not in set(wanted)]
        Role.objects.filter(pk__in=unwanted).delete()

    def places(self, sections):
        """Make the sections and teams those of the version's `sections`.

        Returns ({version's section id: id now}, {version's team id: id now}).
        """
        wanted_teams = {team.id for section in sections for team in section.teams}
        Team.objects.filter(section__project=self.project).exclude(pk__in=wanted_teams).delete()
        current_sections = {row.pk: row for row in Section.objects.filter(project=self.project)}
        current_teams = {row.pk: row for row in Team.objects.filter(section__project=self.project)}
        wanted_sections = {section.id for section in sections}
        # Sections left out go now, unless a team of the version is still in one.
        holding = {team.section_id for team in current_teams.values()}
        Section.objects.filter(pk__in=set(current_sections) - wanted_sections - holding).delete()
        # Titles are unique in a project and names in a section: free them first.
        Section.objects.filter(project=self.project).update(title=placeholder(Section))
        Team.objects.filter(section__project=self.project).update(name=placeholder(Team))

        section_ids, team_ids = {}, {}
        team_position = 0
        for position, wanted in enumerate(sections):
            section = current_sections.get(wanted.id) or self.new_row(
                Section, wanted.id, project=self.project
            )
            section.title, section.position = wanted.title, position
            self.record(section).save()
            section_ids[wanted.id] = section.pk
            for wanted_team in wanted.teams:
                team = current_teams.get(wanted_team.id) or self.new_row(Team, wanted_team.id)
                team.section_id = section.pk
                team.name, team.position = wanted_team.name, team_position
                team_position += 1
                self.record(team).save()
                team_ids[wanted_team.id] = team.pk
        Section.objects.filter(project=self.project).exclude(pk__in=section_ids.values()).delete()
        return section_ids, team_ids

    def add_credits(self, wanted, sections, teams):
        existing = self.current_credits()
        new = []
        for person_id, section_id, team_id, title in wanted:
            section_id = sections[section_id] if section_id else None
            team_id = teams[team_id] if team_id else None
            if (person_id, section_id, team_id, title) not in existing:
                new.append(
                    Role(person_id=person_id, section_id=section_id, team_id=team_id, title=title)
                )
        bulk_create_with_history(
            new, Role, batch_size=1000, default_user=self.user, default_change_reason=self.reason
        )

    def resources(self, links):
        Resource.objects.filter(project=self.project).delete()
        for position, link in enumerate(links):
            resource = Resource(
                project=self.project, title=link.title, url=link.url, position=position
            )
            self.record(resource).save()

    def acknowledgments(self, acknowledgments, people):
        current = {ack.pk: ack for ack in Acknowledgment.objects.filter(project=self.project)}
        wanted_ids = {ack.id for ack in acknowledgments}
        Acknowledgment.objects.filter(project=self.project).exclude(pk__in=wanted_ids).delete()
        for position, wanted in enumerate(acknowledgments):
            ack = current.get(wanted.id) or self.new_row(
                Acknowledgment, wanted.id, project=self.project
            )
            ack.text, ack.position = wanted.text, position
            self.record(ack).save()
            named = {people[person_id] for person_id in wanted.people}
            Mention.objects.filter(acknowledgment=ack).exclude(person_id__in=named).delete()
            have = set(
                Mention.objects.filter(acknowledgment=ack).values_list("person_id", flat=True)
            )
            for person_id in sorted(named - have):
                self.record(Mention(acknowledgment=ack, person_id=person_id)).save()
