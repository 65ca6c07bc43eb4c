"""Rendered public pages are cached under a generation that every edit changes.

Edits are rare and pages are read often, so any change to credits data starts a
new generation for all pages instead of working out which pages it touched.
Code that writes without model signals (bulk_create, QuerySet.update) must call
invalidate_pages() itself.

A page's key holds two numbers. The cache's own generation (in Redis, shared by
every process) moves at once, so that the writer's next read is fresh even before
its transaction commits. The database's generation (PageGeneration) moves when an
edit commits and is read on every request: a write cannot miss it, even while the
cache is down, so a page cached before an outage is never served after it, by any
process, even when Redis comes back with its old keys. While the cache is down,
writes succeed and readers get pages rendered afresh.
"""

import logging
import threading
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from redis.exceptions import RedisError

from people.models import PageGeneration

logger = logging.getLogger(__name__)

GENERATION_KEY = "credits:generation"


def generation():
    """The generation pages are cached under now; raises RedisError while the cache is down."""
    committed = PageGeneration.objects.filter(pk=1).values_list("number", flat=True).first()
    # A fresh value after an eviction never coincides with an older generation.
    cached = cache.get_or_set(GENERATION_KEY, time.time_ns(), timeout=None)
    return f"{committed or 0}.{cached}"


def invalidate_pages():
    """Start a new generation now, and again once the current transaction commits.

    The first, in the cache, makes the writer's own next read fresh (tests never
    commit); the second, in the database, drops for every process the pages that
    other requests rendered from the old rows while the transaction was still open.
    """
    new_generation()
    transaction.on_commit(_count_committed_edit)


def _count_committed_edit():
    if not PageGeneration.objects.filter(pk=1).update(number=F("number") + 1):
        PageGeneration.objects.get_or_create(pk=1, defaults={"number": 1})


def new_generation():
    """Start a new generation of the cache at once: every page is rendered afresh.

    While the cache is down this does nothing but log: the database's generation,
    which every committed edit moves, keeps pages from before the outage out.
    """
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            # No generation yet (first use, or evicted).
            cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
    except RedisError:
        logger.warning("Page cache unreachable: its generation was not moved")


def page_cache_key(name, *parts):
    return ":".join(["credits:page", generation(), name, *map(str, parts)])


# A key holds the same page for as long as it exists (an edit moves every page to
# new keys), so each process keeps the pages it served last: a hit then reads only
# the generations (a row of the database, a key of Redis), not the whole page.
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


def connect_signals():
    from people.models import (
        Acknowledgment,
        Alias,
        Mention,
        Person,
        PersonRedirect,
        Project,
        Resource,
        Role,
        Section,
        Team,
    )

    shown_on_pages = [
        Project, Resource, Section, Team, Person, Alias, Role, Acknowledgment, Mention,
        PersonRedirect,
    ]  # fmt: skip
    for model in shown_on_pages:
        post_save.connect(_invalidate_on_change, sender=model, dispatch_uid=f"pages-{model}")
        post_delete.connect(_invalidate_on_change, sender=model, dispatch_uid=f"pages-del-{model}")
