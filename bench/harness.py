"""What the load and fault scripts share: a bench database, gunicorn, readers, wrk.

Everything runs on this machine and only ever talks to 127.0.0.1.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

BASE_DIR = Path(__file__).resolve().parent.parent
OUT = BASE_DIR / "bench" / "out"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable():
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def site_env(database_url, redis=True, **extra):
    """Production settings on plain HTTP over the loopback, with Redis when asked and up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITS_")}
    env.update(
        DATABASE_URL=database_url,
        CREDITS_SECRET_KEY=secrets.token_urlsafe(60),
        CREDITS_HTTPS="0",
        CREDITS_ALLOWED_HOSTS="127.0.0.1",
        CREDITS_LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    if redis and redis_reachable():
        env.update(REDIS_URL=REDIS_URL, CREDITS_CACHE_PREFIX=f"bench-{uuid.uuid4().hex[:12]}")
    env.update(extra)
    return env


def setup_django(database_url):
    """Use Django in this process against the bench database, with production settings."""
    os.environ.update(site_env(database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "creditsite.settings"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def recreate_database(name):
    """Drop and create a PostgreSQL database; return its URL."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def clone_database(source, name):
    """A copy of a bench database (CREATE DATABASE ... TEMPLATE); return its URL."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [source],
        )
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return f"{POSTGRES}/{name}"


def manage(env, *args, check=True):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )


def collect_static(env):
    """collectstatic into a fresh folder that env's servers serve from; return the folder."""
    static_root = tempfile.mkdtemp(prefix="credits-bench-static-")
    env["CREDITS_STATIC_ROOT"] = static_root
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    return static_root


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server(NamedTuple):
    url: str
    pid: int

    def worker_pids(self):
        found = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.pid)], capture_output=True, text=True
        )
        return sorted(int(pid) for pid in found.stdout.split())


@contextmanager
def gunicorn(env, workers=None):
    """Serve the site under gunicorn with creditsite/gunicorn.conf.py; yield the Server."""
    port = free_port()
    env = {**env, "CREDITS_BIND": f"127.0.0.1:{port}"}
    if workers:
        env["CREDITS_WORKERS"] = str(workers)
    OUT.mkdir(exist_ok=True)
    log = open(OUT / f"gunicorn-{port}.log", "w")
    server = subprocess.Popen(
        [GUNICORN, "creditsite.wsgi", "--config", "creditsite/gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url)
        yield Server(url, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def wait_until_serving(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urlopen(f"{url}/", timeout=5).read()
            return
        except HTTPError:
            return
        except (URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start within {seconds} s")


def fetch(url, timeout=10):
    """Return (status, body) of a GET; status 0 when the connection failed."""
    try:
        with urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)


WRK_SCRIPT = """
local paths = {%(paths)s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, '
    .. '"p99_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, '
    .. '"timeout": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def wrk(base_url, paths, seconds, connections=32, threads=2):
    """Read `paths` in turn with wrk; return requests/s, p50 and p99 in ms, errors."""
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    lua = WRK_SCRIPT % {"paths": ", ".join(json.dumps(path) for path in paths)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua)
        script.flush()
        output = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_RESULT "))
    raw = json.loads(line.removeprefix("WRK_RESULT "))
    errors = {k: raw[k] for k in ["connect", "read", "write", "status", "timeout"] if raw[k]}
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "kb_per_request": raw["bytes"] / max(raw["requests"], 1) / 1024,
    }


def print_wrk(label, result):
    kinds = f" {result['error_kinds']}" if result["errors"] else ""
    print(
        f"  {label:<44} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:7.1f} ms  "
        f"p99 {result['p99_ms']:7.1f} ms  errors {result['errors']}{kinds}  "
        f"({result['requests']} requests, {result['kb_per_request']:.1f} KiB each)"
    )


class Readers:
    """Threads that GET the given URLs in turn until stopped, recording every response.

    Each record is (seconds since start, url, status, check(body)); status 0 is a
    failed connection.
    """

    def __init__(self, urls, threads=8, check=None, timeout=10):
        import threading

        self.urls, self.check, self.timeout = urls, check or (lambda body: None), timeout
        self.records, self.stopping = [], threading.Event()
        self.started = time.monotonic()
        self.threads = [
            threading.Thread(target=self.read, args=(n,), daemon=True) for n in range(threads)
        ]

    def read(self, offset):
        n = offset
        while not self.stopping.is_set():
            url = self.urls[n % len(self.urls)]
            n += 1
            status, body = fetch(url, timeout=self.timeout)
            value = self.check(body) if status == 200 else None
            self.records.append((time.monotonic() - self.started, url, status, value))
            if status != 200:
                time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def failures(self):
        return [record for record in self.records if record[2] != 200]


def table_fingerprints(database_url):
    """Row count and an md5 of the ordered rows of every table of the app."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT LIKE 'django_session%' ORDER BY tablename"
            )
        ]
        return {
            table: connection.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{table}" t'
            ).fetchone()
            for table in tables
        }


def credits_csv(rows):
    """CSV bytes in the import format from (section, team, person, role) tuples."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "team", "person", "role"])
    writer.writerows(rows)
    return out.getvalue().encode()
