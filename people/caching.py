"""Rendered public pages are cached under a generation number that every edit bumps.

Edits are rare and pages are read often, so any change to credits data starts a
new generation for all pages instead of working out which pages it touched.
Code that writes without model signals (bulk_create, QuerySet.update) must call
invalidate_pages() itself.
"""

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

GENERATION_KEY = "credits:generation"


def generation():
    # A fresh value after an eviction never coincides with an older generation.
    return cache.get_or_set(GENERATION_KEY, time.time_ns(), timeout=None)


def invalidate_pages():
    """Start a new generation now, and again once the current transaction commits.

    The first bump makes the writer's own next read fresh (tests never commit);
    the second drops pages that other requests rendered from the old rows while
    the transaction was still open.
    """
    new_generation()
    transaction.on_commit(new_generation)


def new_generation():
    """Start a new generation at once: every page is rendered afresh."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def page_cache_key(name, *parts):
    return ":".join(["credits:page", str(generation()), name, *map(str, parts)])


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
