"""PostgreSQL restarted under load: requests fail only while it is down, then the
site recovers by itself, without restarting gunicorn.

    .venv/bin/python bench/faults/postgres_restart.py [--cluster main] [--port 5432]

Serves credits_bench_restart (the GPT-4V fixture) under gunicorn, reads from 8
threads for --seconds pages that need the database on every request (home,
search) and cached ones (the project page, person pages), restarts the cluster
with pg_ctlcluster after --restart-after seconds, and reports when requests
failed against when PostgreSQL was down. Restarting a cluster ends every other
session on it: run this where nothing else needs that cluster at the time, or
on a cluster of its own (pg_createcluster 15 faults -p 5433 --start -- --auth=trust;
then --cluster faults --port 5433). --down N stops it for N seconds instead.
"""

import argparse
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness  # noqa: E402

DATABASE = "credits_bench_restart"
# Requests may fail until the first one after PostgreSQL accepts connections again.
GRACE = 1.0


def postgres_version():
    return sorted(path.name for path in Path("/etc/postgresql").iterdir())[-1]


def pg_ctlcluster(cluster, action):
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", postgres_version(), cluster, action]
    subprocess.run(command, check=True)


def ready(port):
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], check=False
        ).returncode
        == 0
    )


class Watch:
    """Asks PostgreSQL whether it accepts connections, every 50 ms, in a thread."""

    def __init__(self, port, started):
        self.port, self.started, self.answers = port, started, []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping.is_set():
            self.answers.append((time.monotonic() - self.started, ready(self.port)))
            time.sleep(0.05)

    def stop(self):
        self.stopping.set()
        self.thread.join()

    def down_from(self, after):
        return next(t for t, accepting in self.answers if t >= after and not accepting)

    def up_after(self, after):
        down = self.down_from(after)
        return next(t for t, accepting in self.answers if t > down and accepting)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", default="main")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--restart-after", type=int, default=10)
    parser.add_argument(
        "--down",
        type=float,
        default=0,
        help="stop the cluster for this many seconds, then start it, instead of a restart",
    )
    args = parser.parse_args()
    harness.POSTGRES = f"postgres://postgres@127.0.0.1:{args.port}"

    url = harness.recreate_database(DATABASE)
    env = harness.site_env(url)
    harness.manage(env, "migrate", "--no-input")
    harness.manage(env, "load_gpt4v")
    harness.collect_static(env)
    with harness.gunicorn(env) as server:
        database_pages = [f"{server.url}/", f"{server.url}/search/?q=kondraciuk"]
        cached_pages = [
            f"{server.url}/credits/gpt-4v/",
            f"{server.url}/people/lukasz-kondraciuk/",
        ]
        for page in cached_pages:
            harness.fetch(page)
        workers_before = server.worker_pids()
        with harness.Readers(database_pages + cached_pages, threads=8) as readers:
            watch = Watch(args.port, readers.started)
            time.sleep(args.restart_after)
            restart = time.monotonic() - readers.started
            if args.down:
                pg_ctlcluster(args.cluster, "stop")
                time.sleep(args.down)
                pg_ctlcluster(args.cluster, "start")
            else:
                pg_ctlcluster(args.cluster, "restart")
            restarted = time.monotonic() - readers.started
            time.sleep(max(args.seconds - restarted, 5))
            watch.stop()
        workers_after = server.worker_pids()
    down, up = watch.down_from(restart), watch.up_after(restart)

    failures = readers.failures()
    # The shutdown ends open sessions as soon as the restart begins.
    outside = [record for record in failures if not restart <= record[0] <= up + GRACE]
    after = [record for record in readers.records if record[0] > up + GRACE]
    kinds = Counter((record[1].removeprefix(server.url), record[2]) for record in failures)
    how = f"stopped for {args.down:.0f} s and started" if args.down else "restarted"
    print(
        f"8 readers for {readers.records[-1][0]:.0f} s; cluster {args.cluster} {how} by "
        f"pg_ctlcluster from {restart:.1f} s to {restarted:.1f} s; PostgreSQL refused "
        f"connections from {down:.2f} s to {up:.2f} s (pg_isready every 50 ms)"
    )
    print(f"  requests: {len(readers.records)}, failed: {len(failures)}")
    if failures:
        print(f"  failures from {failures[0][0]:.1f} s to {max(r[0] for r in failures):.1f} s")
        print(f"  failed (path, status): {dict(kinds)}")
    print(f"  failures outside the restart (until {GRACE:.0f} s after it is up): {len(outside)}")
    print(f"  requests after recovery: {len(after)}, failed: {sum(r[2] != 200 for r in after)}")
    print(f"  gunicorn workers unchanged: {workers_before == workers_after}")
    ok = not outside and after and all(r[2] == 200 for r in after)
    ok = ok and workers_before == workers_after
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
