"""Imports while readers read: no reader sees a half-imported page, no request fails.

    .venv/bin/python bench/faults/import_while_reading.py [--imports 5] [--people 400]

Serves the GPT-4V page under gunicorn (production settings, Redis when it
answers) from the database credits_bench_faults, reads it from 8 threads, and
meanwhile runs `manage.py import_credits` --imports times, each adding --people
new people in a new team, and publishes each import (`manage.py publish`). Every
page read must show the number of names of the page before or after one of the
imports, never one in between.
"""

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness  # noqa: E402

DATABASE = "credits_bench_faults"
PROJECT = "gpt-4v"


def count_names(body):
    return body.count('class="person"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imports", type=int, default=5)
    parser.add_argument("--people", type=int, default=400)
    args = parser.parse_args()

    url = harness.recreate_database(DATABASE)
    env = harness.site_env(url)
    harness.manage(env, "migrate", "--no-input")
    harness.manage(env, "load_gpt4v")
    folder = Path(tempfile.mkdtemp(prefix="credits-bench-import-"))
    harness.collect_static(env)
    files = []
    for number in range(args.imports):
        rows = [
            ("Imported contributions", f"Batch {number}", f"Reader Check {number}-{person}", "")
            for person in range(args.people)
        ]
        path = folder / f"import-{number}.csv"
        path.write_bytes(harness.credits_csv(rows))
        files.append(path)

    with harness.gunicorn(env) as server:
        page = f"{server.url}/credits/{PROJECT}/"
        status, body = harness.fetch(page)
        assert status == 200, status
        before = count_names(body)
        allowed = {before + number * args.people for number in range(args.imports + 1)}
        durations = []
        with harness.Readers([page], threads=8, check=count_names) as readers:
            time.sleep(2)
            for path in files:
                started = time.monotonic()
                result = harness.manage(
                    env, "import_credits", str(path), "--project", PROJECT, check=False
                )
                durations.append(time.monotonic() - started)
                if result.returncode != 0:
                    sys.exit(f"import of {path.name} failed:\n{result.stdout}{result.stderr}")
                harness.manage(env, "publish", PROJECT)
                time.sleep(1)
            time.sleep(2)
        status, body = harness.fetch(page)

    seen = Counter(record[3] for record in readers.records if record[2] == 200)
    half = {names: times for names, times in seen.items() if names not in allowed}
    failures = readers.failures()
    print(
        f"{args.imports} imports of {args.people} new people each into {PROJECT} while 8 "
        f"readers read its page under gunicorn ({'Redis' if 'REDIS_URL' in env else 'local memory'}"
        " page cache)"
    )
    print(f"  imports (before being published) took {', '.join(f'{d:.1f} s' for d in durations)}")
    print(f"  page reads: {len(readers.records)}, failed: {len(failures)}")
    print(f"  names on the page: before {before}, after {count_names(body)}")
    print(f"  reads by number of names: {dict(sorted(seen.items()))}")
    print(f"  reads showing a half-imported page: {sum(half.values())}")
    ok = not half and not failures and count_names(body) == max(allowed)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
