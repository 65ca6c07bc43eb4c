import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

GUNICORN_CONF = Path(settings.BASE_DIR) / "creditsite/gunicorn.conf.py"


def gunicorn_workers(monkeypatch, **environ):
    monkeypatch.delenv("CREDITS_WORKERS", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))["workers"]


def test_one_worker_without_a_shared_cache(monkeypatch):
    assert gunicorn_workers(monkeypatch) == 1


def test_several_workers_share_redis(monkeypatch):
    assert gunicorn_workers(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/0") > 1


@pytest.mark.parametrize("redis_url", ["", "redis://127.0.0.1:6379/0"])
def test_the_number_of_workers_can_be_set(monkeypatch, redis_url):
    assert gunicorn_workers(monkeypatch, CREDITS_WORKERS="3", REDIS_URL=redis_url) == 3


def run_python(*args, **environ):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITS_")}
    env.update(environ, DJANGO_SETTINGS_MODULE="creditsite.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


@pytest.mark.slow
@pytest.mark.parametrize("entry_point", ["creditsite.wsgi", "creditsite.asgi"])
def test_serving_without_a_secret_key_stops_with_a_clear_message(entry_point):
    result = run_python("-c", f"import {entry_point}")

    assert result.returncode != 0
    assert result.stderr.strip().endswith(
        "CREDITS_SECRET_KEY must be set when CREDITS_DEBUG is off "
        "(set CREDITS_DEBUG=1 for local development)."
    )


@pytest.mark.slow
def test_serving_starts_with_a_secret_key():
    result = run_python("-c", "import creditsite.wsgi", CREDITS_SECRET_KEY="k" * 50)

    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_commands_that_sign_nothing_run_without_a_secret_key():
    result = run_python("manage.py", "makemigrations", "--check", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
