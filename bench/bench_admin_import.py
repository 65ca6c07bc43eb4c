"""Times the admin's credits import, preview and confirm, at 1, 5 and 10 MB (the largest upload).

Each file has about 20,000 rows per MB: varied names, 6 sections, 60 teams, a title
on most rows. For each size this prints the seconds of the preview request (upload,
read, plan, page), of the confirm request and, when the confirm queued the import
(CREDITS_IMPORT_BACKGROUND_ROWS rows or more), of the background task that writes it,
into an empty project, through Django's test client with production settings.
A request should end well inside gunicorn's 30 s worker timeout; set
CREDITS_IMPORT_BACKGROUND_ROWS=1000000 to time the confirm written in its request.

Run from the project root: `.venv/bin/python bench/bench_admin_import.py [MB ...]`.
It uses its own database, DATABASE_URL (default: the PostgreSQL database
credits_bench_admin_import, created if missing), and empties it first.
"""

import os
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import database  # noqa: E402

os.environ.setdefault("CREDITS_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("CREDITS_HTTPS", "0")
os.environ.setdefault("CREDITS_ALLOWED_HOSTS", "testserver")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/credits_bench_admin_import"

SIZES_MB = [1, 5, 10]
SYLLABLES = "ka lo mi ren su ta vel win xo yu zan bri cor dun el fa gio hal ish jo".split()
TITLES = ["Lead", "Core contributor", "Evaluation", "Data", "Infrastructure", ""]


def word(rng, syllables):
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def credits_csv(megabytes, seed=1):
    """About `megabytes` MB of credits rows: varied names in 6 sections of 10 teams each."""
    rng = random.Random(seed)
    lines = ["section,team,person,role"]
    size = len(lines[0]) + 1
    while size < megabytes * 1_000_000:
        section = f"Section {rng.randrange(6)}"
        team = f"Team {section[-1]}{rng.randrange(10)}"
        name = f"{word(rng, 2)} {word(rng, 3)} {word(rng, 2)}"
        line = f"{section},{team},{name},{rng.choice(TITLES)}"
        lines.append(line)
        size += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


def time_import(client, project, data):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    started = time.perf_counter()
    preview = client.post(
        reverse("admin:people_credit_import"),
        {
            "project": project.pk,
            "mode": "add",
            "format": "0",
            "import_file": SimpleUploadedFile("big.csv", data, content_type="text/csv"),
        },
    )
    preview_seconds = time.perf_counter() - started
    assert preview.status_code == 200, preview.status_code
    form = preview.context["confirm_form"]
    fields = {name: form.initial.get(name, "") for name in form.fields}
    started = time.perf_counter()
    confirmed = client.post(reverse("admin:people_credit_process_import"), fields)
    confirm_seconds = time.perf_counter() - started
    assert confirmed.status_code == 302, confirmed.status_code
    return preview_seconds, confirm_seconds, confirmed["Location"]


def main():
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from people.import_tasks import run_import_job
    from people.models import Credit, ImportJob, Project

    sizes = [int(size) for size in sys.argv[1:]] or SIZES_MB
    print(f"{'MB':>4} {'rows':>8} {'preview s':>10} {'confirm s':>10} {'task s':>7} {'credits':>8}")
    for megabytes in sizes:
        call_command("flush", interactive=False, verbosity=0)
        admin = User.objects.create_superuser("bench", "bench@example.org", "-")
        project = Project.objects.create(title="Big", slug="big")
        client = Client()
        client.force_login(admin)
        data = credits_csv(megabytes)
        rows = data.count(b"\n") - 1
        preview_s, confirm_s, location = time_import(client, project, data)
        job = ImportJob.objects.filter(project=project).first()
        task = "-"
        if job is not None:
            started = time.perf_counter()
            run_import_job.call(str(job.pk))
            task = f"{time.perf_counter() - started:.1f}"
            job.refresh_from_db()
            assert not job.error, job.error
        written = Credit.objects.filter(team__section__project=project).count()
        print(
            f"{len(data) / 1e6:4.1f} {rows:>8,} {preview_s:>10.1f} {confirm_s:>10.1f} "
            f"{task:>7} {written:>8,}",
            flush=True,
        )


def setup_django():
    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment

    database.setup_django(DEFAULT_URL)
    # The test client keeps a response's context (the confirm form) only in a test environment.
    setup_test_environment()
    # No collectstatic here: link the plain static files instead of the manifest's.
    storage = "django.contrib.staticfiles.storage.StaticFilesStorage"
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": storage}}).enable()


if __name__ == "__main__":
    setup_django()
    main()
