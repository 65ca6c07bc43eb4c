"""Review emails through a real SMTP server (aiosmtpd on a local port) and a real worker."""

import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django_tasks_db.models import DBTaskResult

from people.models import Person
from people.reviews.asking import ask
from people.reviews.emails import claim
from people.reviews.models import Review, ReviewLink
from tests.admin_pages import page_text, url
from tests.mailserver import text_and_html
from tests.reviewing import links_in, path_of, run_queued_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

SITE = "https://credits.example.org"


def test_the_review_email_goes_through_smtp_and_its_link_works(
    smtp_server, credited, editor, client
):
    ask(credited["project"], [credited["mark"]], user=editor, site_url=SITE)

    [result] = run_queued_tasks()

    assert result.return_value == {"sent": 1, "failed": 0}
    [message] = smtp_server.messages()
    assert message["To"] == "mark@example.org"
    assert message["From"] == django_settings.DEFAULT_FROM_EMAIL
    assert message["Subject"] == "Please check your credits on “Vision”"
    text, html = text_and_html(message)
    assert "Dear Mark Chen," in text
    assert "  - Research contributions › Architecture research\n" in text
    assert "<li>Research contributions › Architecture research</li>" in html
    [link] = links_in(text)
    assert link.startswith(f"{SITE}/review/link/")
    assert f'<a href="{link}">Check your credits</a>' in html
    opened = client.get(path_of(link))
    assert opened.status_code == 302
    assert "Mark Chen" in page_text(client.get(opened["Location"]))


def test_a_refused_address_is_recorded_and_the_others_are_sent(
    smtp_server, credited, editor, editor_client, make_credit
):
    Person.objects.filter(pk=credited["ada"].pk).update(email="ghost@example.org")
    grace = make_credit("Grace Hopper", team=credited["team"]).person
    Person.objects.filter(pk=grace.pk).update(email="grace@example.org")
    people = Person.objects.filter(pk__in=[credited["mark"].pk, credited["ada"].pk, grace.pk])
    ask(credited["project"], people, user=editor, site_url=SITE)

    [result] = run_queued_tasks()

    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"sent": 2, "failed": 1}
    assert sorted(message["To"] for message in smtp_server.messages()) == [
        "grace@example.org",
        "mark@example.org",
    ]
    states = dict(Review.objects.values_list("person__name", "email_status"))
    assert states == {"Mark Chen": "sent", "Ada Lovelace": "failed", "Grace Hopper": "sent"}
    failed = Review.objects.get(person=credited["ada"])
    assert failed.email_error == (
        "550 5.1.1 <ghost@example.org>: Recipient address rejected: User unknown"
    )
    # The undelivered link is gone; the delivered ones work.
    assert not ReviewLink.objects.filter(review=failed).exists()
    assert ReviewLink.objects.live().count() == 2
    listing = editor_client.get(f"{url(Review, 'changelist')}?email_status__exact=failed")
    assert [review.person.name for review in listing.context["cl"].result_list] == ["Ada Lovelace"]


def test_a_mail_server_that_is_down_fails_the_emails_not_the_task(credited, editor, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    settings.EMAIL_TIMEOUT = 2
    ask(credited["project"], [credited["mark"]], user=editor, site_url=SITE)

    [result] = run_queued_tasks()

    assert result.return_value == {"sent": 0, "failed": 1}
    review = Review.objects.get()
    assert review.email_status == "failed"
    assert "Connection refused" in review.email_error


def test_tasks_run_at_once_with_the_immediate_backend(credited, editor, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    ask(credited["project"], [credited["mark"]], user=editor, site_url=SITE)

    assert len(mail.outbox) == 1
    assert Review.objects.get().email_status == "sent"
    assert not DBTaskResult.objects.exists()


def run_manage(args, **environ):
    env = {name: value for name, value in os.environ.items() if not name.startswith("CREDITS_")}
    env.update(CREDITS_SECRET_KEY=django_settings.SECRET_KEY, CREDITS_HTTPS="0", **environ)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_process_sends_the_queued_emails(smtp_server, credited, editor, client):
    if connection.vendor != "postgresql":
        pytest.skip("the worker reads the test database through its own connection")
    ask(credited["project"], [credited["mark"]], user=editor, site_url=SITE)
    database = connection.settings_dict
    database_url = (
        f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )

    worker = run_manage(
        ["db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0"],
        DATABASE_URL=database_url,
        CREDITS_EMAIL_HOST="127.0.0.1",
        CREDITS_EMAIL_PORT=str(smtp_server.port),
        CREDITS_EMAIL_FROM="Credits <credits@example.org>",
    )

    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert "path=people.tasks.send_review_emails state=SUCCESSFUL" in worker.stderr
    [result] = DBTaskResult.objects.all()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"sent": 1, "failed": 0}
    [message] = smtp_server.messages()
    assert message["From"] == "Credits <credits@example.org>"
    [link] = links_in(text_and_html(message)[0])
    opened = client.get(path_of(link))
    assert "Mark Chen" in page_text(client.get(opened["Location"]))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("environ", "backend"),
    [
        ({"CREDITS_DEBUG": "1"}, "django_tasks.backends.immediate.ImmediateBackend"),
        ({}, "django_tasks_db.DatabaseBackend"),
        ({"CREDITS_DEBUG": "1", "CREDITS_TASKS": "database"}, "django_tasks_db.DatabaseBackend"),
    ],
    ids=["make-run", "production", "chosen"],
)
def test_the_task_backend_follows_the_environment(environ, backend):
    result = run_manage(
        ["shell", "-c", "from django.conf import settings; print(settings.TASKS)"], **environ
    )

    assert result.returncode == 0, result.stderr
    assert f"'BACKEND': '{backend}'" in result.stdout


@pytest.mark.slow
def test_an_unknown_task_backend_stops_with_a_clear_message():
    result = run_manage(["check"], CREDITS_TASKS="celery")

    assert result.returncode != 0
    assert "CREDITS_TASKS must be one of database, immediate, not 'celery'." in result.stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_locked_project_or_person_does_not_hold_back_the_emails(credited, editor):
    # Workers take each review row for themselves; the project's and the person's rows
    # stay free for other workers (batches of one project) and editors (a save).
    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks the whole database")
    ask(credited["project"], [credited["mark"]], user=editor, site_url=SITE)
    database = connection.settings_dict
    with psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"],
        dbname=database["NAME"],
    ) as other:  # fmt: skip
        other.execute("SELECT 1 FROM people_project FOR UPDATE")
        other.execute("SELECT 1 FROM people_person FOR UPDATE")

        claimed = claim(Review.objects.values_list("pk", flat=True))

    assert [review.person for review in claimed] == [credited["mark"]]
