"""The worker side of an image: claim, fetch or copy, hash, inspect, store, settle.

Claims and settlements are conditional updates on (status, attempt), so a duplicate or
redelivered task does nothing, an import whose image was deleted stops and removes its
file, and an import taken over after a worker died cannot overwrite the new attempt.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from console.formats import SIZE
from console.phrases import Message
from console.work_history import FAILURE, SUCCESS
from images import history
from images.history import Topic, record_image
from images.models import Image
from images.pipeline.errors import (
    REASON_SOURCE_GONE,
    REASON_TOO_MANY_ATTEMPTS,
    REASON_TOO_SLOW,
    REASON_UNEXPECTED,
    ImportFailed,
)
from images.pipeline.fetch import open_url
from images.pipeline.ingest import ingest
from images.pipeline.storage import delete_image_file, open_image_writer
from images.services import enqueue_import

log = logging.getLogger(__name__)


class ImportAborted(Exception):
    """The image was deleted, or another attempt took the import over."""


def _owned(image_id, attempt: int):
    return Image.objects.filter(pk=image_id, status=Image.Status.IMPORTING, import_attempts=attempt)


def _claim(image_id) -> int | None:
    """Queued -> Importing; returns the attempt number, or None if there is nothing to do."""
    maximum = settings.CONSOLE_IMPORT_MAX_ATTEMPTS
    with transaction.atomic():
        claimed = Image.objects.filter(
            pk=image_id, status=Image.Status.QUEUED, import_attempts__lt=maximum
        ).update(
            status=Image.Status.IMPORTING,
            import_attempts=F("import_attempts") + 1,
            heartbeat_at=timezone.now(),
            progress_done=0,
            progress_total=None,
        )
        if claimed != 1:
            _give_up_if_exhausted(image_id)
            return None
        image = Image.objects.select_related("account").get(pk=image_id)
        started = history.IMPORT_STARTED(attempt=image.import_attempts, maximum=maximum)
        record_image(image, Topic.IMPORT_IMAGE, started, actor=None)
        return image.import_attempts


def _give_up_if_exhausted(image_id) -> None:
    maximum = settings.CONSOLE_IMPORT_MAX_ATTEMPTS
    reason = REASON_TOO_MANY_ATTEMPTS(n=maximum)
    failed = Image.objects.filter(
        pk=image_id, status=Image.Status.QUEUED, import_attempts__gte=maximum
    ).update(status=Image.Status.ERROR, failure=reason.as_data())
    if failed:
        image = Image.objects.select_related("account").get(pk=image_id)
        record_image(image, Topic.IMPORT_IMAGE, reason, actor=None, result=FAILURE)


@contextmanager
def _open_source(image: Image) -> Iterator[tuple[Callable[[int], bytes], int | None]]:
    if image.file_url:
        body = open_url(
            image.file_url,
            allow_hosts=settings.CONSOLE_IMPORT_ALLOW_HOSTS,
            connect_timeout=settings.CONSOLE_IMPORT_CONNECT_TIMEOUT,
            read_timeout=settings.CONSOLE_IMPORT_READ_TIMEOUT,
            max_bytes=settings.CONSOLE_MAX_IMAGE_BYTES,
        )
        try:
            yield body.read, body.content_length
        finally:
            body.close()
        return
    if not image.source_file or not default_storage.exists(image.source_file):
        raise ImportFailed(REASON_SOURCE_GONE)
    with default_storage.open(image.source_file, "rb") as source:
        yield source.read, default_storage.size(image.source_file)


def image_import(*, image_id) -> None:
    """Import one image; safe to call any number of times for the same image."""
    attempt = _claim(image_id)
    if attempt is None:
        return
    image = Image.objects.get(pk=image_id)
    name = f"images/{image.account_id}/{image.id}-{attempt}.qcow2"

    def on_progress(done: int, total: int | None) -> None:
        alive = _owned(image_id, attempt).update(
            progress_done=done, progress_total=total, heartbeat_at=timezone.now()
        )
        if not alive:
            raise ImportAborted

    writer = open_image_writer(name)
    try:
        with _open_source(image) as (read, expected_length):
            result = ingest(
                read,
                writer.file,
                max_bytes=settings.CONSOLE_MAX_IMAGE_BYTES,
                expected_length=expected_length,
                on_progress=on_progress,
            )
        stored = writer.commit()
    except ImportAborted:
        writer.discard()
        return
    except ImportFailed as failure:
        writer.discard()
        _fail(image_id, attempt, failure.message)
        return
    except SoftTimeLimitExceeded:
        writer.discard()
        _fail(image_id, attempt, REASON_TOO_SLOW())
        return
    except Exception:
        log.exception("Import of image %s failed", image_id)
        writer.discard()
        _fail(image_id, attempt, REASON_UNEXPECTED())
        return
    _succeed(image_id, attempt, stored, result)


def _succeed(image_id, attempt: int, stored: str, result) -> None:
    with transaction.atomic():
        image = Image.objects.select_for_update().filter(pk=image_id).first()
        if image is None or image.status != Image.Status.IMPORTING:
            transaction.on_commit(lambda: delete_image_file(stored))
            return
        if image.import_attempts != attempt:
            transaction.on_commit(lambda: delete_image_file(stored))
            return
        staged_upload = image.staged_upload
        image.status = Image.Status.ACTIVE
        image.set_failure(None)
        image.stored_file = stored
        image.source_file = "" if staged_upload else image.source_file
        image.size = result.size
        image.virtual_size = result.virtual_size
        image.checksum_md5 = result.md5
        image.os_hash_algo = "sha512"
        image.os_hash_value = result.sha512
        image.progress_done = result.size
        image.progress_total = result.size
        image.heartbeat_at = timezone.now()
        image.save()
        imported = history.IMPORT_SUCCEEDED(
            size=SIZE(bytes=result.size),
            virtual_size=SIZE(bytes=result.virtual_size),
            sha512=result.sha512[:16],
        )
        record_image(image, Topic.IMPORT_IMAGE, imported, actor=None, result=SUCCESS)
        if staged_upload:
            transaction.on_commit(lambda: delete_image_file(staged_upload))


def _fail(image_id, attempt: int, reason: Message) -> None:
    with transaction.atomic():
        failed = _owned(image_id, attempt).update(
            status=Image.Status.ERROR, failure=reason.as_data(), heartbeat_at=timezone.now()
        )
        if failed:
            image = Image.objects.select_related("account").get(pk=image_id)
            record_image(image, Topic.IMPORT_IMAGE, reason, actor=None, result=FAILURE)


def image_recover_stalled() -> dict[str, int]:
    """Periodic: enqueue again images left Queued (the broker lost the message) and
    take back imports whose worker died (no progress for CONSOLE_IMPORT_STALE_SECONDS).

    A stalled import goes back to Queued as a new attempt, or to Error once the
    attempts are used up; the dead attempt can no longer write (its attempt number
    no longer matches), so two imports of one image never run at once.
    """
    now = timezone.now()
    requeue_before = now - timedelta(seconds=settings.CONSOLE_REQUEUE_AFTER_SECONDS)
    stale_before = now - timedelta(seconds=settings.CONSOLE_IMPORT_STALE_SECONDS)
    maximum = settings.CONSOLE_IMPORT_MAX_ATTEMPTS
    counts = {"requeued": 0, "recovered": 0, "failed": 0}

    waiting = Image.objects.filter(status=Image.Status.QUEUED, heartbeat_at__lt=requeue_before)
    for image_id in waiting.values_list("id", flat=True)[:500]:
        with transaction.atomic():
            bumped = Image.objects.filter(
                pk=image_id, status=Image.Status.QUEUED, heartbeat_at__lt=requeue_before
            ).update(heartbeat_at=now)
            if bumped:
                enqueue_import(Image(pk=image_id))
                counts["requeued"] += 1

    stalled = Image.objects.filter(status=Image.Status.IMPORTING, heartbeat_at__lt=stale_before)
    for image_id, attempt in stalled.values_list("id", "import_attempts")[:500]:
        with transaction.atomic():
            exhausted = attempt >= maximum
            taken = _owned(image_id, attempt).filter(heartbeat_at__lt=stale_before)
            if exhausted:
                reason = REASON_TOO_MANY_ATTEMPTS(n=maximum)
                changed = taken.update(
                    status=Image.Status.ERROR, failure=reason.as_data(), heartbeat_at=now
                )
            else:
                changed = taken.update(status=Image.Status.QUEUED, heartbeat_at=now)
            if not changed:
                continue
            image = Image.objects.select_related("account").get(pk=image_id)
            if exhausted:
                record_image(image, Topic.IMPORT_IMAGE, reason, actor=None, result=FAILURE)
                counts["failed"] += 1
            else:
                record_image(
                    image,
                    Topic.IMPORT_IMAGE,
                    history.IMPORT_STALLED(attempt=attempt, maximum=maximum),
                    actor=None,
                    result=FAILURE,
                )
                enqueue_import(image)
                counts["recovered"] += 1
    return counts
