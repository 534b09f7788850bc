"""Where imported image files are written, through Django's default storage.

An import writes a file of up to tens of GiB once, then either keeps it or throws it away. On a
local folder the file is written next to its final place as ``<name>.partial`` and renamed
into place on success, so a multi-GiB image is never copied a second time and readers never see
half a file. Any other storage (object storage) gets the bytes spooled to a local file first
and uploaded with ``storage.save()`` on success.

The half-written file's name follows from the storage name alone (``<name>.partial`` beside it,
or the spool folder's file named after it), so whoever takes over an import whose worker died
can remove what that worker left: :func:`delete_image_file` removes both.
"""

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage

PARTIAL_SUFFIX = ".partial"

ReadRange = Callable[[int, int], bytes]


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
        self._spool_path: Path | None = None
        if isinstance(storage, FileSystemStorage):
            # path() also refuses names that would escape the storage root.
            self._final_path = Path(storage.path(name))
            _make_parent(storage, self._final_path)
            self._spool_path = self._final_path.with_name(self._final_path.name + PARTIAL_SUFFIX)
            self.file = self._spool_path.open("wb")
        else:
            self._spool_path = spool_path(name)
            self._spool_path.parent.mkdir(parents=True, exist_ok=True)
            self.file = self._spool_path.open("wb")

    def commit(self) -> str:
        """Keep the file under its storage name and return that name."""
        if self._done:
            raise RuntimeError("the image file was already committed or discarded")
        self._done = True
        assert self._spool_path is not None
        try:
            self.file.close()
            if self._final_path is not None:
                os.replace(self._spool_path, self._final_path)
                mode = getattr(self._storage, "file_permissions_mode", None)
                if mode is not None:
                    self._final_path.chmod(mode)
                return self.name
            with self._spool_path.open("rb") as spooled:
                return self._storage.save(self.name, File(spooled, name=self.name))
        finally:
            self._spool_path.unlink(missing_ok=True)

    def discard(self) -> None:
        """Drop everything written so far; harmless if already committed or discarded."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            self.file.close()
        if self._spool_path is not None:
            self._spool_path.unlink(missing_ok=True)

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


def spool_path(name: str) -> Path:
    """Where the bytes for ``name`` wait before going to a storage other than a local folder."""
    return Path(settings.CONSOLE_IMPORT_SPOOL_DIR) / (name.replace("/", "__") + PARTIAL_SUFFIX)


def delete_image_file(name: str) -> None:
    """Remove a stored image file, and any half-written one left by a crashed import."""
    if not name:
        return
    default_storage.delete(name)
    if isinstance(default_storage, FileSystemStorage):
        Path(default_storage.path(name) + PARTIAL_SUFFIX).unlink(missing_ok=True)
    else:
        spool_path(name).unlink(missing_ok=True)


@contextlib.contextmanager
def open_ranges(name: str) -> Iterator[tuple[ReadRange, int]]:
    """``(read_range, size)`` of a stored file: ``read_range(offset, length)`` returns those
    bytes (fewer at the end of the file). Only what is asked for is read, so checking a large
    file's metadata stays cheap on any storage."""
    size = default_storage.size(name)
    with default_storage.open(name, "rb") as stored:

        def read_range(offset: int, length: int) -> bytes:
            stored.seek(offset)
            return stored.read(length)

        yield read_range, size


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
