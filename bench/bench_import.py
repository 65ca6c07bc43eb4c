"""Credits import speed on PostgreSQL: our engine against the usual ways of writing it.

    python bench/bench_import.py [--rows 50000] [--similar-rows 50000] [--repeat 3] [--keep]

Creates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/credits_bench_import), migrates it and measures,
each time on an emptied database, three shapes of file:

- varied: 50,000 credits of 10,000 people with non-ASCII names, 60 teams, 6 sections,
  titles on 60 rows;
- film crew: 50,000 credits of 10,000 people in 6 sections and 50 teams, 79% of the
  rows with a title (a few of them lead lines);
- similar names: 50,000 new people named "Bulk Person 0000001"…, one credit each,
  which the look-alike check compares with one another;
- varied names: 50,000 new people with varied, non-ASCII names, one credit each: the
  same work but for the names, which the similar names are held to.

For the varied file:

1. a plain django-import-export ModelResource with ForeignKeyWidgets, row by row,
   as a typical project writes it, on the first 5,000 rows;
2. a hand-written bulk_create of the same 50,000 rows: the lower bound;
3. `manage.py import_credits` (the admin's engine) on the 50,000 rows, in a child
   process whose peak resident memory (VmHWM: the whole process, Python and Django
   included) is reported;
4. the same import again, when nothing changes;
5. a sync with a one-row file, which removes the 50,000 credits (and their teams and
   sections), against the rate of adding them in 3.

For the other shapes, 2 and 3. Each time but the first is the best of --repeat
runs, the machine being shared. Then it drops the database (unless --keep) and prints
PASS or FAIL per target.
"""

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/credits_bench_import"
PLAIN_ROWS = 5000
SECTIONS = 6
TEAMS_PER_SECTION = 10
CREDITS_PER_PERSON = 5
LEADS = 60
TITLED_PERCENT = 79
LEAD_LINE_PERCENT = 1

GIVEN = [
    "Łukasz", "Zoë", "José", "Søren", "Ingrid", "Amélie", "Jürgen", "Chloé", "Ñico", "Björn",
    "Ana", "Şebnem", "Dvořák", "Renée", "Mihály", "Éowyn", "Kōji", "Ólafur", "Zuzana", "Ülkü",
    "Aiko", "Thảo", "Ramón", "Małgorzata", "Hélène", "Göran", "Iñaki", "Zsófia", "Đorđe", "Noël",
    "Priya", "Wei", "Fatima", "Kwame", "Olga", "Pedro", "Sanna", "Yusuf", "Chiara", "Lars",
    "Mei", "Tomás", "Aoife", "Raúl", "Ebru", "Jakub", "Leïla", "Nikolaj", "Ximena", "Ådne",
]  # fmt: skip
FAMILY_STEMS = [
    "Kowal", "Nguy", "Müll", "Ström", "Garc", "Ağa", "Dvoř", "Hernánd", "Łuk", "Öz",
    "Brønd", "Sánch", "Kirch", "Petr", "Žil", "Vázq", "Ólaf", "Svens", "Mart", "Łęcz",
]  # fmt: skip
FAMILY_ENDINGS = ["ski", "ễn", "er", "öm", "ía", "oğlu", "áková", "ez", "sen", "ić"]


DEPARTMENTS = {
    "Production": [
        "Producers", "Production Management", "Production Office", "Accounting", "Locations",
        "Casting", "Legal",
    ],
    "Camera and Lighting": [
        "Camera", "Grip", "Electric", "Video Assist", "Stills", "Aerial Unit", "Drone Unit",
        "Second Unit Camera",
    ],
    "Art and Costume": [
        "Art Department", "Set Decoration", "Props", "Construction", "Costume", "Hair",
        "Makeup", "Prosthetics", "Scenic Painters",
    ],
    "Sound and Music": [
        "Production Sound", "Sound Editorial", "Foley", "Re-recording", "Music", "Orchestra",
        "Choir", "Music Editorial",
    ],
    "Visual Effects": [
        "VFX Production", "Compositing", "Animation", "Lighting and Rendering", "FX Simulation",
        "Matchmove", "Roto and Paint", "Environments", "Creatures", "Pipeline",
    ],
    "Post-production": [
        "Editorial", "Colour", "Titles", "Dailies", "Localisation", "Delivery",
        "Post Accounting", "Archive",
    ],
}  # fmt: skip
CREW_TITLES = [
    "Supervisor", "Lead", "Senior Artist", "Artist", "Junior Artist", "Coordinator",
    "Assistant", "Technician", "Operator", "Trainee", "Manager", "Head of Department", "Key",
    "Best Boy", "Daily", "Second Assistant", "First Assistant", "Consultant", "Driver", "Runner",
]  # fmt: skip


def family_names():
    return [stem + ending for stem in FAMILY_STEMS for ending in FAMILY_ENDINGS]


def names(people):
    """`people` distinct names, non-ASCII ones among them."""
    names = [f"{given} {family}" for family in family_names() for given in GIVEN]
    if people > len(names):
        names += [f"{n} {i}" for i, n in enumerate(names[: people - len(names)])]
    return names[:people]


def csv_bytes(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "team", "person", "role"])
    writer.writerows(rows)
    return out.getvalue().encode()


def generate(people):
    """The varied file: every person in CREDITS_PER_PERSON places, the first few as leads."""
    sections = [f"Séction {number + 1}: contributions" for number in range(SECTIONS)]
    teams = [f"Téam {number + 1}" for number in range(TEAMS_PER_SECTION)]
    rows = []
    for index, name in enumerate(names(people)):
        for credit in range(CREDITS_PER_PERSON):
            place = (index * 7 + credit * 13) % (SECTIONS * TEAMS_PER_SECTION)
            section, team = divmod(place, TEAMS_PER_SECTION)
            if index < LEADS and credit == 0:
                rows.append([sections[section], "", name, f"Lead, {teams[team]}"])
            else:
                rows.append([sections[section], teams[team], name, ""])
    return csv_bytes(rows)


def generate_film_crew(people):
    """The film-crew file: people in departments' teams, most rows with a job title."""
    places = [(section, team) for section, teams in DEPARTMENTS.items() for team in teams]
    rows = []
    for index, name in enumerate(names(people)):
        for credit in range(CREDITS_PER_PERSON):
            section, team = places[(index * 7 + credit * 13) % len(places)]
            number = index * CREDITS_PER_PERSON + credit
            title = CREW_TITLES[(index + credit * 3) % len(CREW_TITLES)]
            if number * 31 % 100 < LEAD_LINE_PERCENT:
                rows.append([section, "", name, f"Head of {team}"])
            elif number * TITLED_PERCENT % 100 < TITLED_PERCENT:
                rows.append([section, team, name, title])
            else:
                rows.append([section, team, name, ""])
    return csv_bytes(rows)


def generate_similar_names(rows):
    """One credit each for `rows` new people whose names differ by a number only."""
    return csv_bytes(
        ["Bulk contributions", f"Team {number % 10}", f"Bulk Person {number:07}", ""]
        for number in range(1, rows + 1)
    )


def double_barrelled_names(people):
    """`people` distinct names "Given Family-Family", non-ASCII ones among them."""
    families = family_names()
    found = []
    for number in range(people):
        rest, given = divmod(number, len(GIVEN))
        second, first = divmod(rest, len(families))
        family = f"{families[first]}-{families[(first + 7 * second + 1) % len(families)]}"
        found.append(f"{GIVEN[given]} {family}")
    return found


def generate_varied_names(rows):
    """One credit each for `rows` new people with varied names, in the similar file's places."""
    return csv_bytes(
        ["Bulk contributions", f"Team {number % 10}", name, ""]
        for number, name in enumerate(double_barrelled_names(rows), start=1)
    )


def empty_database():
    """Remove every credit, person and history row; a new project to import into."""
    from django.apps import apps
    from django.db import connection

    from people.models import Project

    tables = [model._meta.db_table for model in apps.get_app_config("people").get_models()]
    tables.append("django_admin_log")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return Project.objects.create(title="Bench credits", slug="bench")


def plain_resource_import(data):
    """A ModelResource as a typical project writes it: lookups and saves, row by row."""
    import tablib
    from django.utils.text import slugify
    from import_export import fields, resources, widgets

    from people.models import Credit, Person, Project, Section, Team

    project = Project.objects.get(slug="bench")

    class PlainCreditResource(resources.ModelResource):
        person = fields.Field("person", "person_id", widgets.ForeignKeyWidget(Person))
        section = fields.Field("section", "section_id", widgets.ForeignKeyWidget(Section))
        team = fields.Field("team", "team_id", widgets.ForeignKeyWidget(Team))
        title = fields.Field("title", "role")

        class Meta:
            model = Credit
            fields = ("person", "section", "team", "title")
            import_id_fields = ("person", "section", "team", "title")
            skip_unchanged = True

        def before_import_row(self, row, **kwargs):
            section, _ = Section.objects.get_or_create(project=project, title=row["section"])
            person = Person.objects.filter(name=row["person"]).first()
            if person is None:
                person = Person.objects.create(
                    name=row["person"], slug=f"{slugify(row['person'])}-{Person.objects.count()}"
                )
            row["person_id"] = person.pk
            if row["team"] or not row["role"]:
                team, _ = Team.objects.get_or_create(section=section, name=row["team"])
                row["team_id"], row["section_id"] = team.pk, None
            else:
                row["team_id"], row["section_id"] = None, section.pk

    dataset = tablib.Dataset().load(data.decode(), format="csv")
    dataset.headers = ["section", "team", "person", "role"]
    for column in ("person_id", "section_id", "team_id"):
        dataset.append_col([None] * len(dataset), header=column)
    started = time.perf_counter()
    result = PlainCreditResource().import_data(dataset, dry_run=False, use_transactions=True)
    seconds = time.perf_counter() - started
    assert not result.has_errors() and not result.has_validation_errors(), result.base_errors
    return seconds


def bulk_create_import(data):
    """The lower bound: read the rows and bulk_create them, no matching, no history."""
    from django.db import transaction
    from django.utils.text import slugify

    from people.models import Credit, Person, Project, Section, Team
    from people.sorting import sort_key

    started = time.perf_counter()
    project = Project.objects.get(slug="bench")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    with transaction.atomic():
        sections, teams, people = {}, {}, {}
        for row in rows:
            sections.setdefault(row["section"], Section(project=project, title=row["section"]))
            people.setdefault(
                row["person"],
                Person(
                    name=row["person"],
                    slug=slugify(row["person"]) + f"-{len(people)}",
                    sort_key=sort_key(row["person"]),
                ),
            )
        Section.objects.bulk_create(sections.values())
        Person.objects.bulk_create(people.values(), batch_size=1000)
        for row in rows:
            if row["team"] or not row["role"]:
                key = (row["section"], row["team"])
                teams.setdefault(key, Team(section=sections[row["section"]], name=row["team"]))
        Team.objects.bulk_create(teams.values())
        roles = []
        for row in rows:
            is_lead = row["role"] and not row["team"]
            roles.append(
                Credit(
                    person=people[row["person"]],
                    section=sections[row["section"]] if is_lead else None,
                    team=None if is_lead else teams[(row["section"], row["team"])],
                    title=row["role"],
                )
            )
        Credit.objects.bulk_create(roles, batch_size=1000)
    return time.perf_counter() - started


def child_import(path, sync=False):
    """Run in a child process: the command-line import, timed, with its peak memory."""
    from django.core.management import call_command
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    baseline = peak_memory_kb()
    out = io.StringIO()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        options = ["--sync", "--yes", "--allow-mass-removal"] if sync else []
        call_command("import_credits", path, "--project", "bench", *options, stdout=out)
    seconds = time.perf_counter() - started
    peak = peak_memory_kb()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "baseline_kb": baseline,
                "peak_kb": peak,
                "queries": queries,
                "summary": out.getvalue().strip().splitlines()[-1],
            }
        )
    )


def peak_memory_kb():
    """This process's peak resident memory: VmHWM on Linux, else ru_maxrss.

    ru_maxrss of a child can start at its parent's peak (it survives exec on Linux);
    VmHWM belongs to the new program's memory only.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(path, sync=False):
    completed = subprocess.run(
        [sys.executable, __file__, "--child", str(path), *(["--sync"] if sync else [])],
        env=os.environ,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        sys.exit(f"The import failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def counts():
    from django.apps import apps

    return {
        model._meta.object_name: model.objects.count()
        for model in apps.get_app_config("people").get_models()
        if model.objects.exists()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50000, help="credits in the file")
    parser.add_argument(
        "--similar-rows",
        type=int,
        default=50000,
        help="new people with similar names in that file (the look-alike check is quadratic)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure, best kept")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sync", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("CREDITS_SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("CREDITS_HTTPS", "0")
    os.environ.setdefault("CREDITS_LOG_LEVEL", "WARNING")
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if args.child:
        database.setup_django(url, migrate=False)
        child_import(args.child, sync=args.sync)
        return

    # Each run starts on a new database.
    database.drop_database(url)
    database.setup_django(url)
    try:
        passed = report(args.rows, args.similar_rows, args.repeat)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            database.drop_database(url)
    if not passed:
        sys.exit(1)


def report(rows, similar_rows, repeat):
    """Measure every shape, print the figures and the targets; whether all targets pass."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        varied = report_varied(rows, folder, repeat)
        film_crew = report_shape(
            f"film crew: {rows:,} credits ({rows // CREDITS_PER_PERSON:,} people, "
            f"{sum(map(len, DEPARTMENTS.values()))} teams, {len(DEPARTMENTS)} sections, "
            f"{TITLED_PERCENT}% of the rows with a title)",
            generate_film_crew(rows // CREDITS_PER_PERSON),
            rows,
            folder,
            repeat,
        )
        similar = report_shape(
            f"similar names: {similar_rows:,} new people named "
            f'"Bulk Person 0000001"…, one credit each',
            generate_similar_names(similar_rows),
            similar_rows,
            folder,
            repeat,
        )
        varied_names = report_shape(
            f"varied names: {similar_rows:,} new people with varied names, one credit each",
            generate_varied_names(similar_rows),
            similar_rows,
            folder,
            repeat,
        )
    print()
    print(f"ours / plain ModelResource (varied):     {varied['ours'] / varied['plain']:6.1f}x")
    shapes = [
        ("varied", varied),
        ("film crew", film_crew),
        ("similar names", similar),
        ("varied names", varied_names),
    ]
    for label, shape in shapes:
        print(f"ours / bulk_create ({label + '):':15}{shape['ours'] / shape['bulk']:11.2f}x")
    print(f"re-import / first import (varied):       {varied['again'] / varied['ours']:6.2f}x")
    print(f"sync removal / first import (varied):    {varied['removal'] / varied['ours']:6.2f}x")
    similar_to_varied = similar["ours"] / varied_names["ours"]
    print(f"similar names / varied names, ours:      {similar_to_varied:6.2f}x")
    # The varied file has five credits per person: a fifth of the people to write.
    print(f"similar names / varied file, ours:       {similar['ours'] / varied['ours']:6.2f}x")
    targets = [
        ("ours at least 50x the plain ModelResource", varied["ours"] >= 50 * varied["plain"]),
        ("ours at least 0.8x bulk_create (varied)", varied["ours"] >= 0.8 * varied["bulk"]),
        (
            "ours at least 0.8x bulk_create (film crew)",
            film_crew["ours"] >= 0.8 * film_crew["bulk"],
        ),
        ("re-import at least as fast as the first import", varied["again"] >= varied["ours"]),
        (
            "a sync removes credits at least as fast as it adds them",
            varied["removal"] >= varied["ours"],
        ),
        (
            "similar names import at least as fast as varied ones (as many new people)",
            similar["ours"] >= varied_names["ours"],
        ),
        ("peak memory under 250 MB", varied["peak_mb"] < 250),
    ]
    for label, passed in targets:
        print(f"{'PASS' if passed else 'FAIL'}  {label}")
    return all(passed for _label, passed in targets)


def report_varied(rows, folder, repeat):
    """The varied file: every way of importing it, a re-import and a sync that removes it."""
    data = generate(rows // CREDITS_PER_PERSON)
    lines = data.decode().splitlines(keepends=True)
    plain_data = "".join(lines[: PLAIN_ROWS + 1]).encode()
    print(
        f"PostgreSQL, varied: {rows:,} credits ({rows // CREDITS_PER_PERSON:,} people, "
        f"{SECTIONS * TEAMS_PER_SECTION} teams, {SECTIONS} sections), file {len(data) / 1e6:.1f} MB"
    )

    empty_database()
    plain_seconds = plain_resource_import(plain_data)
    plain_rate = PLAIN_ROWS / plain_seconds
    print(f"plain ModelResource, row by row ({PLAIN_ROWS:,} rows): {plain_rate:10,.0f} rows/s")

    bulk_rate = rows / best_bulk_create(data, repeat)
    print(f"hand-written bulk_create:                {bulk_rate:10,.0f} rows/s")

    path = folder / "varied.csv"
    path.write_bytes(data)
    kept = folder / "kept.csv"
    kept.write_bytes(csv_bytes([["Kept section", "", "Kept Person", "Lead"]]))
    runs = []
    for _run in range(repeat):
        empty_database()
        first = run_child(path)
        after_first = counts()
        again = run_child(path)
        after_again = counts()
        removal = run_child(kept, sync=True)
        after_removal = counts()
        assert after_first["Credit"] == rows and after_first["HistoricalCredit"] == rows, (
            after_first
        )
        assert after_again == after_first, (after_first, after_again)
        assert after_removal["Credit"] == 1, after_removal
        assert after_removal["HistoricalCredit"] == 2 * rows + 1, after_removal
        runs.append((first, again, removal))
    first, again, removal = (min(measures, key=seconds) for measures in zip(*runs, strict=True))
    first_rate = rows / first["seconds"]
    again_rate = rows / again["seconds"]
    removal_rate = rows / removal["seconds"]
    print(
        f"import_credits (our engine):             {first_rate:10,.0f} rows/s "
        f"({first['seconds']:.2f} s, {first['queries']} queries)"
    )
    print(
        f"import_credits again, nothing changes:   {again_rate:10,.0f} rows/s "
        f"({again['seconds']:.2f} s, {again['queries']} queries)"
    )
    print(
        f"sync removing the {rows:,} credits:      {removal_rate:10,.0f} rows/s "
        f"({removal['seconds']:.2f} s, {removal['queries']} queries)"
    )
    print(f"  {first['summary']}")
    print(f"  {again['summary']}")
    print(f"  {removal['summary']}")

    peak_mb = max(run[0]["peak_kb"] for run in runs) / 1024
    baseline_mb = first["baseline_kb"] / 1024
    print(
        f"peak resident memory of the importing process (VmHWM): {peak_mb:.0f} MB "
        f"({baseline_mb:.0f} MB after Django start-up, before the import)"
    )
    return {
        "plain": plain_rate,
        "bulk": bulk_rate,
        "ours": first_rate,
        "again": again_rate,
        "removal": removal_rate,
        "peak_mb": peak_mb,
    }


def report_shape(title, data, rows, folder, repeat):
    """bulk_create and import_credits of one file, each on an emptied database."""
    print()
    print(f"PostgreSQL, {title}, file {len(data) / 1e6:.1f} MB")
    bulk_rate = rows / best_bulk_create(data, repeat)
    print(f"hand-written bulk_create:                {bulk_rate:10,.0f} rows/s")
    path = folder / "shape.csv"
    path.write_bytes(data)
    runs = []
    for _run in range(repeat):
        empty_database()
        runs.append(run_child(path))
        assert counts()["Credit"] == rows
    ours = min(runs, key=seconds)
    ours_rate = rows / ours["seconds"]
    print(
        f"import_credits (our engine):             {ours_rate:10,.0f} rows/s "
        f"({ours['seconds']:.2f} s, {ours['queries']} queries)"
    )
    print(f"  {ours['summary']}")
    return {"bulk": bulk_rate, "ours": ours_rate}


def best_bulk_create(data, repeat):
    """The fastest of `repeat` bulk_create imports of `data`, each on an emptied database."""
    times = []
    for _run in range(repeat):
        empty_database()
        times.append(bulk_create_import(data))
    return min(times)


def seconds(measure):
    return measure["seconds"]


if __name__ == "__main__":
    main()
