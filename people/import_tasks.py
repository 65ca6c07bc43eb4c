"""Large admin imports, previewed and written in the background, with pages that wait for them.

Reading, planning and drawing the preview of 200,000 credits (a 10 MB file), and then
writing them, each take longer than a web worker may hold a request. So an upload of
CREDITS_IMPORT_BACKGROUND_ROWS rows or more is stored, recorded as an ImportPreview and
handed to `prepare_import_preview`; the editor is sent to the preview's page, which
refreshes itself until the task has drawn the preview, then shows it with its Confirm
button. Its confirm records an ImportJob and queues `run_import_job`; the job's page
refreshes itself until the job has finished. Smaller files are previewed and written in
the requests themselves (people/admin_import.py).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_tasks import task

from people.models import ImportJob, ImportPreview, can_see_emails
from people.resources import CreditsResult
from people.spreadsheet.apply import import_credits
from people.spreadsheet.format import CreditsError, read_credits
from people.spreadsheet.people import read_people
from people.spreadsheet.storage import DatabaseUploadStorage, UploadExpired

REFRESH_SECONDS = 2
# Each list of the preview is drawn row by row up to this length, else summarised.
PREVIEW_ROWS = 500
UNEXPECTED = (
    "The import stopped on an unexpected error, so nothing was imported. The error is in the "
    "worker's log; upload the file again to retry."
)
UNEXPECTED_PREVIEW = (
    "The preview stopped on an unexpected error. The error is in the worker's log; upload "
    "the file again to retry."
)


def rows_at_most(data):
    """The rows of a CSV file's bytes, counted by their line ends without reading the file.

    As many as the file has, or more (a quoted cell may span lines; a line may be blank):
    whether a file is large is known before it is read.
    """
    line_ends = max(data.count(b"\n"), data.count(b"\r"))
    lines = line_ends + (0 if data.endswith((b"\n", b"\r")) else 1)
    return max(lines - 1, 0)


def is_large(rows):
    """Whether an import of `rows` rows is previewed and written in the background."""
    return rows >= settings.IMPORT_BACKGROUND_ROWS


# Previews


def draw_preview(plan, original_file_name, can_see_emails=False):
    """The HTML of a plan's preview: (what confirming makes, above the button; the preview).

    Drawn from the import page's templates by the request of a small file's preview and by
    the task of a large one's, so that both show the same. Drawn apart from the page, not
    inside its template: there, deep in the template's nesting, the preview of 20,000 new
    names took 17 s instead of 4 (Python 3.11 maps and unmaps a 16 KiB piece of its frame
    stack at every call that crosses the piece's edge, a million times here).
    """
    context = {
        "plan": plan,
        "preview_rows": PREVIEW_ROWS,
        "original_file_name": original_file_name,
        # Whether the preview may show the private email addresses it changes.
        "can_see_emails": can_see_emails,
    }
    return (
        render_to_string("admin/import_export/credits_preview_confirmation.html", context),
        render_to_string("admin/import_export/credits_preview.html", context),
    )


def queue_preview(**fields):
    """Record a stored upload's preview as an ImportPreview (its `fields`: project, user,
    upload_name, source, mode, file_format, resource, rows and the people file's) and queue
    it once the request commits."""
    preview = ImportPreview.objects.create(**fields)
    transaction.on_commit(lambda: prepare_import_preview.enqueue(str(preview.pk)))
    return preview


def started(model, pk):
    """The ImportPreview or ImportJob `pk`, marked as started.

    None if it was deleted with its project; its uploads then expire on their own.
    """
    background = model.objects.select_related("project", "user").filter(pk=pk).first()
    if background is not None:
        background.started_at = timezone.now()
        background.save(update_fields=["started_at"])
    return background


def uploads_of(background):
    """The stored credits file and people file of an ImportPreview or ImportJob."""
    return (
        DatabaseUploadStorage(name=background.upload_name, read_mode="rb"),
        DatabaseUploadStorage(name=background.people_upload_name or None, read_mode="rb"),
    )


@task()
def prepare_import_preview(preview_id):
    """Read the ImportPreview `preview_id`'s upload, plan it and draw what its page shows.

    A file that cannot be imported has its problems recorded, by row and column, and
    its upload deleted, as the preview request of a small file does.
    """
    preview = started(ImportPreview, preview_id)
    if preview is None:
        return
    storage, people_storage = uploads_of(preview)
    try:
        rows = read_credits(storage.read())
        plan = import_credits(
            preview.project,
            rows,
            preview.mode,
            people=read_people(people_storage.read()) if preview.people_upload_name else None,
            people_source=preview.people_source,
            user=preview.user,
            dry_run=True,
        )
        preview.rows = len(rows)
        preview.digest = plan.digest()
        preview.confirmation, preview.page = draw_preview(
            plan, preview.source, can_see_emails(preview.user)
        )
    except CreditsError as error:
        preview.errors = [str(problem) for problem in error.problems]
        storage.remove()
        people_storage.remove()
    except UploadExpired as error:
        preview.errors = [str(error)]
    except Exception:
        preview.errors = [UNEXPECTED_PREVIEW]
        storage.remove()
        people_storage.remove()
        raise
    finally:
        # An update, not a save: a preview deleted with its project meanwhile stays deleted.
        ImportPreview.objects.filter(pk=preview.pk).update(
            rows=preview.rows,
            digest=preview.digest,
            confirmation=preview.confirmation,
            page=preview.page,
            errors=preview.errors,
            finished_at=timezone.now(),
        )


def import_preview_view(model_admin, request, preview_id):
    """The page of a preview prepared in the background: refreshed until it is ready.

    Then the import page as for a small file, with the preview the task drew and the
    Confirm button; or, if the file cannot be imported, why. Only the editor who
    uploaded the file sees it.
    """
    if not model_admin.has_import_permission(request):
        raise PermissionDenied
    preview = get_object_or_404(
        ImportPreview.objects.select_related("project"), pk=preview_id, user=request.user
    )
    if preview.errors:
        return model_admin.import_failed(request, preview.errors)
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import",
        "opts": opts,
        "preview": preview,
        "refresh_seconds": REFRESH_SECONDS,
    }
    request.current_app = model_admin.admin_site.name
    if not preview.finished_at:
        return TemplateResponse(
            request, "admin/import_export/import_preview_progress.html", context
        )
    confirm_form = model_admin.get_confirm_form_class(request)(
        initial={
            "import_file_name": preview.upload_name,
            "original_file_name": preview.source,
            "format": preview.file_format,
            "resource": preview.resource,
            "project": preview.project_id,
            "mode": preview.mode,
            "digest": preview.digest,
            "people_file_name": preview.people_upload_name,
            "people_source": preview.people_source,
        }
    )
    context.update(
        confirm_form=confirm_form,
        media=model_admin.media + confirm_form.media,
        # The library's page shows its preview block for a result without errors.
        result=CreditsResult(),
        # Drawn by draw_preview, escaped there.
        preview_confirmation=mark_safe(preview.confirmation),
        preview_page=mark_safe(preview.page),
    )
    return TemplateResponse(request, [model_admin.import_template_name], context)


# Imports
# The progress is written into the cache at most this often: the task writes inside the
# import's transaction, whose rows no other connection sees until it ends.
PROGRESS_EVERY_SECONDS = 1.0


def queue_import(**fields):
    """Record a confirmed import as an ImportJob (its `fields`: project, user, upload_name,
    source, mode, digest, rows, the people file's and same_people, the editor's decisions on
    the preview, see build_plan) and queue it once the request commits."""
    job = ImportJob.objects.create(**fields)
    transaction.on_commit(lambda: run_import_job.enqueue(str(job.pk)))
    return job


@task()
def run_import_job(job_id):
    """Write the ImportJob `job_id`'s upload, all or nothing, if its plan still holds."""
    job = started(ImportJob, job_id)
    if job is None:
        return
    storage, people_storage = uploads_of(job)
    try:
        rows = read_credits(storage.read())
        plan = import_credits(
            job.project,
            rows,
            job.mode,
            people=read_people(people_storage.read()) if job.people_upload_name else None,
            people_source=job.people_source,
            user=job.user,
            source=job.source,
            expected_digest=job.digest,
            # JSON's keys are text: the rows of the decisions are numbers again.
            same_people={int(row): pk for row, pk in job.same_people.items()},
            progress=ProgressReport(job),
        )
        job.summary = plan.summary()
    except (UploadExpired, CreditsError) as error:
        job.error = str(error)
    except Exception:
        job.error = UNEXPECTED
        raise
    finally:
        storage.remove()
        people_storage.remove()
        job.finished_at = timezone.now()
        job.save(update_fields=["summary", "error", "finished_at"])


class ProgressReport:
    """import_credits' `progress(done, total)` callback: credits written so far, in the cache."""

    def __init__(self, job):
        self.key = progress_key(job)
        self.last = 0.0

    def __call__(self, done, total):
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = now
        # A cache that is down only costs the page its count.
        try:
            cache.set(self.key, (done, total), timeout=60 * 60)
        except Exception:
            pass


def progress_key(job):
    return f"import-progress:{job.pk}"


def written_so_far(job):
    """(credits written, credits to write) as last reported, or None."""
    try:
        return cache.get(progress_key(job))
    except Exception:
        return None


def import_progress_view(model_admin, request, job_id):
    """The page of an import running in the background, refreshed until it has finished."""
    if not model_admin.has_import_permission(request):
        raise PermissionDenied
    job = get_object_or_404(ImportJob.objects.select_related("project"), pk=job_id)
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import",
        "opts": opts,
        "job": job,
        "progress": None if job.finished_at else written_so_far(job),
        "refresh_seconds": REFRESH_SECONDS,
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        "import_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_import"),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/import_export/import_progress.html", context)
