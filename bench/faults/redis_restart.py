"""Redis stopped and restarted under load: writes succeed while it is down, and no
page cached before the outage is served after it.

    .venv/bin/python bench/faults/redis_restart.py [--seconds 30] [--stop-after 8] [--down 8]

Starts a redis-server of its own on a spare port (never the shared one), keeping
its keys on disk as a Redis with snapshots does; serves credits_bench_redis (the
GPT-4V fixture) under gunicorn with that Redis as the page cache; and reads the
project page and a person page from 8 threads, so that both are cached. After
--stop-after seconds Redis saves its keys and stops. While it is down,
`manage.py import_credits` adds a section with a credit for that person and
`manage.py publish` publishes it, which must succeed. After --down seconds Redis
starts again and loads the keys of before the outage: the old generations and the
old pages. Every page read after the publication must show the new section; one
without it is a stale page.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness  # noqa: E402

DATABASE = "credits_bench_redis"
PROJECT = "gpt-4v"
NEW_SECTION = "Outage check"
# A read finishing this long after the import may have started before its commit.
GRACE = 1.0


class Redis:
    """A redis-server on `port` that keeps its keys in `folder` across a stop and a start."""

    def __init__(self, port, folder):
        self.port, self.folder, self.process = port, folder, None

    def start(self):
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        """Save every key to disk, then stop, as `redis-cli shutdown save` does."""
        self.client.shutdown(save=True)
        self.process.wait(timeout=30)

    def terminate(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def shows_new_section(body):
    return NEW_SECTION in body


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--stop-after", type=float, default=8)
    parser.add_argument("--down", type=float, default=8)
    args = parser.parse_args()

    redis_server = Redis(harness.free_port(), Path(tempfile.mkdtemp(prefix="credits-redis-")))
    redis_server.start()
    url = harness.recreate_database(DATABASE)
    env = harness.site_env(url, redis=False)
    env.update(REDIS_URL=f"redis://127.0.0.1:{redis_server.port}/0")
    env["CREDITS_CACHE_PREFIX"] = "bench-redis-restart"
    harness.manage(env, "migrate", "--no-input")
    harness.manage(env, "load_gpt4v")
    harness.collect_static(env)
    csv = Path(redis_server.folder) / "outage.csv"
    csv.write_bytes(harness.credits_csv([(NEW_SECTION, "", "Łukasz Kondraciuk", "Outage lead")]))

    try:
        with harness.gunicorn(env) as server:
            pages = [f"{server.url}/credits/{PROJECT}/", f"{server.url}/people/lukasz-kondraciuk/"]
            for page in pages:
                harness.fetch(page)
            with harness.Readers(pages, threads=8, check=shows_new_section) as readers:
                time.sleep(args.stop_after)
                cached_keys = redis_server.client.dbsize()
                stopping = time.monotonic() - readers.started
                redis_server.stop()
                stopped = time.monotonic() - readers.started
                started = time.monotonic()
                result = harness.manage(
                    env, "import_credits", str(csv), "--project", PROJECT, check=False
                )
                if result.returncode == 0:
                    result = harness.manage(env, "publish", PROJECT, check=False)
                imported = time.monotonic() - readers.started
                import_seconds = time.monotonic() - started
                time.sleep(max(args.down - (imported - stopped), 2 * GRACE))
                redis_server.start()
                back = time.monotonic() - readers.started
                loaded_keys = redis_server.client.dbsize()
                time.sleep(max(args.seconds - back, 5))
    finally:
        redis_server.terminate()

    records = readers.records
    failures = readers.failures()
    while_down = [r for r in records if stopped < r[0] < back]
    stale_down = [r for r in while_down if r[0] > imported + GRACE and not r[3]]
    after_back = [r for r in records if r[0] > back and r[2] == 200]
    stale_back = sum(not r[3] for r in after_back)
    print(
        f"8 readers for {records[-1][0]:.0f} s of {PROJECT}'s page and a person page under "
        f"gunicorn with a Redis page cache of its own ({cached_keys} keys); Redis saved its keys "
        f"and stopped from {stopping:.1f} s to {stopped:.1f} s, started again at {back:.1f} s "
        f"with {loaded_keys} keys"
    )
    last_line = (result.stdout.strip().splitlines() or [""])[-1]
    print(
        f"  import_credits and publish while Redis was down: exit status {result.returncode} in "
        f"{import_seconds:.1f} s, done at {imported:.1f} s ({last_line})"
    )
    if result.returncode != 0:
        print("  " + (result.stderr.strip().splitlines() or [""])[-1])
    print(f"  requests: {len(records)}, failed: {len(failures)}")
    print(
        f"  reads while Redis was down: {len(while_down)}, failed: "
        f"{sum(r[2] != 200 for r in while_down)}, stale ({GRACE:.0f} s after the import): "
        f"{len(stale_down)}"
    )
    print(f"  reads after Redis came back: {len(after_back)}, stale: {stale_back}")
    ok = result.returncode == 0 and not failures and after_back and not stale_down
    ok = ok and not stale_back
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
