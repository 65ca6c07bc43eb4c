"""The upload storage of the admin's import: a file waits in the ImportUpload table.

Between an import's preview and its confirmation the file is kept in the database,
which every worker process reads, unlike process memory or a local-memory cache,
and nothing there is reachable by URL, unlike media storage. An upload serves one
confirmation: it is deleted then, or purged once CREDITS_IMPORT_UPLOAD_EXPIRY has passed,
with its preview if a background task prepared one.
"""

from datetime import timedelta
from uuid import uuid4

from django.conf import settings
from django.utils import timezone
from import_export.tmp_storages import BaseStorage

from people.models import ImportPreview, ImportUpload


class UploadExpired(Exception):
    """The upload was confirmed already, or waited longer than an upload is kept."""


class DatabaseUploadStorage(BaseStorage):
    """django-import-export's temporary storage (IMPORT_EXPORT_TMP_STORAGE_CLASS) on the table."""

    def save(self, data):
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        purge_expired_uploads()
        self.name = uuid4().hex
        ImportUpload.objects.create(name=self.name, data=data)

    def read(self):
        upload = ImportUpload.objects.filter(name=self.name, created_at__gte=_expiry()).first()
        if upload is None:
            raise UploadExpired(
                "The uploaded file is no longer available (an upload is kept for "
                f"{_hours(settings.IMPORT_UPLOAD_EXPIRY)} between preview and confirmation, "
                "and only once). Upload it again."
            )
        data = bytes(upload.data)
        return data if "b" in self.read_mode else data.decode(self.encoding or "utf-8")

    def remove(self):
        ImportUpload.objects.filter(name=self.name).delete()
        purge_expired_uploads()


def purge_expired_uploads():
    ImportUpload.objects.filter(created_at__lt=_expiry()).delete()
    # A preview prepared in the background (people/import_tasks.py) expires with its upload.
    ImportPreview.objects.filter(created_at__lt=_expiry()).delete()


def _expiry():
    return timezone.now() - timedelta(seconds=settings.IMPORT_UPLOAD_EXPIRY)


def _hours(seconds):
    hours = seconds / 3600
    return f"{hours:g} hour" + ("" if hours == 1 else "s")
