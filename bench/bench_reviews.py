"""Asking 2,000 people to review their credits: the request, then the workers sending the emails.

    python bench/bench_reviews.py [--people 2000]

Uses its own database, DATABASE_URL (default: the PostgreSQL database
credits_bench_reviews, created if missing), and empties it first. A project credits
2,000 people, each with an email address. Then:

1. an editor's "Ask everyone not yet asked" is timed as the admin serves it: it only
   creates the reviews and queues the emails (target: under 2 s of request time);
2. one `manage.py db_worker` process sends them through a local SMTP server
   (aiosmtpd, tests/mailserver.py), then everyone is asked again and two workers
   send them: messages per second, from the first message received to the last.

Each message carries its own new link, made and hashed by the worker.
"""

import argparse
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/credits_bench_reviews"
REQUEST_TARGET_SECONDS = 2.0
BASE_DIR = Path(__file__).resolve().parent.parent

os.environ.setdefault("CREDITS_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.update(CREDITS_HTTPS="0", CREDITS_TASKS="database", CREDITS_LOG_LEVEL="WARNING")
os.environ.setdefault("CREDITS_ALLOWED_HOSTS", "localhost")


def create_project(people):
    """A project crediting `people` people, each with an email address; returns it."""
    from people.models import Credit, Person, Project, Section, Team

    project = Project.objects.create(title="Bench", slug="bench")
    team = Team.objects.create(section=Section.objects.create(project=project, title="All"))
    created = Person.objects.bulk_create(
        Person(
            name=f"Person {number:05}",
            slug=f"person-{number:05}",
            sort_key=f"person {number:05}",
            email=f"person{number}@example.org",
        )
        for number in range(people)
    )
    Credit.objects.bulk_create(Credit(person=person, team=team) for person in created)
    return project


def run_workers(count, database_url, smtp_port):
    """Run `count` db_worker processes until the queue is empty; return their wall time."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CREDITS_EMAIL_HOST": "127.0.0.1",
        "CREDITS_EMAIL_PORT": str(smtp_port),
    }
    command = [
        sys.executable, "manage.py", "db_worker",
        "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", "--verbosity", "0",
    ]  # fmt: skip
    start = time.perf_counter()
    workers = [
        subprocess.Popen(command, cwd=BASE_DIR, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    for worker in workers:
        _, errors = worker.communicate(timeout=600)
        if worker.returncode != 0:
            sys.exit(f"db_worker failed:\n{errors}")
    return time.perf_counter() - start


def sending_rate(mailbox, first_message):
    times = mailbox.received_at[first_message:]
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    people = parser.parse_args().people

    database_url = database.setup_django(DEFAULT_URL)
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_tasks_db.models import DBTaskResult

    from people.models import Person
    from people.reviews.asking import ask
    from people.reviews.models import Review, ReviewLink
    from tests.mailserver import mail_server

    call_command("flush", interactive=False, verbosity=0)
    project = create_project(people)
    editor = User.objects.create_superuser("bench", password="bench-password-123")
    client = Client(HTTP_HOST="localhost")
    client.force_login(editor)

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.post(
            reverse("admin:people_review_ask", args=[project.pk]), {"by_email": "1", "confirm": "1"}
        )
        request_seconds = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    queued = DBTaskResult.objects.ready().count()
    waiting = Review.objects.filter(email_status=Review.Email.QUEUED).count()
    print(f"Asking {people:,} people (one request): {request_seconds:.2f} s, "
          f"{len(queries)} queries, {waiting:,} emails queued in {queued} tasks")  # fmt: skip

    with mail_server() as (port, mailbox):
        one_worker = run_workers(1, database_url, port)
        one_rate = sending_rate(mailbox, 0)
        sent_once = len(mailbox.received)
        ask(project, Person.objects.all(), user=editor, site_url="http://localhost")
        two_workers = run_workers(2, database_url, port)
        two_rate = sending_rate(mailbox, sent_once)
        received = len(mailbox.received)

    print(f"1 worker:  {sent_once:,} messages in {one_worker:.1f} s with start-up, "
          f"{one_rate:,.0f} messages/s while sending")  # fmt: skip
    print(f"2 workers: {received - sent_once:,} messages in {two_workers:.1f} s with start-up, "
          f"{two_rate:,.0f} messages/s while sending")  # fmt: skip
    sent = Review.objects.filter(email_status=Review.Email.SENT).count()
    checks = [
        (f"asking {people:,} people takes under {REQUEST_TARGET_SECONDS} s of request time",
         request_seconds < REQUEST_TARGET_SECONDS),
        ("the request sends nothing: every email is queued", waiting == people),
        ("the workers send every message, each with its own link",
         received == 2 * people and sent == people and ReviewLink.objects.count() == 2 * people),
    ]  # fmt: skip
    for label, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {label}")
    if not all(passed for _, passed in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
