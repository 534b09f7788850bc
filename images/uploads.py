"""Browser uploads of image files, capped in size and never held in memory.

With image files in object storage, an upload is streamed into the bucket as it arrives (a
multipart upload, a part in memory at a time): the web machine writes nothing to its disk,
and a worker on any machine imports it from the bucket. On a local folder it is written to a
temporary file and renamed into the folder when the image is created.

An upload is refused once it passes CONSOLE_MAX_IMAGE_BYTES; the form then says the file is
too large instead of the request failing. What a refused, interrupted or unused upload sent
to the bucket is removed: its multipart upload aborted, or its object deleted when the request
ends without an image taking it.
"""

import io
import logging

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import (
    FileUploadHandler,
    SkipFile,
    StopFutureHandlers,
    TemporaryFileUploadHandler,
)

from images.pipeline.storage import (
    MultipartUpload,
    delete_image_file,
    object_storage,
    staged_upload_name,
)

TOO_LARGE_FLAG = "image_upload_too_large"
STORAGE_DOWN_FLAG = "image_upload_storage_down"

log = logging.getLogger(__name__)


def _refuse_too_large(handler: FileUploadHandler) -> None:
    setattr(handler.request, TOO_LARGE_FLAG, True)
    handler.file.close()
    raise SkipFile


class StagedUpload(UploadedFile):
    """A browser upload already stored in the bucket as ``storage_name``.

    It is removed when the request ends (Django closes every uploaded file then) unless
    :meth:`keep` was called: an image that takes the upload calls it.
    """

    def __init__(self, storage_name: str, name: str, size: int, content_type, charset) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)
        self.storage_name = storage_name
        self._kept = False

    def keep(self) -> str:
        """The upload belongs to an image from now on; returns its storage name."""
        self._kept = True
        return self.storage_name

    def close(self) -> None:
        if not self._kept:
            self._kept = True  # close() may be called more than once
            try:
                delete_image_file(self.storage_name)
            except OSError:
                # The bucket is out of reach: the orphan sweep removes it later.
                log.warning("Could not remove the unused upload %s", self.storage_name)
        super().close()


class BucketUploadHandler(FileUploadHandler):
    """Streams each uploaded file into the bucket; stands aside on a local folder."""

    def new_file(self, field_name, file_name, content_type, content_length, charset=None,
                 content_type_extra=None) -> None:  # fmt: skip
        super().new_file(
            field_name, file_name, content_type, content_length, charset, content_type_extra
        )
        self.upload: MultipartUpload | None = None
        storage = object_storage()
        if storage is None:
            return  # the next handler writes it to a temporary file
        self.storage_name = staged_upload_name()
        try:
            # Django closes ``file`` of every handler when an upload is skipped or stopped;
            # closing an unfinished upload aborts it.
            self.upload = self.file = MultipartUpload(storage, self.storage_name)
        except OSError:
            self._storage_down()
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.upload is None:
            return raw_data
        if self.upload.written + len(raw_data) > settings.CONSOLE_MAX_IMAGE_BYTES:
            _refuse_too_large(self)
        try:
            self.upload.write(raw_data)
        except OSError:
            self._storage_down()
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.upload is None:
            return None
        try:
            self.upload.complete()
        except OSError:
            self.upload.abort()
            # Too late to skip the file: the form learns it from the flag.
            setattr(self.request, STORAGE_DOWN_FLAG, True)
            return None
        except BaseException:
            self.upload.abort()
            raise
        return StagedUpload(
            self.storage_name, self.file_name, file_size, self.content_type, self.charset
        )

    def _storage_down(self) -> None:
        """The bucket cannot be reached: drop the file, and let the form say so."""
        log.warning("An upload could not be sent to the image storage", exc_info=True)
        setattr(self.request, STORAGE_DOWN_FLAG, True)
        if self.upload is not None:
            self.upload.abort()
        raise SkipFile

    def upload_interrupted(self) -> None:
        if getattr(self, "upload", None) is not None:
            self.upload.abort()


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Writes each uploaded file to a temporary file on disk (never memory)."""

    def new_file(self, *args, **kwargs) -> None:
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.CONSOLE_MAX_IMAGE_BYTES:
            _refuse_too_large(self)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not hasattr(self, "file"):
            return None  # the file went to the bucket (or failed there), not to this handler
        return super().file_complete(file_size)
