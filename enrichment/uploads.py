"""The upload handler of the archive form: the file kept in memory, refused past a bound.

Django's default handlers write an upload above 2.5 MB to a temporary file; an archive is
read once and not kept, so it never touches the disk, and a file past
`ENRICHMENT_MAX_UPLOAD_BYTES` stops the upload at that point instead of being read whole.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class BoundedMemoryUpload(FileUploadHandler):
    """Keep each uploaded file in memory; stop the upload once it passes the bound."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.ENRICHMENT_MAX_UPLOAD_BYTES
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Refused before a byte is read when the request says it is too large.
        if content_length and content_length > self.limit + 64 * 1024:
            self.too_large = True

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise StopUpload(connection_reset=False)
        self.file = io.BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        self.file.write(raw_data)

    def file_complete(self, file_size):
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
