"""Large admin imports written by a background task, with a page that shows their progress."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from people.import_tasks import ProgressReport, run_import_job
from people.models import Credit, ImportJob, ImportUpload
from tests.spreadsheets import csv_file, database_rows, page, run_import
from tests.test_admin_import import confirm, text, upload

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ROWS = ("Safety,Evals,Ann Beta,", "Safety,Evals,Bo Chen,Lead", "Safety,,Cy Dane,Trust lead")


@pytest.fixture
def large_is_three_rows(settings):
    settings.IMPORT_BACKGROUND_ROWS = 3


def confirm_queued(client, preview, capture):
    """Confirm, running what the request queues once it commits, then follow the redirect."""
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    with capture(execute=True):
        confirmed = client.post(reverse("admin:people_credit_process_import"), data)
    assert confirmed.status_code == 302
    return client.get(confirmed["Location"], follow=True)


def test_a_large_import_is_queued_and_written_by_the_task(
    editor_client,
    make_project,
    settings,
    large_is_three_rows,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    preview = upload(editor_client, project, csv_file(*ROWS))
    before = database_rows()

    waiting = confirm_queued(editor_client, preview, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    progress_url = reverse("admin:people_credit_import_progress", args=[job.pk])
    assert waiting.request["PATH_INFO"] == progress_url
    assert "Waiting to import 3 rows…" in text(waiting)
    assert '<meta http-equiv="refresh" content="2">' in text(waiting)
    assert not Credit.objects.exists()
    assert {**database_rows(), "people.ImportJob": 0} == {**before, "people.ImportJob": 0}
    assert DBTaskResult.objects.get().status == "READY"

    run_import_job.call(str(job.pk))
    done = editor_client.get(progress_url)

    assert 'Import finished for "Example credits": 3 new credits' in text(done)
    assert 'http-equiv="refresh"' not in text(done)
    assert page(project) == [
        (
            "Safety",
            [("Cy Dane", "Trust lead")],
            [("Evals", [("Ann Beta", ""), ("Bo Chen", "Lead")])],
        )
    ]
    assert not ImportUpload.objects.exists()


def test_with_the_immediate_backend_the_progress_page_shows_it_finished(
    editor_client,
    make_project,
    settings,
    large_is_three_rows,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = IMMEDIATE_TASKS
    project = make_project()
    preview = upload(editor_client, project, csv_file(*ROWS))

    done = confirm_queued(editor_client, preview, django_capture_on_commit_callbacks)

    assert 'Import finished for "Example credits": 3 new credits' in text(done)
    assert Credit.objects.count() == 3


def test_a_small_import_is_still_written_in_the_confirm_request(
    editor_client, make_project, settings
):
    settings.TASKS = DATABASE_TASKS
    settings.IMPORT_BACKGROUND_ROWS = 4
    project = make_project()
    preview = upload(editor_client, project, csv_file(*ROWS))

    done = confirm(editor_client, preview)

    assert done.redirect_chain == [(reverse("admin:people_credit_changelist"), 302)]
    assert Credit.objects.count() == 3
    assert not ImportJob.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_the_task_refuses_a_stale_plan_and_writes_nothing(
    editor_client,
    make_project,
    settings,
    large_is_three_rows,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    preview = upload(editor_client, project, csv_file(*ROWS))
    confirm_queued(editor_client, preview, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    run_import(project, csv_file("Safety,Evals,Ann Beta,"))
    before = database_rows()

    run_import_job.call(str(job.pk))
    shown = editor_client.get(reverse("admin:people_credit_import_progress", args=[job.pk]))

    assert "Nothing was imported." in text(shown)
    assert "The credits in the database changed since the preview" in text(shown)
    assert {**database_rows(), "people.ImportUpload": 0} == {**before, "people.ImportUpload": 0}
    assert list(Credit.objects.values_list("person__name", flat=True)) == ["Ann Beta"]
    assert not ImportUpload.objects.exists()


def test_the_progress_page_needs_the_import_permission(
    editor_client,
    make_project,
    settings,
    large_is_three_rows,
    django_capture_on_commit_callbacks,
    django_user_model,
):
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    preview = upload(editor_client, project, csv_file(*ROWS))
    confirm_queued(editor_client, preview, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    staff = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    other = Client()
    other.force_login(staff)

    response = other.get(reverse("admin:people_credit_import_progress", args=[job.pk]))

    assert response.status_code == 403


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_process_writes_the_queued_import(
    editor_client, make_project, settings, large_is_three_rows
):
    if connection.vendor != "postgresql":
        pytest.skip("the worker reads the test database through its own connection")
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    preview = upload(editor_client, project, csv_file(*ROWS))
    confirm(editor_client, preview)
    job = ImportJob.objects.get()
    assert not Credit.objects.exists()
    database = connection.settings_dict
    env = {name: value for name, value in os.environ.items() if not name.startswith("CREDITS_")}
    env.update(
        CREDITS_SECRET_KEY=django_settings.SECRET_KEY,
        CREDITS_HTTPS="0",
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
    )

    worker = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
        ],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    done = editor_client.get(reverse("admin:people_credit_import_progress", args=[job.pk]))

    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert "path=people.import_tasks.run_import_job state=SUCCESSFUL" in worker.stderr
    assert 'Import finished for "Example credits": 3 new credits' in text(done)
    assert Credit.objects.count() == 3


def test_the_progress_page_counts_the_credits_written_so_far(
    editor_client,
    make_project,
    settings,
    large_is_three_rows,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    preview = upload(editor_client, project, csv_file(*ROWS))
    confirm_queued(editor_client, preview, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now())
    progress_url = reverse("admin:people_credit_import_progress", args=[job.pk])
    checking = editor_client.get(progress_url)

    ProgressReport(job)(2, 3)
    writing = editor_client.get(progress_url)

    assert "Importing… checking 3 rows against the database." in text(checking)
    assert "Importing… 2 of 3 credits written." in text(writing)
    assert '<meta http-equiv="refresh" content="2">' in text(writing)
