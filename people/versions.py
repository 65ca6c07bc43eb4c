"""Publishing a project's draft as a numbered version, and going back to one.

Readers only ever see versions: publishing freezes the draft (people/snapshots.py)
as version N, in one transaction on one state of the database with the project's
row locked, so that a version never holds half an import and two editors
publishing at once make one version. Unpublishing takes the page down and keeps
its versions. Restoring the draft from an old version is in people/restoring.py.
"""

from dataclasses import dataclass

from django.apps import apps as installed_apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from psycopg import errors as postgres_errors

from people.caching import invalidate_pages
from people.diff import Comparison, Names, compare
from people.models import (
    NOTE_MAX_LENGTH,
    Alias,
    PersonRedirect,
    Project,
    PublishedPerson,
    Version,
    lock_project,
    refuse_hidden_characters,
)
from people.naming import unnamed_among
from people.reviews.waiting import Waiting, waiting_for
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


class WaitingForAnswers(PublishError):
    """The project's rule says publishing waits for people who have not answered their review."""

    def __init__(self, waiting):
        self.waiting = waiting
        super().__init__(
            f"Nothing was published: the rule of this project is to {waiting.rule()}. "
            f"{waiting}. Publish anyway to publish without their answers."
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
    fields = ["pk", "number", "title", "names_revision", "project_id", "is_published"]
    versions = versions.annotate(is_published=F("project__is_published"))
    return versions.values_list(*fields, named=True).first()


def load_snapshot(version):
    """Return the Snapshot of `version`, with the names it was published with (one query).

    Of its other spellings, only those public now: one made private (or deleted)
    since disappears from every version at once. A second query, for a version
    that holds any.
    """
    people = version.people.values_list("person_id", "name", "slug", named=True)
    return version_snapshot(version, people, public_aliases_of(version))


def public_aliases_of(version):
    """The (person id, spelling) pairs of the other spellings of `version`'s people public now."""
    if not any("aliases" in details for details in version.content["people"].values()):
        return frozenset()
    people = PublishedPerson.objects.filter(version=version).values("person_id")
    aliases = Alias.objects.public().filter(person_id__in=people)
    return frozenset(aliases.values_list("person_id", "name"))


def load_public_snapshot(version):
    """Return the Snapshot of `version` as the public reads it now (load_snapshot's queries).

    Without the people who asked, even since it was published, not to be named on
    its project or anywhere (Snapshot.without): their places count them instead.
    """
    rows = list(
        version.people.with_naming(version.project_id).values_list(
            "person_id", "name", "slug", "is_unnamed", named=True
        )
    )
    snapshot = version_snapshot(version, rows, public_aliases_of(version))
    return snapshot.without(row.person_id for row in rows if row.is_unnamed)


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
    # Whom publishing waits for (people/reviews/waiting.py); None: nobody.
    waiting: Waiting | None = None

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

    def not_named(self):
        """The names of the people of the draft whom readers will not see named (one query)."""
        hidden = unnamed_among(self.project, self.snapshot.people)
        return sorted(self.snapshot.people[pk].name for pk in hidden)


def preview(project):
    """Return the Preview of publishing `project`'s draft now."""
    with one_snapshot():
        latest = latest_version(project)
        snapshot = draft_snapshot(project)
        waiting = waiting_for(project)
        if latest is None:
            return Preview(
                project, None, snapshot, None, None, snapshot.fingerprint(), None, waiting
            )
        old = load_snapshot(latest)
        fingerprint, latest_fingerprint = snapshot.fingerprint(), old.fingerprint()
        return Preview(
            project,
            latest,
            snapshot,
            compare(old, snapshot, merges(old, snapshot)),
            names_of(old, snapshot),
            fingerprint,
            latest_fingerprint,
            # Putting an unchanged version back online shows nobody anything new.
            None if fingerprint == latest_fingerprint else waiting,
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


def publish(
    project,
    *,
    user=None,
    note="",
    base=None,
    fingerprint=None,
    wait_seconds=None,
    anyway=False,
):
    """Publish `project`'s draft as its next version and return the Publication.

    `base` and `fingerprint` are those of the Preview the editor confirmed: when
    another version was published since (AlreadyPublished) or the draft changed
    since (PublishError), nothing is published. A draft identical to the latest
    version makes no version: it only puts an unpublished page back online.
    While the project's rule says publishing waits for people's answers, nothing
    is published (WaitingForAnswers) unless `anyway`.
    """
    note = clean_note(note)
    try:
        with one_snapshot(), transaction.atomic():
            locked = lock_project(project, wait_seconds=wait_seconds)
            if locked is None:
                raise PublishError("This project no longer exists; nothing was published.")
            latest = latest_version(locked)
            if base is not None and (latest.number if latest else 0) != base:
                raise AlreadyPublished(latest)
            return _publish(locked, latest, user, note, fingerprint, anyway)
    except OperationalError as error:
        # Under REPEATABLE READ, PostgreSQL refuses to lock the project row that
        # another publication changed after this transaction's snapshot.
        if not isinstance(error.__cause__, postgres_errors.SerializationFailure):
            raise
        latest = latest_version(project)
        if latest is None or (base is not None and latest.number == base):
            # Not a publication: another change of the project (a name replaced
            # everywhere, people/renaming.py) committed first.
            raise PublishError(
                "The project changed while it was being published, so nothing was published. "
                "Review the changes again, then publish."
            ) from error
        raise AlreadyPublished(latest) from error
    except IntegrityError as error:
        # Another publication took the number first (unique_version_number).
        latest = latest_version(project)
        if latest is None:
            raise
        raise AlreadyPublished(latest) from error


def _publish(project, latest, user, note, fingerprint, anyway):
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
    if not anyway:
        waiting = waiting_for(project)
        if waiting is not None:
            raise WaitingForAnswers(waiting)
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


def unpublish(project, user=None, wait_seconds=None):
    """Take the project's page down for the public (410 Gone); its versions are kept."""
    with transaction.atomic():
        locked = lock_project(project, wait_seconds=wait_seconds)
        if not locked.is_published:
            return False
        locked.is_published = False
        _save_project(locked, user, "Unpublished")
    return True


def replace_published_name(person, name, slug=None):
    """Replace `person`'s name (and page address) in every version naming them, with one UPDATE.

    For a name that must disappear everywhere (people/renaming.py, which also
    rewrites what else the versions hold of the person): versions otherwise keep
    the names they were published with. Returns the number of versions changed.
    """
    fields = {"name": name} if slug is None else {"name": name, "slug": slug}
    with transaction.atomic():
        count = PublishedPerson.objects.filter(person=person).update(**fields)
        projects = PublishedPerson.objects.filter(person=person).values("version__project")
        # The published pages' cache keys hold the latest version's names_revision.
        Version.objects.filter(project__in=projects).update(names_revision=F("names_revision") + 1)
        invalidate_pages()
    return count
