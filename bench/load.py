"""Load: the site under gunicorn + PostgreSQL, read by wrk. Run by hand; prints figures.

    .venv/bin/python bench/load.py [--seconds 60] [--connections 32]

Builds the bench database credits_bench_load (the GPT-4V fixture and a synthetic
project of 2,000 people and 10,000 credits), serves it with `make serve`'s
gunicorn configuration (production settings, whitenoise, Redis when it answers at
REDIS_URL or 127.0.0.1:6379), and reads:
1. the project page and person pages of both projects in turn, for --seconds;
2. each cached project page, and a static file of the same size served by the same
   gunicorn through whitenoise, for a quarter of --seconds each.
Targets: no errors; each cached project page at least half the requests per second
of its same-size static file.
"""

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

DATABASE = "credits_bench_load"
SYNTHETIC = "synthetic"
GIVEN = ["Łukasz", "Zoë", "Renée", "José", "Ana", "Björn", "Chloé", "Dmitri", "Ewa", "Farès"]
FAMILY = ["Kondraciuk", "Mélý", "Röttger", "Nuñez", "Østergaard", "Çelik", "Smith", "de Almeida"]


def build_synthetic_project(slug, people=2000, credits=10_000, sections=6, teams=60):
    """A published project of `credits` team memberships, written with bulk_create."""
    from people.caching import invalidate_pages
    from people.models import Credit, Person, Project, Section, Team
    from people.sorting import sort_key
    from people.versions import publish

    project = Project.objects.create(title="Synthetic credits", slug=slug, citation="Bench (2026)")
    section_rows = Section.objects.bulk_create(
        Section(project=project, title=f"Section {n}", position=n) for n in range(sections)
    )
    team_rows = Team.objects.bulk_create(
        Team(section=section_rows[n % sections], name=f"Team {n}", position=n) for n in range(teams)
    )
    names = [
        f"{GIVEN[n % len(GIVEN)]} {FAMILY[n // len(GIVEN) % len(FAMILY)]} {n}"
        for n in range(people)
    ]
    person_rows = Person.objects.bulk_create(
        Person(name=name, slug=f"synthetic-{n}", sort_key=sort_key(name, ""))
        for n, name in enumerate(names)
    )
    per_person = credits // people
    Credit.objects.bulk_create(
        Credit(person=person, team=team_rows[(n * per_person + k) % teams])
        for n, person in enumerate(person_rows)
        for k in range(per_person)
    )
    invalidate_pages()
    publish(project)
    return project


def prepare(database_url):
    from django.core.management import call_command

    from people.models import Person, Project

    call_command("migrate", verbosity=0)
    call_command("load_gpt4v", verbosity=0)
    build_synthetic_project(SYNTHETIC)
    random.seed(4)
    paths = {}
    for project in Project.objects.all():
        people = list(
            Person.objects.filter(credits__team__section__project=project)
            .distinct()
            .values_list("slug", flat=True)
        )
        paths[project.slug] = {
            "project": project.get_absolute_url(),
            "people": [f"/people/{slug}/" for slug in random.sample(people, 50)],
        }
    return paths


def same_size_static_files(static_root, base_url, paths):
    """Put a copy of each project page among the static files; return their paths and sizes."""
    files = {}
    for slug, pages in paths.items():
        status, body = harness.fetch(base_url + pages["project"])
        assert status == 200, (pages["project"], status)
        # The page's own bytes, so that both responses are alike in every way but origin.
        content = body.encode()
        size = len(content)
        name = f"bench-copy-of-{slug}.html"
        (Path(static_root) / name).write_bytes(content)
        files[slug] = (f"/static/{name}", size)
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--cache",
        choices=["redis", "locmem"],
        default="redis",
        help="the page cache: Redis (shared by all workers) or each worker's memory",
    )
    args = parser.parse_args()

    database_url = harness.recreate_database(DATABASE)
    harness.setup_django(database_url)
    paths = prepare(database_url)
    env = harness.site_env(database_url, redis=args.cache == "redis")
    static_root = harness.collect_static(env)
    cache = "Redis" if "REDIS_URL" in env else "local memory (Redis did not answer)"

    # whitenoise lists the static files when it starts, so measure the page sizes
    # on a first server and read on a second one that sees the same-size files.
    with harness.gunicorn(env, workers=args.workers) as server:
        files = same_size_static_files(static_root, server.url, paths)
    with harness.gunicorn(env, workers=args.workers) as server:
        base_url = server.url
        every_path = [
            path for pages in paths.values() for path in [pages["project"], *pages["people"]]
        ]
        for path in every_path:  # fill the page cache
            status, _ = harness.fetch(base_url + path)
            assert status == 200, (path, status)

        print(
            f"gunicorn ({args.workers or 'default'} workers) + PostgreSQL, page cache in "
            f"{cache}; wrk, {args.connections} connections"
        )
        print(f"1. project page and 50 person pages of each project, {args.seconds} s:")
        mixed = harness.wrk(base_url, every_path, args.seconds, args.connections)
        harness.print_wrk("mixed", mixed)

        quarter = args.seconds // 4
        print(f"2. cached project page against a static file of the same size, {quarter} s each:")
        failures = [] if mixed["errors"] == 0 else ["errors while reading"]
        for slug, pages in paths.items():
            static_path, size = files[slug]
            page = harness.wrk(base_url, [pages["project"]], quarter, args.connections)
            static = harness.wrk(base_url, [static_path], quarter, args.connections)
            harness.print_wrk(f"{pages['project']} ({size:,} bytes)", page)
            harness.print_wrk(f"{static_path}", static)
            ratio = page["rps"] / static["rps"]
            print(f"  ratio page/static: {ratio:.2f} (target >= 0.5)")
            if ratio < 0.5:
                failures.append(f"{slug}: cached page at {ratio:.2f}x the static file")
            if page["errors"] or static["errors"]:
                failures.append(f"{slug}: errors")
    print("targets met" if not failures else f"TARGETS MISSED: {'; '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
