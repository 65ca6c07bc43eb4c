"""Text import speed on PostgreSQL: a 1 MB page of 10,000 names in 60 teams.

    python bench/bench_text_import.py [--keep]

Creates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/credits_bench_text_import), migrates it, writes a
saved web page of about 1 MB (a stylesheet and a script, 6 sections, 60 teams, 10,000
people with non-ASCII names, each name a link to a homepage, as published credits
pages are) and measures on an empty database:

1. reading the page (decode, parse, interpret) and planning its import: target < 2 s;
2. reading and planning the same credits as the CSV import's file, for comparison;
3. writing each: the CSV import, then (on an emptied database) the text import.

Then it drops the database (unless --keep) and prints PASS or FAIL for the target.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import database  # noqa: E402
from bench.bench_import import FAMILY_ENDINGS, FAMILY_STEMS, GIVEN  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/credits_bench_text_import"
PEOPLE = 10_000
SECTIONS = 6
TEAMS_PER_SECTION = 10
TARGET_SECONDS = 2.0
PAGE_BYTES = 1_000_000


def names():
    families = [stem + ending for stem in FAMILY_STEMS for ending in FAMILY_ENDINGS]
    return [f"{given} {family}" for family in families for given in GIVEN][:PEOPLE]


def page():
    """A saved credits page of about 1 MB, in HTML."""
    people = names()
    teams = SECTIONS * TEAMS_PER_SECTION
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Credits</title>",
        "<style>" + ".person{color:#333}\n" * 2000 + "</style>",
        "<script>" + "window.analytics.push({name: 'Mallory Tracker'});\n" * 1000 + "</script>",
        "</head><body><nav><a href='/'>Home</a></nav><main><h1>A large model: credits</h1>",
        "<p>This page lists everyone who worked on the model. Contributions are sorted "
        "alphabetically.</p>",
    ]
    number = 0
    for section in range(SECTIONS):
        parts.append(f"<h2>Workstream {section + 1}</h2>")
        for team in range(TEAMS_PER_SECTION):
            parts.append(f"<h3>Team {section + 1}.{team + 1}</h3><ul class='people'>")
            end = len(people) * (section * TEAMS_PER_SECTION + team + 1) // teams
            for name in people[number:end]:
                parts.append(
                    f"<li class='person'><a href='https://example.org/person-{number}'>{name}</a>"
                    "</li>\n"
                )
                number += 1
            parts.append("</ul>")
    parts.append("</main><footer>Contact us</footer></body></html>")
    html = "".join(parts)
    return (html + " " * max(0, PAGE_BYTES - len(html.encode()))).encode()


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def empty_database():
    from people.models import Acknowledgment, Credit, Person, Project

    Credit.objects.all().delete()
    Acknowledgment.objects.all().delete()
    Project.objects.all().delete()
    Person.objects.all().delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    options = parser.parse_args()
    url = database.setup_django(DEFAULT_URL)

    from people.models import Project
    from people.spreadsheet.apply import import_credits
    from people.spreadsheet.format import read_credits
    from people.spreadsheet.plan import build_plan
    from people.textimport.apply import import_text, interpretation_csv, plan_text_import
    from people.textimport.decode import decode, detect_format
    from people.textimport.reader import read_text

    try:
        empty_database()
        project = Project.objects.create(title="Bench", slug="bench")
        data = page()

        def read(data):
            text = decode(data)
            return read_text(text, detect_format(text, "page.html"))

        document, read_seconds = timed(read, data)
        planned, plan_seconds = timed(plan_text_import, project, document)
        credits = document.credit_count
        csv_data = interpretation_csv(document).encode()
        rows, csv_read_seconds = timed(read_credits, csv_data)
        _plan, csv_plan_seconds = timed(build_plan, project, rows)
        _plan, csv_write_seconds = timed(import_credits, project, rows)
        empty_database()
        project = Project.objects.create(title="Bench", slug="bench")
        _planned, text_write_seconds = timed(import_text, project, read(data))
    finally:
        if not options.keep:
            database.drop_database(url)

    total = read_seconds + plan_seconds
    print(
        f"Page: {len(data):,} bytes of HTML, {credits:,} credits in "
        f"{len(document.sections)} sections, "
        f"{sum(len(s.groups) for s in document.sections)} teams; "
        f"{len(planned.plan.changes.new_people):,} new people."
    )
    print(
        f"Text import, read: {read_seconds:.2f} s; plan: {plan_seconds:.2f} s; "
        f"read and plan: {total:.2f} s"
    )
    print(
        f"CSV import of the same credits ({len(csv_data):,} bytes), "
        f"read: {csv_read_seconds:.2f} s; plan: {csv_plan_seconds:.2f} s; "
        f"read and plan: {csv_read_seconds + csv_plan_seconds:.2f} s"
    )
    print(
        f"Writing, CSV import (plan and write): {csv_write_seconds:.2f} s; "
        f"text import (read, plan and write): {text_write_seconds:.2f} s"
    )
    passed = total < TARGET_SECONDS and credits == PEOPLE
    print(
        f"{'PASS' if passed else 'FAIL'}  a 1 MB page of {PEOPLE:,} names in 60 teams read and "
        f"planned in under {TARGET_SECONDS:g} s ({total:.2f} s)"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
