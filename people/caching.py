"""Rendered public pages are cached under keys that change when what they show changes.

Project pages, their files, old versions, the changelog and its feed show only
published versions, which never change: their keys hold the project's latest
version, read from the database in the query that picks the page
(views.published_project). Draft edits leave them alone; a publication moves
them at once, for every process, even when Redis was down meanwhile and comes
back with its old keys.

Person pages also show people's own records as they are now (name, other
spellings, links): their keys hold a generation that every edit of those moves,
and every publication. It has two parts. The cache's own (in Redis, shared by
every process) moves at once, so that the writer's next read is fresh even
before its transaction commits. The database's (PageGeneration) moves when the
edit commits and is read on every request: a write cannot miss it, even while
the cache is down, so a page cached before an outage is never served after it.
Code that writes people without model signals (bulk_create, QuerySet.update)
must call invalidate_pages() itself.

Versions also show one thing as it is now: which of their other spellings are
public (people/versions.py, load_snapshot). Saving or deleting a spelling that is
or was public moves the keys of every page and file of the projects whose
versions name its person, as replacing a published name does. Code that changes
is_public without model signals must call invalidate_published_pages_of() itself.

Every key also holds the cache's epoch, which new_generation() moves: every page
is then rendered afresh (after restoring a backup, say). While the cache is
down, writes succeed and readers get pages rendered afresh.
"""

import logging
import threading
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save, pre_save
from redis.exceptions import RedisError

from people.models import PageGeneration, PersonRedirect, PublishedPerson, Version

logger = logging.getLogger(__name__)

EPOCH_KEY = "credits:generation"
PEOPLE_KEY = "credits:people-generation"


def _counters(*keys):
    """The values of counter keys, each set afresh if missing; raises RedisError while down."""
    values = cache.get_many(keys)
    # A fresh value after an eviction never coincides with an older one.
    missing = {key: time.time_ns() for key in keys if key not in values}
    if missing:
        cache.set_many(missing, timeout=None)
    return [{**values, **missing}[key] for key in keys]


def published_page_key(name, *parts):
    """The key of a page showing published versions only; `parts` name the versions shown."""
    (epoch,) = _counters(EPOCH_KEY)
    return ":".join(["credits:page", str(epoch), name, *map(str, parts)])


def person_page_key(name, *parts):
    """The key of a page that also shows people's records as they are now."""
    committed = PageGeneration.objects.filter(pk=1).values_list("number", flat=True).first()
    epoch, people = _counters(EPOCH_KEY, PEOPLE_KEY)
    generation = f"{epoch}.{committed or 0}.{people}"
    return ":".join(["credits:page", generation, name, *map(str, parts)])


def invalidate_pages():
    """Start a new generation of the person pages now, and again once the transaction commits.

    For edits of people, their other spellings and merges, and for publications.
    The first, in the cache, makes the writer's own next read fresh (tests never
    commit); the second, in the database, drops for every process the pages that
    other requests rendered from the old rows while the transaction was still open.
    """
    _move(PEOPLE_KEY)
    transaction.on_commit(_count_committed_edit)


def invalidate_published_pages_of(person_ids=(), *, project_ids=()):
    """Move the cache keys of the pages and files of the projects `project_ids`, and of
    every project whose versions name one of `person_ids` or a record merged into them
    (their keys hold the latest version's names_revision)."""
    merged = PersonRedirect.objects.filter(person_id__in=person_ids).values("old_slug")
    naming = PublishedPerson.objects.filter(
        Q(person_id__in=person_ids) | Q(slug__in=merged)
    ).values("version__project_id")
    Version.objects.filter(Q(project_id__in=project_ids) | Q(project_id__in=naming)).update(
        names_revision=F("names_revision") + 1
    )


def naming_changed(*, project_ids=(), person_ids=()):
    """Move the pages of the projects `project_ids`, and of those naming the people `person_ids`.

    For a choice not to be named, which public pages apply as they are served;
    person pages and search move with invalidate_pages().
    """
    invalidate_published_pages_of(person_ids, project_ids=project_ids)
    invalidate_pages()


def _count_committed_edit():
    if not PageGeneration.objects.filter(pk=1).update(number=F("number") + 1):
        PageGeneration.objects.get_or_create(pk=1, defaults={"number": 1})


def new_generation():
    """Start a new epoch of the cache at once: every page is rendered afresh."""
    _move(EPOCH_KEY)


def _move(key):
    """Move a counter of the cache; while the cache is down, only log.

    The database's counters, which every committed change moves, keep pages
    from before an outage out.
    """
    try:
        try:
            cache.incr(key)
        except ValueError:
            # No value yet (first use, or evicted).
            cache.set(key, time.time_ns(), timeout=None)
    except RedisError:
        logger.warning("Page cache unreachable: %s was not moved", key)


# A key holds the same page for as long as it exists (a change moves pages to new
# keys), so each process keeps the pages it served last: a hit then reads only the
# key's parts (a row of the database, a key of Redis), not the whole page.
# Bounded by size, oldest first out.
RECENT_PAGES_BYTES = 32 * 1024 * 1024
_recent_pages = {}
_recent_lock = threading.Lock()


def get_page(key):
    """Return the cached value of a page key, or None."""
    with _recent_lock:
        value = _recent_pages.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            _remember(key, value)
    return value


def set_page(key, value, timeout):
    """Cache (content bytes, headers) under a page key."""
    cache.set(key, value, timeout)
    _remember(key, value)


def _remember(key, value):
    size = len(value[0])
    if size > RECENT_PAGES_BYTES:
        return
    with _recent_lock:
        _recent_pages[key] = value
        total = sum(len(content) for content, _ in _recent_pages.values())
        while total > RECENT_PAGES_BYTES:
            oldest = next(iter(_recent_pages))
            total -= len(_recent_pages.pop(oldest)[0])


def _invalidate_on_change(sender, **kwargs):
    invalidate_pages()


def _invalidate_unless_created(sender, created, **kwargs):
    # A person just made is on no published page yet.
    if not created:
        invalidate_pages()


def _note_spelling_public_before(sender, instance, raw=False, **kwargs):
    # Whose versions showed the spelling before this save, as the database holds it
    # (a merge moves spellings from one person to another).
    if raw or instance.pk is None:
        instance._public_for = []
        return
    shown = sender.objects.filter(pk=instance.pk, is_public=True)
    instance._public_for = list(shown.values_list("person_id", flat=True))


def _invalidate_versions_showing_spelling(sender, instance, **kwargs):
    people = set(getattr(instance, "_public_for", ()))
    if instance.is_public:
        people.add(instance.person_id)
    if people:
        invalidate_published_pages_of(people)


def _naming_changed_on_project(sender, instance, **kwargs):
    naming_changed(project_ids=[instance.project_id])


def _never_listed_changed(sender, instance, created, **kwargs):
    if created:
        return
    if instance.never_listed != getattr(instance, "never_listed_when_read", instance.never_listed):
        naming_changed(person_ids=[instance.pk])
    instance.never_listed_when_read = instance.never_listed


def connect_signals():
    """Edits of what person pages show as it is now; draft edits show on no public page.

    And choices not to be named, which published pages apply as they are served.
    """
    from people.models import Alias, NotNamed, Person

    post_save.connect(_never_listed_changed, sender=Person, dispatch_uid="naming-person")
    post_save.connect(_naming_changed_on_project, sender=NotNamed, dispatch_uid="naming-save")
    post_delete.connect(_naming_changed_on_project, sender=NotNamed, dispatch_uid="naming-del")

    post_save.connect(_invalidate_unless_created, sender=Person, dispatch_uid="pages-person")
    for model in [Alias, PersonRedirect]:
        post_save.connect(_invalidate_on_change, sender=model, dispatch_uid=f"pages-{model}")
    for model in [Person, Alias, PersonRedirect]:
        post_delete.connect(_invalidate_on_change, sender=model, dispatch_uid=f"pages-del-{model}")
    pre_save.connect(_note_spelling_public_before, sender=Alias, dispatch_uid="versions-alias")
    post_save.connect(
        _invalidate_versions_showing_spelling, sender=Alias, dispatch_uid="versions-alias"
    )
    post_delete.connect(
        _invalidate_versions_showing_spelling, sender=Alias, dispatch_uid="versions-del-alias"
    )
