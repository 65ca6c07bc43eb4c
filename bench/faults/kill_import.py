"""An import killed with `kill -9` half-way leaves the database exactly as before.

    .venv/bin/python bench/faults/kill_import.py [--people 10000]

In the database credits_bench_kill (the GPT-4V fixture and a project "big"),
takes the row count and an md5 of the ordered rows of every table, starts
`manage.py import_credits` of 5 credits per person (50,000 rows by default) into
"big", kills it with SIGKILL once its progress bar says half the credits are
written, waits for PostgreSQL to end the orphaned transaction and compares every
table again. Then imports the same file to the end, to show nothing was left locked.
"""

import argparse
import os
import pty
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness  # noqa: E402
from bench.bench_import import generate  # noqa: E402

DATABASE = "credits_bench_kill"
PROGRESS = re.compile(rb"Importing credits: ([\d,]+) of ([\d,]+)")


def import_and_kill_half_way(env, path):
    """Run import_credits with a terminal for its progress bar; SIGKILL it at half."""
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        [harness.PYTHON, "manage.py", "import_credits", str(path), "--project", "big"],
        cwd=harness.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            break
        output += chunk
        progress = PROGRESS.findall(output[-200:])
        if progress:
            done, total = (int(number.replace(b",", b"")) for number in progress[-1])
            if done * 2 >= total:
                child.send_signal(signal.SIGKILL)
                child.wait()
                os.close(controller)
                return done, total
    child.wait()
    os.close(controller)
    raise RuntimeError(f"the import ended (status {child.returncode}) before half-way")


def wait_for_backends_to_end(database_url, seconds=60):
    """Wait until no other session is connected to the database; return how long it took."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as connection:
        while time.monotonic() - started < seconds:
            others = connection.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if not others:
                return time.monotonic() - started
            time.sleep(0.1)
    raise RuntimeError("the killed import's session is still there")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()

    url = harness.recreate_database(DATABASE)
    env = harness.site_env(url)
    harness.manage(env, "migrate", "--no-input")
    harness.manage(env, "load_gpt4v")
    harness.manage(env, "create_project", "big", "--title", "Big credits")
    path = Path(tempfile.mkdtemp(prefix="credits-bench-kill-")) / "big.csv"
    path.write_bytes(generate(args.people))
    before = harness.table_fingerprints(url)

    done, total = import_and_kill_half_way(env, path)
    ended_after = wait_for_backends_to_end(url)
    after = harness.table_fingerprints(url)
    changed = [table for table in before if before[table] != after.get(table)]
    rerun = harness.manage(env, "import_credits", str(path), "--project", "big", check=False)
    finished = harness.table_fingerprints(url)

    rows = sum(count for count, _ in before.values())
    print(
        f"import of {total:,} credits into 'big' killed with SIGKILL at {done:,} written; "
        f"PostgreSQL ended its session {ended_after:.1f} s later"
    )
    print(f"  tables compared: {len(before)} ({rows:,} rows before)")
    print(f"  tables that differ after the kill: {changed or 'none'}")
    print(
        f"  the same import run again: exit {rerun.returncode}, "
        f"people_credit rows {before['people_credit'][0]:,} -> {finished['people_credit'][0]:,}"
    )
    ok = not changed and rerun.returncode == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
