"""Where image files are written and read, through Django's default storage.

Two storages are offered (``CONSOLE_STORAGE_URL``): a local folder, and a bucket of
S3-compatible object storage that web and worker processes on several machines share.

An import writes a file of up to tens of GiB once, then either keeps it or throws it away.

- On a local folder the file is written next to its final place as ``<name>.partial`` and
  renamed into place on success, so a multi-GiB image is never copied a second time and readers
  never see half a file.
- In a bucket the bytes go straight up as a multipart upload, in parts of
  ``CONSOLE_STORAGE_PART_BYTES`` held in memory (two in flight, one filling): nothing touches
  the local disk, and the object appears only when the upload is completed. A discarded
  upload is aborted, so the bucket keeps none of its parts.

The half-written file follows from the storage name alone (``<name>.partial`` beside it, or the
bucket's unfinished multipart uploads of that key), so whoever takes over an import whose worker
died can remove what that worker left: :func:`delete_image_file` removes both.

Reads never fetch more than asked: :func:`open_stream` streams a file from its start and
:func:`open_ranges` reads byte ranges (a ranged GET in a bucket), so checking a large file's
metadata or a disk's header costs what those bytes cost.
"""

import contextlib
import math
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Self

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils import timezone
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from images.rules import STAGED_UPLOAD_PREFIX

PARTIAL_SUFFIX = ".partial"
# S3 accepts at most this many parts in one multipart upload.
MAX_PARTS = 10_000
# Parts sent at the same time by one upload.
PARTS_IN_FLIGHT = 2

ReadRange = Callable[[int, int], bytes]
Read = Callable[[int], bytes]


class StorageError(OSError):
    """The storage could not be reached or refused a request."""


_STORAGE_ERRORS = (BotoCoreError, ClientError)


def _not_found(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or code in {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


@contextlib.contextmanager
def _storage_errors(name: str) -> Iterator[None]:
    """Turn the object storage client's errors into OSErrors (FileNotFoundError for a
    missing object), as a local folder would raise them."""
    try:
        yield
    except ClientError as error:
        if _not_found(error):
            raise FileNotFoundError(name) from error
        raise StorageError(f"object storage refused a request for {name}: {error}") from error
    except BotoCoreError as error:
        raise StorageError(f"object storage could not be reached for {name}: {error}") from error


def object_storage() -> S3Storage | None:
    """The bucket storage when image files are kept in object storage, else None."""
    return default_storage if isinstance(default_storage, S3Storage) else None  # type: ignore[return-value]


def _key(storage: S3Storage, name: str) -> str:
    return storage._normalize_name(clean_name(name))


def _client(storage: S3Storage) -> Any:
    return storage.connection.meta.client


def part_size() -> int:
    """The size of one part of a multipart upload: the configured size, or larger where the
    largest accepted image would otherwise need more parts than S3 allows."""
    fewest = math.ceil(settings.CONSOLE_MAX_IMAGE_BYTES / (MAX_PARTS - 1))
    return max(settings.CONSOLE_STORAGE_PART_BYTES, fewest)


class MultipartUpload:
    """A write-only file that goes into a bucket as one multipart upload.

    ``write()`` collects bytes into a part; each full part is sent on a small thread pool
    while the next one fills, with at most :data:`PARTS_IN_FLIGHT` parts sent at once, so
    memory stays at a few parts whatever the file's size. ``complete()`` makes the object
    appear; ``abort()`` drops every part sent. Storage errors surface as
    :class:`StorageError` from ``write()`` or ``complete()``.
    """

    def __init__(self, storage: S3Storage, name: str, *, size: int | None = None) -> None:
        self.name = name
        self._client = _client(storage)
        self._bucket = storage.bucket_name
        self._key = _key(storage, name)
        self._part_size = size or part_size()
        self._buffer = bytearray()
        self._sent: list[Future] = []
        self._pool: ThreadPoolExecutor | None = None
        self._finished = False
        self.written = 0
        params = storage.get_object_parameters(name)
        with _storage_errors(name):
            started = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self._key, **params
            )
        self.upload_id: str = started["UploadId"]

    def write(self, data: bytes) -> int:
        if self._finished:
            raise ValueError("write to a finished upload")
        self._buffer += data
        self.written += len(data)
        while len(self._buffer) >= self._part_size:
            self._send(bytes(memoryview(self._buffer)[: self._part_size]))
            del self._buffer[: self._part_size]
        return len(data)

    def flush(self) -> None:
        """Bytes are sent a part at a time; there is nothing to flush before that."""

    def _send(self, body: bytes) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(PARTS_IN_FLIGHT, thread_name_prefix="upload-part")
        # Wait for the oldest part before a third is started: memory stays bounded.
        in_flight = [future for future in self._sent if not future.done()]
        if len(in_flight) >= PARTS_IN_FLIGHT:
            in_flight[0].result()
        for future in self._sent:
            if future.done():
                future.result()  # raises the first failure
        number = len(self._sent) + 1
        self._sent.append(self._pool.submit(self._upload_part, number, body))

    def _upload_part(self, number: int, body: bytes) -> dict:
        with _storage_errors(self.name):
            sent = self._client.upload_part(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=body,
            )
        return {"PartNumber": number, "ETag": sent["ETag"]}

    def complete(self) -> None:
        """Send the last part and make the object appear under its name."""
        if self._buffer or not self._sent:
            self._send(bytes(self._buffer))
            self._buffer.clear()
        parts = [future.result() for future in self._sent]
        self._shutdown()
        with _storage_errors(self.name):
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": parts},
            )
        self._finished = True

    def abort(self) -> None:
        """Drop every part sent; harmless after complete() or a second abort()."""
        if self._finished:
            return
        self._finished = True
        self._buffer.clear()
        for future in self._sent:
            future.cancel()
        self._shutdown()
        with contextlib.suppress(*_STORAGE_ERRORS):
            self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=self.upload_id
            )

    def close(self) -> None:
        """Closing an upload that was not completed aborts it."""
        self.abort()

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class ImageWriter:
    """A writable binary file destined for one storage name.

    Write to ``file``, then call ``commit()`` to keep it (it returns the name the storage used)
    or ``discard()`` to drop it. Leaving the ``with`` block without committing discards it.
    """

    file: BinaryIO

    def __init__(self, name: str, storage: Storage) -> None:
        self.name = name
        self._storage = storage
        self._done = False
        self._final_path: Path | None = None
        self._partial_path: Path | None = None
        self._upload: MultipartUpload | None = None
        if isinstance(storage, FileSystemStorage):
            # path() also refuses names that would escape the storage root.
            self._final_path = Path(storage.path(name))
            _make_parent(storage, self._final_path)
            self._partial_path = self._final_path.with_name(self._final_path.name + PARTIAL_SUFFIX)
            self.file = self._partial_path.open("wb")
        elif isinstance(storage, S3Storage):
            self._upload = MultipartUpload(storage, name)
            self.file = self._upload  # type: ignore[assignment]
        else:
            raise ImproperlyConfigured(
                f"Image files need a local folder or S3 object storage, not {type(storage)}."
            )

    def commit(self) -> str:
        """Keep the file under its storage name and return that name."""
        if self._done:
            raise RuntimeError("the image file was already committed or discarded")
        self._done = True
        if self._upload is not None:
            try:
                self._upload.complete()
            except BaseException:
                self._upload.abort()
                raise
            return self.name
        assert self._partial_path is not None and self._final_path is not None
        try:
            self.file.close()
            os.replace(self._partial_path, self._final_path)
            mode = getattr(self._storage, "file_permissions_mode", None)
            if mode is not None:
                self._final_path.chmod(mode)
            return self.name
        finally:
            self._partial_path.unlink(missing_ok=True)

    def discard(self) -> None:
        """Drop everything written so far; harmless if already committed or discarded."""
        if self._done:
            return
        self._done = True
        if self._upload is not None:
            self._upload.abort()
            return
        with contextlib.suppress(OSError):
            self.file.close()
        if self._partial_path is not None:
            self._partial_path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.discard()


def open_image_writer(name: str) -> ImageWriter:
    """A writer for the image file that will be stored as ``name`` (e.g. ``images/<id>.qcow2``)."""
    return ImageWriter(name, default_storage)


def attempt_file_name(account_id, image_id, serial: int) -> str:
    """The storage name of one import attempt's file; its half-written form follows from it."""
    return f"images/{account_id}/{image_id}-{serial}.qcow2"


def staged_upload_name() -> str:
    """A new storage name for a browser upload waiting for its import; it carries the time
    the upload started (UTC), which the orphan sweep reads."""
    now = timezone.now().astimezone(UTC)
    return f"{STAGED_UPLOAD_PREFIX}{now:%Y%m%d}/{now:%H%M%S}-{os.urandom(8).hex()}.qcow2"


_STARTED_IN_NAME = re.compile(r"/(?P<day>\d{8})/(?P<time>\d{6})-[0-9a-f]+\.qcow2$")


def _started_in_name(name: str) -> datetime | None:
    found = _STARTED_IN_NAME.search(name)
    if found is None:
        return None
    try:
        started = datetime.strptime(found["day"] + found["time"], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return started.replace(tzinfo=UTC)


def delete_image_file(name: str) -> None:
    """Remove a stored image file, and any half-written one left by a crashed import."""
    if not name:
        return
    storage = object_storage()
    if storage is None:
        default_storage.delete(name)
        if isinstance(default_storage, FileSystemStorage):
            Path(default_storage.path(name) + PARTIAL_SUFFIX).unlink(missing_ok=True)
        return
    with _storage_errors(name):
        default_storage.delete(name)
    key = _key(storage, name)
    for upload in _multipart_uploads(storage, key):
        if upload.key == key:
            _abort(storage, upload)


@contextlib.contextmanager
def open_stream(name: str) -> Iterator[tuple[Read, int]]:
    """``(read, size)`` of a stored file read from its start: ``read(n)`` returns up to ``n``
    bytes, ``b""`` at the end. Raises FileNotFoundError when there is no such file."""
    storage = object_storage()
    if storage is None:
        size = default_storage.size(name)
        with default_storage.open(name, "rb") as stored:
            yield stored.read, size
        return
    with _storage_errors(name):
        answer = _client(storage).get_object(Bucket=storage.bucket_name, Key=_key(storage, name))
    body = answer["Body"]

    def read(n: int) -> bytes:
        with _storage_errors(name):
            return body.read(n)

    try:
        yield read, answer["ContentLength"]
    finally:
        body.close()


@contextlib.contextmanager
def open_ranges(name: str) -> Iterator[tuple[ReadRange, int]]:
    """``(read_range, size)`` of a stored file: ``read_range(offset, length)`` returns those
    bytes (fewer at the end of the file). Only what is asked for is read, so checking a large
    file's metadata stays cheap on any storage."""
    storage = object_storage()
    if storage is None:
        size = default_storage.size(name)
        with default_storage.open(name, "rb") as stored:

            def read_range(offset: int, length: int) -> bytes:
                stored.seek(offset)
                return stored.read(length)

            yield read_range, size
        return

    client, bucket, key = _client(storage), storage.bucket_name, _key(storage, name)
    with _storage_errors(name):
        size = client.head_object(Bucket=bucket, Key=key)["ContentLength"]

    def read_range(offset: int, length: int) -> bytes:
        if length <= 0 or offset >= size:
            return b""
        last = min(offset + length, size) - 1
        with _storage_errors(name):
            answer = client.get_object(Bucket=bucket, Key=key, Range=f"bytes={offset}-{last}")
            return answer["Body"].read()

    yield read_range, size


@dataclass(frozen=True)
class PendingUpload:
    """A multipart upload the bucket holds that was neither completed nor aborted."""

    key: str
    upload_id: str
    started: datetime


def _multipart_uploads(storage: S3Storage, prefix: str) -> Iterator[PendingUpload]:
    client = _client(storage)
    paginator = client.get_paginator("list_multipart_uploads")
    with _storage_errors(prefix):
        for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=prefix):
            for upload in page.get("Uploads", []):
                yield PendingUpload(upload["Key"], upload["UploadId"], upload["Initiated"])


def _abort(storage: S3Storage, upload: PendingUpload) -> None:
    with contextlib.suppress(ClientError):  # finished or aborted meanwhile
        _client(storage).abort_multipart_upload(
            Bucket=storage.bucket_name, Key=upload.key, UploadId=upload.upload_id
        )


def unfinished_uploads(folder: str, started_before: datetime) -> Iterator[tuple[str, Callable]]:
    """``(name, abort)`` of every multipart upload under ``folder`` of the bucket started before
    ``started_before``; nothing when image files are in a local folder."""
    storage = object_storage()
    if storage is None:
        return
    prefix = _key(storage, folder.rstrip("/") + "/")
    location = f"{storage.location}/" if storage.location else ""
    for upload in _multipart_uploads(storage, prefix):
        # The later of the bucket's start time and the one in the name: some S3-compatible
        # servers report no true start time.
        started = max(upload.started, _started_in_name(upload.key) or upload.started)
        if started < started_before:
            yield upload.key.removeprefix(location), lambda upload=upload: _abort(storage, upload)


def _make_parent(storage: FileSystemStorage, path: Path) -> None:
    mode = storage.directory_permissions_mode
    if mode is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    # mkdir(mode=...) is filtered by the umask; the storage's mode is meant literally.
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        directory.chmod(mode)
