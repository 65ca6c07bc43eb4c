"""Publishing and comparing versions of a synthetic project of 2,000 people and 10,000 credits.

Run from the project root: `.venv/bin/python bench/bench_versions.py` (or `make bench`).
It uses its own database, DATABASE_URL (default: the PostgreSQL database
credits_bench_versions, created if missing), and empties it first. It prints:

1. the time to publish the project's first version, and later versions each after
   a small edit (medians);
2. the time to compare two versions that differ by 500 credits added, 500 removed,
   100 retitled and 50 people renamed: read both from the database, then compare;
3. the storage of a version (its row, its published names, their indexes) in
   bytes, and the database's growth over 100 versions of the page;

then PASS or FAIL per target: publishing under 2 s, comparing under 0.3 s.
"""

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_page import build_project, setup_django  # noqa: E402

os.environ.setdefault("CREDITS_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("CREDITS_HTTPS", "0")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/credits_bench_versions"

PUBLISH_RUNS = 5
COMPARE_RUNS = 7
VERSIONS = 100
MAX_PUBLISH_SECONDS = 2.0
MAX_COMPARE_SECONDS = 0.3
TABLES = ["people_version", "people_publishedperson"]


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def storage_bytes():
    """The bytes the versions take: their tables, TOASTed content and indexes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(pg_total_relation_size(name::regclass)) FROM unnest(%s::text[]) AS name",
            [TABLES],
        )
        return cursor.fetchone()[0]


def content_bytes(version):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(content), octet_length(content::text) "
            "FROM people_version WHERE id = %s",
            [version.pk],
        )
        return cursor.fetchone()


def edit(number):
    """A small edit of the draft: one credit's title changes."""
    from people.models import Credit

    credit = Credit.objects.filter(team__isnull=False).order_by("pk")[number % 1000]
    Credit.objects.filter(pk=credit.pk).update(title=f"Edit {number}")


def edit_a_lot(project):
    """500 credits added, 500 removed, 100 retitled, 50 people renamed."""
    from people.models import Credit, Person, Team

    credits = list(Credit.objects.filter(team__isnull=False).order_by("pk"))
    Credit.objects.filter(pk__in=[credit.pk for credit in credits[:500]]).delete()
    Credit.objects.filter(pk__in=[credit.pk for credit in credits[500:600]]).update(
        title="Retitled"
    )
    teams = list(Team.objects.filter(section__project=project))
    people = list(Person.objects.order_by("pk"))
    taken = set(Credit.objects.values_list("person_id", "team_id"))
    new = []
    for number, person in enumerate(people):
        team = teams[(number * 13) % len(teams)]
        if (person.pk, team.pk) not in taken and len(new) < 500:
            new.append(Credit(person=person, team=team))
    Credit.objects.bulk_create(new)
    for person in people[:50]:
        Person.objects.filter(pk=person.pk).update(name=f"{person.name} Renamed")


def main():
    setup_django_here()
    from django.db import connection

    from people.diff import compare
    from people.models import Credit, Version
    from people.versions import load_snapshot, merges, publish

    project = build_project()
    credits = Credit.objects.in_projects([project]).count()
    print(f"Built {credits:,} credits of {project.title!r} on {connection.vendor}.")

    first_seconds, first = timed(lambda: publish(project))
    later = []
    for number in range(PUBLISH_RUNS):
        edit(number)
        seconds, _ = timed(lambda: publish(project))
        later.append(seconds)
    publish_seconds = max(first_seconds, statistics.median(later))

    edit_a_lot(project)
    publish(project)
    old_version = Version.objects.get(pk=first.version.pk)
    new_version = Version.objects.filter(project=project).order_by("-number").first()

    def read_both():
        return (
            load_snapshot(Version.objects.get(pk=old_version.pk)),
            load_snapshot(Version.objects.get(pk=new_version.pk)),
        )

    def compare_both(old, new):
        return compare(old, new, merges(old, new))

    loads, compares = [], []
    for _ in range(COMPARE_RUNS):
        load_seconds, (old, new) = timed(read_both)
        compare_seconds, comparison = timed(lambda pair=(old, new): compare_both(*pair))
        loads.append(load_seconds)
        compares.append(compare_seconds)
    load_median, compare_median = statistics.median(loads), statistics.median(compares)
    compare_total = load_median + compare_median

    stored, text = content_bytes(old_version)
    before = storage_bytes()
    count_before = Version.objects.count()
    for number in range(VERSIONS):
        edit(PUBLISH_RUNS + number)
        publish(project)
    growth = storage_bytes() - before
    added = Version.objects.count() - count_before
    per_version = growth / added
    people_rows = old_version.people.count()

    results = [
        (f"publish the first version: {first_seconds:.2f} s", None),
        (
            f"publish a later version after a small edit: median {statistics.median(later):.2f} s "
            f"of {PUBLISH_RUNS}",
            None,
        ),
        (
            f"publishing: {publish_seconds:.2f} s, {publish_seconds / MAX_PUBLISH_SECONDS:.2f} of "
            f"the {MAX_PUBLISH_SECONDS} s target",
            publish_seconds <= MAX_PUBLISH_SECONDS,
        ),
        (f"comparison found: {comparison.summary()}", None),
        (
            f"compare two versions: read {load_median * 1000:.0f} ms + compare "
            f"{compare_median * 1000:.0f} ms = {compare_total * 1000:.0f} ms, "
            f"{compare_total / MAX_COMPARE_SECONDS:.2f} of the {MAX_COMPARE_SECONDS} s target",
            compare_total <= MAX_COMPARE_SECONDS,
        ),
        (
            f"a version's content: {text:,} bytes of JSON, {stored:,} bytes stored (compressed), "
            f"with {people_rows:,} published names",
            None,
        ),
        (
            f"storage over {added} versions: {growth:,} bytes, {per_version:,.0f} bytes a version "
            f"(tables, TOAST and indexes of {', '.join(TABLES)})",
            None,
        ),
    ]
    for line, passed in results:
        verdict = "" if passed is None else ("PASS  " if passed else "FAIL  ")
        print(f"{verdict or '      '}{line}")
    return 0 if all(passed is not False for _, passed in results) else 1


def setup_django_here():
    # bench_page's set-up (production settings, the database emptied) on this database.
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    setup_django()


if __name__ == "__main__":
    sys.exit(main())
