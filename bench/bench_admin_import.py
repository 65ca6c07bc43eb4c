"""Times the admin's credits import, preview and confirm, at 1, 5 and 10 MB (the largest upload).

Each file has about 20,000 rows per MB: varied names, 6 sections, 60 teams, a title
on most rows. For each size this prints, through Django's test client with production
settings and into an empty project:

- the longest request of the preview: the upload and, when the file is large
  (CREDITS_IMPORT_BACKGROUND_ROWS rows or more), the preview's page while it waits and
  once it is ready;
- the seconds of the background task that prepares a large file's preview, and the
  seconds until the preview is readable (upload, task, page; a worker adds its polling
  and the page its refresh of 2 s at most);
- the seconds of the confirm request and of the background task that writes the import.

A request should end well inside gunicorn's 30 s worker timeout; set
CREDITS_IMPORT_BACKGROUND_ROWS=1000000 to time the preview and confirm of every size in
their requests.

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


def timed(request, *args, **kwargs):
    """(response, seconds) of a request of the test client."""
    started = time.perf_counter()
    response = request(*args, **kwargs)
    return response, time.perf_counter() - started


def time_preview(client, project, data):
    """The preview: (its page, longest request s, preview task s or None, s until readable)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from people.import_tasks import prepare_import_preview
    from people.models import ImportPreview

    started = time.perf_counter()
    upload = SimpleUploadedFile("big.csv", data, content_type="text/csv")
    fields = {"project": project.pk, "mode": "add", "format": "0", "import_file": upload}
    page, longest = timed(client.post, reverse("admin:people_credit_import"), fields)
    task_seconds = None
    if page.status_code == 302:
        waiting, seconds = timed(client.get, page["Location"])
        assert waiting.status_code == 200, waiting.status_code
        longest = max(longest, seconds)
        preview = ImportPreview.objects.get(project=project)
        _done, task_seconds = timed(prepare_import_preview.call, str(preview.pk))
        page, seconds = timed(client.get, page["Location"])
        longest = max(longest, seconds)
    assert page.status_code == 200, page.status_code
    assert page.context["confirm_form"] is not None, page.context.get("credits_errors")
    return page, longest, task_seconds, time.perf_counter() - started


def time_confirm(client, page):
    """The confirm: (its request s, the import task s or None)."""
    from django.urls import reverse

    from people.import_tasks import run_import_job
    from people.models import ImportJob

    form = page.context["confirm_form"]
    fields = {name: form.initial.get(name, "") for name in form.fields}
    confirmed, seconds = timed(client.post, reverse("admin:people_credit_process_import"), fields)
    assert confirmed.status_code == 302, confirmed.status_code
    job = ImportJob.objects.first()
    if job is None:
        return seconds, None
    _done, task_seconds = timed(run_import_job.call, str(job.pk))
    job.refresh_from_db()
    assert not job.error, job.error
    return seconds, task_seconds


def main():
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from people.models import Credit, Project

    sizes = [int(size) for size in sys.argv[1:]] or SIZES_MB
    print(
        f"{'':13} {'preview':>33} {'confirm':>20}\n"
        f"{'MB':>4} {'rows':>8} {'longest request':>16} {'task':>6} {'readable':>9} "
        f"{'request':>8} {'task':>6} {'credits':>9}  (seconds)"
    )
    for megabytes in sizes:
        call_command("flush", interactive=False, verbosity=0)
        admin = User.objects.create_superuser("bench", "bench@example.org", "-")
        project = Project.objects.create(title="Big", slug="big")
        client = Client()
        client.force_login(admin)
        data = credits_csv(megabytes)
        rows = data.count(b"\n") - 1
        page, longest, preview_task, readable = time_preview(client, project, data)
        confirm_seconds, import_task = time_confirm(client, page)
        written = Credit.objects.filter(team__section__project=project).count()
        print(
            f"{len(data) / 1e6:4.1f} {rows:>8,} {longest:>16.1f} {seconds(preview_task):>6} "
            f"{readable:>9.1f} {confirm_seconds:>8.1f} {seconds(import_task):>6} {written:>9,}",
            flush=True,
        )


def seconds(value):
    return "-" if value is None else f"{value:.1f}"


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
