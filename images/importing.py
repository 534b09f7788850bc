"""The worker side of an image: claim, fetch or copy, hash, inspect, store, settle.

Claims and settlements are conditional updates on (status, attempt serial), so a duplicate or
redelivered task does nothing, an import whose image was deleted stops and removes its file,
and an import taken over after a worker died cannot overwrite the new attempt.

Import leases: while an attempt runs, its image's heartbeat is renewed every
CONSOLE_IMPORT_HEARTBEAT_SECONDS. The reaper (:func:`image_recover_stalled`, run by beat every
CONSOLE_REAPER_INTERVAL_SECONDS) takes back an import whose heartbeat is older than
CONSOLE_IMPORT_LEASE_SECONDS and queues it again; a task delivered again for such an import
takes it over itself, while one for a live lease does nothing. Each attempt's file is named
after the image and the attempt's serial, so whoever takes over removes what the dead attempt
left behind, wherever it ran.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from console.formats import SIZE
from console.phrases import Message
from console.work_history import FAILURE, SUCCESS
from images import history
from images.history import Topic, record_image
from images.models import Image
from images.pipeline.errors import (
    REASON_NOT_RECORDED,
    REASON_SOURCE_GONE,
    REASON_TOO_MANY_ATTEMPTS,
    REASON_TOO_SLOW,
    REASON_UNEXPECTED,
    STORAGE_FAILED,
    ImportFailed,
)
from images.pipeline.fetch import open_url
from images.pipeline.ingest import IngestResult, ingest
from images.pipeline.qcow2_layout import check_tables
from images.pipeline.storage import (
    attempt_file_name,
    delete_image_file,
    open_image_writer,
    open_ranges,
    open_stream,
)
from images.services import enqueue_import, send_import

log = logging.getLogger(__name__)

# The most images one reaper run handles; the next run (seconds later) takes the rest.
REAPER_BATCH = 500


class ImportAborted(Exception):
    """The image was deleted, or another attempt took the import over."""


def _owned(image_id, serial: int):
    return Image.objects.filter(pk=image_id, status=Image.Status.IMPORTING, import_serial=serial)


def _lease_dead_before():
    return timezone.now() - timedelta(seconds=settings.CONSOLE_IMPORT_LEASE_SECONDS)


def _claim(image_id) -> Image | None:
    """Queued -> Importing, or a dead lease taken over; the claimed image (its
    ``import_serial`` names the attempt), or None if there is nothing to do."""
    maximum = settings.CONSOLE_IMPORT_MAX_ATTEMPTS
    dead_before = _lease_dead_before()
    with transaction.atomic():
        current = (
            Image.objects.filter(pk=image_id)
            .values("status", "import_attempts", "import_serial", "heartbeat_at", "account_id")
            .first()
        )
        if current is None:
            return None  # deleted meanwhile
        heartbeat = current["heartbeat_at"]
        takeover = current["status"] == Image.Status.IMPORTING and (
            heartbeat is None or heartbeat < dead_before
        )
        if current["status"] != Image.Status.QUEUED and not takeover:
            return None  # settled, or another attempt holds a live lease
        # The row must still be exactly as read: a second task racing this one changes it.
        same = Image.objects.filter(
            pk=image_id, status=current["status"], import_serial=current["import_serial"]
        )
        if takeover:
            same = same.filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=dead_before))
        attempt = current["import_attempts"] + 1
        if attempt > maximum:
            if _give_up(same, image_id) and takeover:
                _remove_on_commit(current["account_id"], image_id, current["import_serial"])
            return None
        claimed = same.update(
            status=Image.Status.IMPORTING,
            import_attempts=attempt,
            import_serial=F("import_serial") + 1,
            awaiting_worker=False,
            heartbeat_at=timezone.now(),
            progress_done=0,
            progress_total=None,
        )
        if claimed != 1:
            return None
        if takeover:
            _remove_on_commit(current["account_id"], image_id, current["import_serial"])
        image = Image.objects.select_related("account").get(pk=image_id)
        started = (history.IMPORT_TAKEN_OVER if takeover else history.IMPORT_STARTED)(
            attempt=attempt, maximum=maximum
        )
        record_image(image, Topic.IMPORT_IMAGE, started, actor=None)
        return image


def _give_up(same, image_id) -> bool:
    reason = REASON_TOO_MANY_ATTEMPTS(n=settings.CONSOLE_IMPORT_MAX_ATTEMPTS)
    if not same.update(status=Image.Status.ERROR, failure=reason.as_data(), awaiting_worker=False):
        return False
    image = Image.objects.select_related("account").get(pk=image_id)
    record_image(image, Topic.IMPORT_IMAGE, reason, actor=None, result=FAILURE)
    return True


def _remove_on_commit(account_id, image_id, serial: int) -> None:
    if serial:
        name = attempt_file_name(account_id, image_id, serial)
        transaction.on_commit(lambda: delete_image_file(name), robust=True)


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
    if not image.source_file:
        raise ImportFailed(REASON_SOURCE_GONE)
    opened = False
    try:
        with open_stream(image.source_file) as (read, size):
            opened = True
            yield read, size
    except FileNotFoundError as missing:
        if opened:
            raise
        raise ImportFailed(REASON_SOURCE_GONE) from missing


@contextmanager
def _lease(image_id, serial: int) -> Iterator[None]:
    """Renew the attempt's heartbeat on a thread of its own for as long as the block runs.

    An attempt that is alive but moves no bytes for a while (a server that pauses, the upload
    of a large file to object storage, the table check) keeps its lease; a worker that dies
    stops renewing, and the reaper takes the import back. The renewal applies only while the
    attempt still owns the import; the attempt itself notices a lost import at its next
    progress report. The first renewal waits one interval, so a short import never opens a
    second database connection.
    """
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(settings.CONSOLE_IMPORT_HEARTBEAT_SECONDS):
                try:
                    _owned(image_id, serial).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    log.warning("Could not renew the import lease of image %s", image_id)
                    connection.close()  # reconnect at the next renewal
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=renew, name=f"import-lease-{image_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def image_import(*, image_id) -> None:
    """Import one image; safe to call any number of times for the same image."""
    image = _claim(image_id)
    if image is None:
        return
    serial = image.import_serial
    name = attempt_file_name(image.account_id, image.id, serial)
    reported_outage = False

    def on_progress(done: int, total: int | None) -> None:
        nonlocal reported_outage
        try:
            alive = _owned(image_id, serial).update(
                progress_done=done, progress_total=total, heartbeat_at=timezone.now()
            )
        except DatabaseError:
            # The database is out of reach for a moment: keep the bytes moving and reconnect
            # at the next report. An outage longer than the lease lets the reaper take the
            # import back, and the next report then finds it gone.
            if not reported_outage:
                log.warning("Import of image %s cannot reach the database", image_id)
                reported_outage = True
            connection.close()
            return
        reported_outage = False
        if not alive:
            raise ImportAborted

    with _lease(image_id, serial):
        try:
            result = _store(image, name, on_progress)
        except ImportAborted:
            _remove_quietly(name)
            return
        except ImportFailed as failure:
            _remove_quietly(name)
            _fail(image_id, serial, failure.message)
            return
        except SoftTimeLimitExceeded:
            _remove_quietly(name)
            _fail(image_id, serial, REASON_TOO_SLOW())
            return
        except OSError:
            # The storage refused or could not be reached (a bucket out of reach, a full disk).
            log.warning("Import of image %s could not use the storage", image_id, exc_info=True)
            _remove_quietly(name)
            _fail(image_id, serial, STORAGE_FAILED())
            return
        except Exception:
            log.exception("Import of image %s failed", image_id)
            _remove_quietly(name)
            _fail(image_id, serial, REASON_UNEXPECTED())
            return
        _succeed(image_id, serial, name, result)


def _remove_quietly(name: str) -> None:
    """Remove an attempt's file when the storage may still be out of reach: what cannot be
    removed now is aborted or removed by the orphan sweep later."""
    try:
        delete_image_file(name)
    except OSError:
        log.warning("Could not remove %s; the orphan sweep will", name)


def _store(image: Image, name: str, on_progress: Callable[[int, int | None], None]):
    """Stream the source into storage as ``name``, then prove from the stored file's
    metadata that its tables stay inside it; returns what the streaming pass learnt."""
    with open_image_writer(name) as writer:
        with _open_source(image) as (read, expected_length):
            result = ingest(
                read,
                writer.file,
                max_bytes=settings.CONSOLE_MAX_IMAGE_BYTES,
                max_virtual_bytes=settings.CONSOLE_MAX_VIRTUAL_BYTES,
                expected_length=expected_length,
                on_progress=on_progress,
            )
        stored = writer.commit()
    if stored != name:
        raise RuntimeError(f"storage kept {name} as {stored}")
    with open_ranges(stored) as (read_range, size):
        check_tables(read_range, size)
    return result


def _succeed(image_id, serial: int, stored: str, result: IngestResult) -> None:
    try:
        kept, staged_upload = _settle_active(image_id, serial, stored, result)
    except Exception:
        # Whatever went wrong (a value the database refuses, a lost connection), the attempt
        # must not stay Importing with a file nothing refers to.
        log.exception("Image %s was imported but could not be recorded", image_id)
        _settle_failed(image_id, serial, stored)
        return
    if not kept:
        _remove_quietly(stored)
    elif staged_upload:
        _remove_quietly(staged_upload)


def _settle_active(image_id, serial: int, stored: str, result: IngestResult) -> tuple[bool, str]:
    """Importing -> Active; returns (the file was kept, the staged upload to remove)."""
    with transaction.atomic():
        image = Image.objects.select_for_update().filter(pk=image_id).first()
        if image is None or image.status != Image.Status.IMPORTING or image.import_serial != serial:
            return False, ""  # deleted meanwhile, or taken over by another attempt
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
    return True, staged_upload


def _settle_failed(image_id, serial: int, stored: str) -> None:
    """After recording success failed: end the attempt in Error and remove its file."""
    connection.close()  # the failure may have broken it; the next query reconnects
    try:
        recorded = Image.objects.filter(
            pk=image_id, status=Image.Status.ACTIVE, import_serial=serial, stored_file=stored
        ).exists()
    except DatabaseError:
        # Whether the image was recorded cannot be told now. The file stays: removing it could
        # lose an Active image's file; if nothing refers to it, the orphan sweep removes it.
        log.warning("Image %s: keeping %s until the database answers again", image_id, stored)
        return
    if recorded:
        return  # the commit went through; only its acknowledgement was lost
    _remove_quietly(stored)
    _fail(image_id, serial, REASON_NOT_RECORDED())


def _fail(image_id, serial: int, reason: Message) -> None:
    with transaction.atomic():
        failed = _owned(image_id, serial).update(
            status=Image.Status.ERROR, failure=reason.as_data(), heartbeat_at=timezone.now()
        )
        if failed:
            image = Image.objects.select_related("account").get(pk=image_id)
            record_image(image, Topic.IMPORT_IMAGE, reason, actor=None, result=FAILURE)


def image_recover_stalled() -> dict[str, int]:
    """The reaper, run by beat: send again the imports of images left Queued (the worker could
    not be reached, or the broker lost the message) and take back imports whose lease is dead.

    A dead import goes back to Queued as a new attempt, or to Error once the attempts are used
    up; its files are removed, and it can no longer write (its serial no longer matches), so
    two imports of one image never run at once.
    """
    now = timezone.now()
    requeue_before = now - timedelta(seconds=settings.CONSOLE_REQUEUE_AFTER_SECONDS)
    dead_before = _lease_dead_before()
    maximum = settings.CONSOLE_IMPORT_MAX_ATTEMPTS
    counts = {"requeued": 0, "recovered": 0, "failed": 0}

    # Never handed to a worker, or handed over long ago and not started.
    unsent = (
        Q(awaiting_worker=True) | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=requeue_before)
    )
    waiting = Image.objects.filter(unsent, status=Image.Status.QUEUED)
    for image_id in waiting.values_list("id", flat=True)[:REAPER_BATCH]:
        # Bumping the heartbeat first keeps a second reaper run from sending it as well.
        bumped = Image.objects.filter(unsent, pk=image_id, status=Image.Status.QUEUED).update(
            heartbeat_at=now
        )
        if bumped and send_import(image_id):
            counts["requeued"] += 1

    stalled = Image.objects.filter(status=Image.Status.IMPORTING).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=dead_before)
    )
    rows = stalled.values_list("id", "account_id", "import_attempts", "import_serial")
    for image_id, account_id, attempts, serial in rows[:REAPER_BATCH]:
        with transaction.atomic():
            exhausted = attempts >= maximum
            taken = _owned(image_id, serial).filter(
                Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=dead_before)
            )
            if exhausted:
                reason = REASON_TOO_MANY_ATTEMPTS(n=maximum)
                changed = taken.update(
                    status=Image.Status.ERROR, failure=reason.as_data(), heartbeat_at=now
                )
            else:
                changed = taken.update(status=Image.Status.QUEUED, heartbeat_at=now)
            if not changed:
                continue
            _remove_on_commit(account_id, image_id, serial)
            image = Image.objects.select_related("account").get(pk=image_id)
            if exhausted:
                record_image(image, Topic.IMPORT_IMAGE, reason, actor=None, result=FAILURE)
                counts["failed"] += 1
            else:
                record_image(
                    image,
                    Topic.IMPORT_IMAGE,
                    history.IMPORT_STALLED(attempt=attempts, maximum=maximum),
                    actor=None,
                    result=FAILURE,
                )
                enqueue_import(image)
                counts["recovered"] += 1
    return counts
