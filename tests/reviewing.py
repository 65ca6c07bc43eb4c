"""Fixtures and helpers of the tests of review by the people credited (people/reviews/).

Loaded as a pytest plugin (pyproject.toml: -p tests.reviewing), before Django is set
up: models are imported where they are used.
"""

import re
from urllib.parse import urlsplit

import pytest

from tests.mailserver import mail_server

LINK = re.compile(r"https?://[^\s\"<>]+/review/link/[^/\s\"<>]+/")


def run_queued_tasks():
    """Run what the database queue holds, as `manage.py db_worker --batch` runs each task.

    In this process, inside the test's transaction; the worker's own process is
    tested in tests/test_review_email.py.
    """
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    results = list(DBTaskResult.objects.ready())
    for result in results:
        result.claim(worker.worker_id)
        worker.run_task(result)
    return [DBTaskResult.objects.get(pk=result.pk) for result in results]


def links_in(text):
    """The review links in an email's text."""
    return LINK.findall(text)


def path_of(url):
    return urlsplit(url).path


@pytest.fixture
def credited(make_project, make_section, make_team, make_credit):
    """A draft project "Vision": Mark Chen (with an email address) is a team member, Ada
    Lovelace (without) a lead.

    Keyed "project", "section", "team", "mark", "ada", "mark_credit", "ada_credit".
    """
    from people.models import Person

    project = make_project("Vision", "vision", is_published=False)
    section = make_section(project, "Research contributions")
    team = make_team(section, "Architecture research")
    mark_credit = make_credit("Mark Chen", team=team)
    ada_credit = make_credit("Ada Lovelace", section=section, title="Overall lead")
    Person.objects.filter(pk=mark_credit.person_id).update(email="mark@example.org")
    return {
        "project": project,
        "section": section,
        "team": team,
        "mark": Person.objects.get(pk=mark_credit.person_id),
        "ada": ada_credit.person,
        "mark_credit": mark_credit,
        "ada_credit": ada_credit,
    }


@pytest.fixture
def open_review(db):
    """Make a review of `person` on `project` with a live link; return (review, link path)."""
    from people.reviews.links import new_link
    from people.reviews.models import Review

    def make(person, project):
        review, _ = Review.objects.get_or_create(person=person, project=project)
        link, token = new_link(review)
        link.save()
        return review, f"/review/link/{token}/"

    return make


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server the site sends through, refusing ghost@example.org; yields its Mailbox."""
    with mail_server(refused={"ghost@example.org"}) as (port, mailbox):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        mailbox.port = port
        yield mailbox


@pytest.fixture
def generous_rate_limit(settings):
    """Review pages without their rate limit: a test opens many from one address in a minute."""
    settings.REVIEW_RATE_LIMIT = 10_000
