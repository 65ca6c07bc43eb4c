"""Times the admin's change pages of a big team, its section, its project and a busy person.

A team of 3,000 members once took 17.9 s, 3,007 queries and 8.4 MB of HTML to open: one
form per member. For a team of 3,000 and then of 30,000 members (and as many lead lines
in its section, and a tenth as many credits of one person), this prints each page's time
(median of a few), queries and HTML size, then PASS or FAIL: each page under a second,
with the same queries at both sizes.

Run from the project root: `.venv/bin/python bench/bench_admin.py` (or `make bench`).
It uses its own database, DATABASE_URL (default: the PostgreSQL database
credits_bench_admin, created if missing), and empties it first.
"""

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import database  # noqa: E402

# Production settings (debug off) so templates and queries run as they do when served.
os.environ.setdefault("CREDITS_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("CREDITS_HTTPS", "0")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/credits_bench_admin"

SIZES = [3_000, 30_000]
RUNS = 5
TARGET_SECONDS = 1.0


def setup_django():
    from django.conf import settings
    from django.test.utils import override_settings

    database.setup_django(DEFAULT_URL)
    # No collectstatic here: link the plain static files instead of the manifest's.
    storage = "django.contrib.staticfiles.storage.StaticFilesStorage"
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": storage}}).enable()


def build(members):
    """A project whose team has `members` members, whose section has as many lead lines,
    and one of whose people has a tenth as many credits; return the pages' addresses."""
    from django.core.management import call_command
    from django.urls import reverse

    from people.models import Credit, Person, Project, Section, Team
    from people.sorting import sort_key

    call_command("flush", interactive=False, verbosity=0)
    project = Project.objects.create(title="A thousand authors", slug="authors")
    section = Section.objects.create(project=project, title="Core contributors")
    team = Team.objects.create(section=section, name="Physics")
    busy = Team.objects.create(section=section, name="Everything", position=1)
    names = [f"Author {number:05}" for number in range(members)]
    people = Person.objects.bulk_create(
        (
            Person(name=name, slug=f"author-{number}", sort_key=sort_key(name))
            for number, name in enumerate(names)
        ),
        batch_size=5_000,
    )
    credits = [Credit(person=person, team=team) for person in people]
    credits += [Credit(person=person, section=section, title="Lead") for person in people]
    credits += [
        Credit(person=people[0], team=busy, title=f"Task {number}")
        for number in range(members // 10)
    ]
    Credit.objects.bulk_create(credits, batch_size=5_000)
    return {
        "team": reverse("admin:people_team_change", args=[team.pk]),
        "paste": reverse("admin:people_team_credits_paste", args=[team.pk]),
        "remove": reverse("admin:people_team_credits_remove", args=[team.pk]),
        "section": reverse("admin:people_section_change", args=[section.pk]),
        "project": reverse("admin:people_project_change", args=[project.pk]),
        "person": reverse("admin:people_person_change", args=[people[0].pk]),
    }


def measure(client, address):
    """(median seconds, queries, bytes) of GETting `address`."""
    from django.db import connection

    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    client.get(address)
    # Counted as executed: the log CaptureQueriesContext reads is emptied when a request starts.
    with connection.execute_wrapper(count):
        response = client.get(address)
    assert response.status_code == 200, (address, response.status_code)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        client.get(address)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(statements), len(response.content)


def timed_bulk_changes(client, paste, remove, members):
    """Time a preview of 100 pasted names (half of them new) and the removal of every member."""
    names = "\n".join(
        [f"Author {number:05}" for number in range(50)] + [f"New author {n}" for n in range(50)]
    )
    start = time.perf_counter()
    preview = client.post(paste, {"paste-names": names})
    previewed = time.perf_counter() - start
    assert preview.status_code == 200
    start = time.perf_counter()
    removed = client.post(remove, {"all": "yes", "count": str(members), "confirm": "yes"})
    assert removed.status_code == 302
    return (
        f"paste preview of 100 names: {previewed * 1000:.0f} ms; "
        f"removing all {members:,} members: {(time.perf_counter() - start) * 1000:.0f} ms"
    )


def main():
    setup_django()
    from django.contrib.auth.models import User
    from django.test import Client

    measured = {}
    for members in SIZES:
        started = time.perf_counter()
        pages = build(members)
        print(f"Built a team of {members:,} members in {time.perf_counter() - started:.1f} s.")
        user = User.objects.create_superuser("bench", password=secrets.token_urlsafe(20))
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        paste, remove = pages.pop("paste"), pages.pop("remove")
        for page, address in pages.items():
            seconds, queries, size = measure(client, address)
            measured[page, members] = (seconds, queries, size)
            print(
                f"      {page:<8} {members:>6,} members: {seconds * 1000:7.1f} ms, "
                f"{queries:3} queries, {size / 1024:7.1f} KiB of HTML"
            )
        print(f"      {timed_bulk_changes(client, paste, remove, members)}")

    results = []
    for page in ["team", "section", "project", "person"]:
        slowest = max(measured[page, members][0] for members in SIZES)
        queries = [measured[page, members][1] for members in SIZES]
        results.append(
            (
                f"{page} page: at most {slowest * 1000:.0f} ms (target < "
                f"{TARGET_SECONDS * 1000:.0f} ms), queries {' and '.join(map(str, queries))} "
                f"at {' and '.join(f'{members:,}' for members in SIZES)} members",
                slowest < TARGET_SECONDS and len(set(queries)) == 1,
            )
        )
    for line, passed in results:
        print(f"{'PASS' if passed else 'FAIL'}  {line}")
    return 0 if all(passed for _, passed in results) else 1


if __name__ == "__main__":
    sys.exit(main())
