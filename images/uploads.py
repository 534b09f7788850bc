"""Browser uploads of image files: streamed to a temporary file, capped in size."""

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler

TOO_LARGE_FLAG = "image_upload_too_large"


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Writes each uploaded file to a temporary file on disk (never memory) and drops
    it once it passes CONSOLE_MAX_IMAGE_BYTES; the form then says the file is too
    large instead of the request failing."""

    def new_file(self, *args, **kwargs) -> None:
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.CONSOLE_MAX_IMAGE_BYTES:
            setattr(self.request, TOO_LARGE_FLAG, True)
            self.file.close()
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)
