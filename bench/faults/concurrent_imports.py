"""Two imports at the same time: no duplicate people, teams or credits.

    .venv/bin/python bench/faults/concurrent_imports.py [--people 2000]

In the database credits_bench_concurrent, starts two `manage.py import_credits`
at the same moment with overlapping files (half of each file's new people, and
one team, are in the other file too):
1. both into the same project: the second must wait for the first (the project
   row is locked) or fail with a clear message;
2. into two different projects, which do not lock each other.
After each, it counts people with the same name, teams with the same name in a
section and identical credits.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness  # noqa: E402

DATABASE = "credits_bench_concurrent"
DUPLICATES = {
    "people with the same name": (
        "SELECT count(*) FROM (SELECT name FROM people_person GROUP BY name HAVING count(*) > 1) d"
    ),
    "teams with the same name in a section": (
        "SELECT count(*) FROM (SELECT section_id, name FROM people_team "
        "GROUP BY section_id, name HAVING count(*) > 1) d"
    ),
    "identical credits": (
        "SELECT count(*) FROM (SELECT person_id, team_id, section_id, title FROM people_credit "
        "GROUP BY person_id, team_id, section_id, title HAVING count(*) > 1) d"
    ),
}


def files(folder, people, tag):
    half = people // 2
    first = [("Research", "Shared team", f"{tag} Person {n}", "") for n in range(people)]
    second = [
        ("Research", "Shared team" if n < people else "Second team", f"{tag} Person {n}", "")
        for n in range(half, half + people)
    ]
    paths = []
    for name, rows in [("first", first), ("second", second)]:
        path = Path(folder) / f"{tag}-{name}.csv"
        path.write_bytes(harness.credits_csv(rows))
        paths.append(path)
    return paths


def run_together(env, jobs):
    """Start every (file, project) import at once; return (exit, seconds, output) of each."""
    started = time.monotonic()
    children = [
        subprocess.Popen(
            [harness.PYTHON, "manage.py", "import_credits", str(path), "--project", project],
            cwd=harness.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for path, project in jobs
    ]
    results = []
    for child in children:
        output = child.communicate()[0]
        results.append((child.returncode, time.monotonic() - started, output.strip()))
    return results


def duplicates(database_url):
    import psycopg

    with psycopg.connect(database_url) as connection:
        return {label: connection.execute(sql).fetchone()[0] for label, sql in DUPLICATES.items()}


def report(title, results, found):
    print(title)
    for number, (status, seconds, output) in enumerate(results, 1):
        last = output.splitlines()[-1] if output else ""
        print(f"  import {number}: exit {status} after {seconds:.1f} s: {last}")
    for label, count in found.items():
        print(f"  {label}: {count}")
    return all(count == 0 for count in found.values()) and all(
        status == 0 or "nothing was imported" in output for status, _, output in results
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    args = parser.parse_args()

    url = harness.recreate_database(DATABASE)
    env = harness.site_env(url)
    harness.manage(env, "migrate", "--no-input")
    harness.manage(env, "load_gpt4v")
    for slug in ["shared", "other"]:
        harness.manage(env, "create_project", slug, "--title", slug.title())
    folder = tempfile.mkdtemp(prefix="credits-bench-concurrent-")

    same = files(folder, args.people, "Same")
    results = run_together(env, [(same[0], "shared"), (same[1], "shared")])
    same_ok = report("1. two imports into the same project at once", results, duplicates(url))
    apart = files(folder, args.people, "Apart")
    results = run_together(env, [(apart[0], "shared"), (apart[1], "other")])
    apart_ok = report(
        "2. two imports into different projects at once, sharing new people",
        results,
        duplicates(url),
    )
    print("PASS" if same_ok and apart_ok else "FAIL")
    return 0 if same_ok and apart_ok else 1


if __name__ == "__main__":
    sys.exit(main())
