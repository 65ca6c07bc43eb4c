"""Large admin imports, written in the background with a page that shows their progress.

Writing 200,000 credits (a 10 MB file) takes longer than a web worker may hold a
request, so the admin's confirm of an import of CREDITS_IMPORT_BACKGROUND_ROWS rows or
more records an ImportJob and queues `run_import_job`; the editor is sent to the job's
page, which refreshes itself until the job has finished. Smaller imports are written
in the confirm request itself (people/admin_import.py).
"""

import time

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from people.models import ImportJob
from people.spreadsheet.apply import import_credits
from people.spreadsheet.format import CreditsError, read_credits
from people.spreadsheet.people import read_people
from people.spreadsheet.storage import DatabaseUploadStorage, UploadExpired

REFRESH_SECONDS = 2
UNEXPECTED = (
    "The import stopped on an unexpected error, so nothing was imported. The error is in the "
    "worker's log; upload the file again to retry."
)
# The progress is written into the cache at most this often: the task writes inside the
# import's transaction, whose rows no other connection sees until it ends.
PROGRESS_EVERY_SECONDS = 1.0


def queue_import(
    *,
    project,
    user,
    upload_name,
    source,
    mode,
    digest,
    rows,
    people_upload_name="",
    people_source="",
):
    """Record a confirmed import as an ImportJob and queue it once the request commits."""
    job = ImportJob.objects.create(
        project=project,
        user=user,
        upload_name=upload_name,
        source=source,
        people_upload_name=people_upload_name,
        people_source=people_source,
        mode=mode,
        digest=digest,
        rows=rows,
    )
    transaction.on_commit(lambda: run_import_job.enqueue(str(job.pk)))
    return job


@task()
def run_import_job(job_id):
    """Write the ImportJob `job_id`'s upload, all or nothing, if its plan still holds."""
    job = ImportJob.objects.select_related("project", "user").filter(pk=job_id).first()
    if job is None:
        # Deleted with its project; the upload expires on its own.
        return
    job.started_at = timezone.now()
    job.save(update_fields=["started_at"])
    storage = DatabaseUploadStorage(name=job.upload_name, read_mode="rb")
    people_storage = DatabaseUploadStorage(name=job.people_upload_name or None, read_mode="rb")
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
