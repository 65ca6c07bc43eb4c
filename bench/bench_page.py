"""Times the public project page on a synthetic project of 2,000 people and 10,000 credits.

The page is the project's published version 1, as readers see it.

Run from the project root: `.venv/bin/python bench/bench_page.py` (or `make bench`).
It uses its own database, DATABASE_URL (default: the PostgreSQL database
credits_bench, created if missing), and empties it first. It prints the query
count and median times of an uncached render, of the template alone on the
already-built page data, and of a cached hit, then PASS or FAIL for each target.
"""

import os
import random
import re
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
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/credits_bench"

PEOPLE = 2_000
ROLES = 10_000
SECTIONS = 6
TEAMS = 60
LEADS_PER_SECTION = 5
RUNS = 7
CACHED_RUNS = 200
MAX_QUERIES = 10
TRANSACTION_CONTROL = re.compile(
    r"^(BEGIN|COMMIT|ROLLBACK|SET TRANSACTION|SAVEPOINT|RELEASE SAVEPOINT)"
)
MAX_RATIO = 2.0
MIN_CACHED_SPEEDUP = 100

GIVEN = [
    "Ada", "Ángel", "Björn", "Chloé", "Dario", "Élodie", "Farrukh", "Grace", "Hyeonwoo", "Iñaki",
    "Jürgen", "Kōji", "Łukasz", "Maëlle", "Nuño", "Oğuz", "Paweł", "Quentin", "Renée", "Søren",
    "Tomás", "Ulrich", "Văn", "Wiktoria", "Xiadani", "Yusuf", "Zoë", "李", "Дмитрий", "Αλέξης",
]  # fmt: skip
FAMILY = [
    "Almeida", "Brontë", "Çelik", "Dvořák", "Erdős", "Fernández", "Gödel", "Håkansson", "Ibáñez",
    "Jørgensen", "Kondraciuk", "Løvås", "Mélý", "Nguyễn", "Östlund", "Pérez", "Quiñones",
    "Röttger", "Šimůnek", "Tőkés", "Ueda", "Vázquez", "Wójcik", "Xú", "Yıldız", "Żukowski",
    "Moitinho de Almeida", "van der Berg", "O'Neil", "Smith-Jones",
]  # fmt: skip


def setup_django():
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    database.setup_django(DEFAULT_URL)
    # No collectstatic here: link the plain static files instead of the manifest's.
    storage = "django.contrib.staticfiles.storage.StaticFilesStorage"
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": storage}}).enable()
    call_command("flush", interactive=False, verbosity=0)


def build_project():
    """Create the synthetic project with bulk inserts and return it, unpublished."""
    from people.caching import invalidate_pages
    from people.models import Acknowledgment, Credit, Mention, Person, Project, Section, Team
    from people.sorting import sort_key

    rng = random.Random(4)
    names = []
    while len(names) < PEOPLE:
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        names.append(f"{name} {len(names)}" if name in names else name)
    people = Person.objects.bulk_create(
        Person(name=name, slug=f"person-{number}", sort_key=sort_key(name))
        for number, name in enumerate(names)
    )
    project = Project.objects.create(
        title="Synthetic credits",
        slug="synthetic",
        intro="A synthetic project for timing the page.",
        citation="Bench Lab (2025)",
        assembled_by=people[0],
    )
    sections = Section.objects.bulk_create(
        Section(project=project, title=f"Section {number + 1}", position=number)
        for number in range(SECTIONS)
    )
    teams = Team.objects.bulk_create(
        Team(section=sections[number % SECTIONS], name=f"Team {number + 1}", position=number)
        for number in range(TEAMS)
    )
    leads = [
        Credit(person=rng.choice(people), section=section, title=f"Lead {number + 1}")
        for section in sections
        for number in range(LEADS_PER_SECTION)
    ]
    # Each person joins distinct teams until the credits add up to ROLES.
    members = []
    for number in range(ROLES - len(leads)):
        person = people[number % PEOPLE]
        team = teams[(number // PEOPLE * 7 + number) % TEAMS]
        members.append(Credit(person=person, team=team))
    Credit.objects.bulk_create(leads + members)
    acknowledgment = Acknowledgment.objects.create(project=project, text="We thank our testers:")
    Mention.objects.bulk_create(
        Mention(acknowledgment=acknowledgment, person=person) for person in people[:25]
    )
    invalidate_pages()
    return Project.objects.select_related("assembled_by").get(pk=project.pk)


def timed_ms(action):
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main():
    setup_django()
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext

    from people.caching import new_generation
    from people.models import Credit, Version
    from people.versions import load_snapshot, publish
    from people.views import Shown, project_page_context

    started = time.perf_counter()
    project = build_project()
    publish(project)
    print(
        f"Built {Credit.objects.count():,} credits of {project.title!r} "
        f"in {time.perf_counter() - started:.1f} s on {connection.vendor}."
    )
    url = project.get_absolute_url()
    client = Client(HTTP_HOST="localhost")

    def get():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    new_generation()
    with CaptureQueriesContext(connection) as queries:
        get()
    statements = [query["sql"] for query in queries.captured_queries]
    # BEGIN, SET TRANSACTION and COMMIT put the page's queries in one snapshot;
    # they are counted apart from the queries that read data.
    control = [sql for sql in statements if TRANSACTION_CONTROL.match(sql)]
    uncached_queries = len(statements) - len(control)

    request = RequestFactory().get(url, HTTP_HOST="localhost")
    request.user = AnonymousUser()
    version = Version.objects.select_related("project").get(project=project)
    shown = Shown(version.project, load_snapshot(version), version, version.number)
    context = project_page_context(shown)

    def render_template():
        render_to_string("people/project_detail.html", context, request=request)

    # The two are timed in turns, so that a busy machine slows both alike.
    uncached_times, template_times = [], []
    for _ in range(RUNS):
        new_generation()
        uncached_times.append(timed_ms(get))
        template_times.append(timed_ms(render_template))
    uncached = statistics.median(uncached_times)
    template_only = statistics.median(template_times)

    get()
    cached = statistics.median(timed_ms(get) for _ in range(CACHED_RUNS))

    ratio = uncached / template_only
    speedup = uncached / cached
    results = [
        (
            f"queries of an uncached render: {uncached_queries} "
            f"(and {len(control)} transaction statements: {', '.join(control)})",
            uncached_queries <= MAX_QUERIES,
        ),
        (f"uncached render: median {uncached:.1f} ms of {RUNS}", None),
        (f"template alone on built lists: median {template_only:.1f} ms of {RUNS}", None),
        (f"uncached / template alone: {ratio:.2f} (target <= {MAX_RATIO})", ratio <= MAX_RATIO),
        (
            f"cached hit: median {cached:.3f} ms of {CACHED_RUNS}, {speedup:.0f}x faster "
            f"(target >= {MIN_CACHED_SPEEDUP}x)",
            speedup >= MIN_CACHED_SPEEDUP,
        ),
    ]
    for line, passed in results:
        verdict = "" if passed is None else ("PASS  " if passed else "FAIL  ")
        print(f"{verdict or '      '}{line}")
    return 0 if all(passed is not False for _, passed in results) else 1


if __name__ == "__main__":
    sys.exit(main())
