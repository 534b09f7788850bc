"""The periodic sweep of stored image files that no image refers to.

Every import removes its own files when it fails or is taken over, but some files can outlive
that: a worker that dies between storing a file and recording it, a removal that failed while
the database could not be asked, a web process that dies after staging an upload. The sweep
(beat, every CONSOLE_ORPHAN_SWEEP_INTERVAL_SECONDS) removes, and logs, every file under the
images' folders that no image refers to and that is older than
CONSOLE_ORPHAN_FILE_GRACE_SECONDS: the grace period keeps it away from a file an import is
writing or is about to record. Files an import is writing (its half-written ``.partial``)
count as referred to while their attempt still holds the import. In a bucket, the unfinished
multipart uploads of such files (a worker or web process that died while sending) are aborted
by the same rule.

GPU servers' disks live elsewhere in the storage and are never looked at.
"""

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from images.models import Image
from images.pipeline.storage import PARTIAL_SUFFIX, unfinished_uploads
from images.rules import STAGED_UPLOAD_PREFIX

log = logging.getLogger(__name__)

# Folders of the storage that hold imported images and staged uploads.
SWEPT_FOLDERS = ("images", STAGED_UPLOAD_PREFIX.rstrip("/"))
_BATCH = 500
_ATTEMPT_FILE = re.compile(r"^images/[^/]+/(?P<image>[0-9a-f-]{36})-(?P<serial>\d+)\.qcow2$")


def image_files_sweep() -> list[str]:
    """Remove the stored files no image refers to; returns their names."""
    cutoff = timezone.now() - timedelta(seconds=settings.CONSOLE_ORPHAN_FILE_GRACE_SECONDS)
    removed: list[str] = []
    for batch in _batches(_old_files(cutoff)):
        for name in _unreferenced(batch):
            default_storage.delete(name)
            log.info("Removed the stored file %s: no image refers to it", name)
            removed.append(name)
    removed.extend(_abort_unfinished_uploads(cutoff))
    if removed:
        log.info("Orphan file sweep removed %d file(s)", len(removed))
    return removed


def _old_files(cutoff: datetime) -> Iterator[str]:
    for folder in SWEPT_FOLDERS:
        for name in _walk(folder):
            try:
                modified = default_storage.get_modified_time(name)
            except OSError:
                continue  # removed meanwhile
            if modified < cutoff:
                yield name


def _walk(folder: str) -> Iterator[str]:
    try:
        directories, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for file in files:
        yield f"{folder}/{file}"
    for directory in directories:
        yield from _walk(f"{folder}/{directory}")


def _batches(names: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _unreferenced(names: list[str]) -> list[str]:
    """The names (a stored file or its half-written form) that no image refers to."""
    bases = {name: name.removesuffix(PARTIAL_SUFFIX) for name in names}
    referred = set(
        Image.objects.filter(
            Q(stored_file__in=bases.values()) | Q(source_file__in=bases.values())
        ).values_list("stored_file", "source_file")
    )
    in_use = {name for pair in referred for name in pair if name}
    attempts = {
        base: (match["image"], int(match["serial"]))
        for base in bases.values()
        if (match := _ATTEMPT_FILE.match(base))
    }
    running = set(
        Image.objects.filter(
            status=Image.Status.IMPORTING, id__in={image for image, _ in attempts.values()}
        ).values_list("id", "import_serial")
    )
    running_ids = {(str(image), serial) for image, serial in running}
    return [
        name
        for name, base in bases.items()
        if base not in in_use and attempts.get(base) not in running_ids
    ]


def _abort_unfinished_uploads(cutoff: datetime) -> list[str]:
    """Abort the bucket's multipart uploads of image files that nothing is still writing.

    A browser upload is streamed into the bucket while its request runs, and may run as long
    as an import may: its unfinished upload is left alone for that much longer.
    """
    aborted = []
    for folder in SWEPT_FOLDERS:
        started_before = cutoff
        if folder == STAGED_UPLOAD_PREFIX.rstrip("/"):
            started_before -= timedelta(seconds=settings.CONSOLE_IMPORT_TIME_LIMIT)
        unfinished: dict[str, list[Callable[[], None]]] = {}
        for name, abort in unfinished_uploads(folder, started_before):
            unfinished.setdefault(name, []).append(abort)
        for batch in _batches(list(unfinished)):
            for name in _unreferenced(batch):
                for abort in unfinished[name]:
                    abort()
                log.info("Aborted the unfinished upload of %s: nothing is writing it", name)
                aborted.append(name + PARTIAL_SUFFIX)
    return aborted
