"""Uploads are read no further than the largest file the site takes (CREDITS_IMPORT_MAX_BYTES).

Django's own handlers write a whole upload to memory or disk before any form sees its
size, so a stranger could fill the disk with one request. This handler, first in
FILE_UPLOAD_HANDLERS, stops passing data on once a file is over the limit and hands the
form an empty file that keeps the size it reached, which the forms refuse with their
usual message ("… is larger than 10.0 MB …").
"""

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class TooLargeFile(SimpleUploadedFile):
    """What is kept of a file over the limit: nothing but its name and how far it got."""

    def __init__(self, name, content_type, size):
        super().__init__(name, b"", content_type)
        self.size = size


class SizeLimitUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            # None: the next handlers get nothing more of this file.
            return None
        return raw_data

    def file_complete(self, file_size):
        if self.received > settings.IMPORT_MAX_BYTES:
            return TooLargeFile(self.file_name, self.content_type, self.received)
        return None
