import runpy
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
