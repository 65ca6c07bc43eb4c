"""Large admin imports previewed and written by background tasks, with pages that wait for them."""

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

from people.import_tasks import (
    ProgressReport,
    prepare_import_preview,
    rows_at_most,
    run_import_job,
)
from people.models import Alias, Credit, ImportJob, ImportPreview, ImportUpload, Person
from people.spreadsheet.plan import ADD
from tests.spreadsheets import csv_file, database_rows, page, run_import
from tests.test_admin_import import confirm, text, upload

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ROWS = ("Safety,Evals,Ann Beta,", "Safety,Evals,Bo Chen,Lead", "Safety,,Cy Dane,Trust lead")


@pytest.fixture
def large_is_three_rows(settings):
    settings.IMPORT_BACKGROUND_ROWS = 3


def upload_large(client, project, data, capture, mode=ADD):
    """Upload a large file, prepare its preview as a worker would and open the preview's page."""
    with capture(execute=True):
        waiting = upload(client, project, data, mode)
    preview = ImportPreview.objects.get()
    assert waiting.status_code == 302
    assert waiting["Location"] == reverse("admin:people_credit_import_preview", args=[preview.pk])
    prepare_import_preview.call(str(preview.pk))
    return client.get(waiting["Location"])


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
    preview = upload_large(
        editor_client, project, csv_file(*ROWS), django_capture_on_commit_callbacks
    )
    before = database_rows()

    waiting = confirm_queued(editor_client, preview, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    progress_url = reverse("admin:people_credit_import_progress", args=[job.pk])
    assert waiting.request["PATH_INFO"] == progress_url
    assert "Waiting to import 3 rows…" in text(waiting)
    assert '<meta http-equiv="refresh" content="2">' in text(waiting)
    assert not Credit.objects.exists()
    jobs = {"people.ImportJob": 0, "people.ImportPreview": 0}
    assert {**database_rows(), **jobs} == {**before, **jobs}
    assert not ImportPreview.objects.exists()
    queued = DBTaskResult.objects.get(task_path="people.import_tasks.run_import_job")
    assert queued.status == "READY"

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
    with django_capture_on_commit_callbacks(execute=True):
        waiting = upload(editor_client, project, csv_file(*ROWS))
    preview = editor_client.get(waiting["Location"])

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
    preview = upload_large(
        editor_client, project, csv_file(*ROWS), django_capture_on_commit_callbacks
    )
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
    preview = upload_large(
        editor_client, project, csv_file(*ROWS), django_capture_on_commit_callbacks
    )
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
    waiting = upload(editor_client, project, csv_file(*ROWS))
    prepare_import_preview.call(str(ImportPreview.objects.get().pk))
    confirm(editor_client, editor_client.get(waiting["Location"]))
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
    preview = upload_large(
        editor_client, project, csv_file(*ROWS), django_capture_on_commit_callbacks
    )
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


# Previews of large files

LOOK_ALIKE_ROWS = (
    "Research,Data,Madeline Boyd,",
    "Research,Data,José Perez,",
    "Safety,,Cy Dane,Lead",
)


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (csv_file(), 0),
        (csv_file(*ROWS), 3),
        (csv_file(*ROWS).rstrip(b"\n"), 3),
        (csv_file(*ROWS).replace(b"\n", b"\r\n"), 3),
        (csv_file(*ROWS).replace(b"\n", b"\r"), 3),
        # A line end inside quotes counts: as many rows as the file has, or more.
        (csv_file('Safety,Evals,"Ann\nBeta",'), 2),
    ],
)
def test_a_files_rows_are_counted_by_its_line_ends_before_it_is_read(data, rows):
    assert rows_at_most(data) == rows


def preview_section(response):
    """What the preview page shows from its confirmation to its end, spaces collapsed."""
    page_text = " ".join(text(response).split())
    return page_text[page_text.index("<p>Importing") : page_text.index("<!-- END Content -->")]


def test_a_large_file_is_previewed_in_the_background_as_a_small_one_is_at_once(
    editor_client, make_project, make_person, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    make_person("Madeleine Boyd")
    make_person("José Pérez")
    data = csv_file(*LOOK_ALIKE_ROWS)
    small = upload(editor_client, project, data)
    settings.IMPORT_BACKGROUND_ROWS = 3
    before = database_rows()

    with django_capture_on_commit_callbacks(execute=True):
        stored = upload(editor_client, project, data)
    waiting = editor_client.get(stored["Location"])

    preview = ImportPreview.objects.get()
    assert stored["Location"] == reverse("admin:people_credit_import_preview", args=[preview.pk])
    assert "Waiting to prepare the preview of about 3 rows…" in text(waiting)
    assert '<meta http-equiv="refresh" content="2">' in text(waiting)
    assert DBTaskResult.objects.get().task_path == "people.import_tasks.prepare_import_preview"
    assert bytes(ImportUpload.objects.get(name=preview.upload_name).data) == data
    changed = {"people.ImportUpload": 1, "people.ImportPreview": 1}
    assert database_rows() == {
        label: count + changed.get(label, 0) for label, count in before.items()
    }

    prepare_import_preview.call(str(preview.pk))
    ready = editor_client.get(stored["Location"])

    assert 'http-equiv="refresh"' not in text(ready)
    assert preview_section(ready) == preview_section(small)
    assert "did you mean Madeleine Boyd?" in preview_section(ready)
    form = ready.context["confirm_form"]
    assert {name: form.initial[name] for name in ("import_file_name", "project", "mode")} == {
        "import_file_name": preview.upload_name,
        "project": project.pk,
        "mode": ADD,
    }
    assert form.initial["digest"] == small.context["confirm_form"].initial["digest"]


def test_a_file_previewed_in_the_background_is_written_there_with_the_editors_decisions(
    editor_client,
    make_project,
    make_person,
    settings,
    large_is_three_rows,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    boyd = make_person("Madeleine Boyd")
    make_person("José Pérez")
    ready = upload_large(
        editor_client, project, csv_file(*LOOK_ALIKE_ROWS), django_capture_on_commit_callbacks
    )
    form = ready.context["confirm_form"]
    decisions = {"same-person-2": str(boyd.pk), "same-person-3": "new"}

    def unread(data):
        raise AssertionError("the confirm request read the file")

    monkeypatch.setattr("people.admin_import.read_credits", unread)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = editor_client.post(
            reverse("admin:people_credit_process_import"),
            {**{name: form.initial.get(name, "") for name in form.fields}, **decisions},
        )
    job = ImportJob.objects.get()
    run_import_job.call(str(job.pk))
    done = editor_client.get(confirmed["Location"])

    assert confirmed["Location"] == reverse("admin:people_credit_import_progress", args=[job.pk])
    assert (job.rows, job.same_people) == (3, {"2": boyd.pk})
    assert 'Import finished for "Example credits": 3 new credits' in text(done)
    assert list(Alias.objects.values_list("person__name", "name")) == [
        ("Madeleine Boyd", "Madeline Boyd")
    ]
    assert sorted(Person.objects.values_list("name", flat=True)) == [
        "Cy Dane",
        "José Perez",
        "José Pérez",
        "Madeleine Boyd",
    ]
    assert not ImportPreview.objects.exists()
    assert not ImportUpload.objects.exists()


def test_the_preview_page_of_someone_elses_upload_is_not_found(
    editor_client,
    editor,
    make_project,
    settings,
    large_is_three_rows,
    django_capture_on_commit_callbacks,
    django_user_model,
):
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    upload_large(editor_client, project, csv_file(*ROWS), django_capture_on_commit_callbacks)
    colleague = django_user_model.objects.create_user("colleague", password="x", is_staff=True)
    colleague.groups.set(editor.groups.all())
    other = Client()
    other.force_login(colleague)
    url = reverse("admin:people_credit_import_preview", args=[ImportPreview.objects.get().pk])

    response = other.get(url)

    assert response.status_code == 404
    assert other.get(reverse("admin:people_credit_import")).status_code == 200


def test_a_large_file_with_bad_rows_shows_them_as_a_small_one_does_and_keeps_nothing(
    editor_client, make_project, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    data = csv_file("Safety,Evals,Ann Beta,", "Safety,Evals,,", "Safety,Evals,Bo\x1bChen,")
    small = upload(editor_client, project, data)
    settings.IMPORT_BACKGROUND_ROWS = 3

    failed = upload_large(editor_client, project, data, django_capture_on_commit_callbacks)

    assert failed.status_code == 200
    assert failed.context["credits_errors"] == small.context["form"].errors["import_file"]
    assert failed.context["credits_errors"] == [
        "Row 3, column person: the person is empty.",
        "Row 4, column person: This name contains a control character (U+001B) at position 3: "
        "remove it.",
    ]
    page_text = text(failed)
    assert "<strong>Nothing was imported.</strong>" in page_text
    assert "Row 3, column person: the person is empty." in page_text
    assert 'http-equiv="refresh"' not in page_text
    assert 'type="file" name="import_file"' in page_text
    assert not ImportUpload.objects.exists()
    assert not Credit.objects.exists()


def test_expired_previews_are_purged_with_their_uploads(
    editor_client, make_project, settings, large_is_three_rows, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS
    project = make_project()
    upload_large(editor_client, project, csv_file(*ROWS), django_capture_on_commit_callbacks)
    expired = timezone.now() - timezone.timedelta(seconds=settings.IMPORT_UPLOAD_EXPIRY + 1)
    ImportPreview.objects.update(created_at=expired)
    ImportUpload.objects.update(created_at=expired)

    upload(editor_client, project, csv_file(*ROWS[:1]))

    assert not ImportPreview.objects.exists()
