"""Import leases: a running import keeps its lease alive; the reaper takes back an import
whose lease is dead, queues it again and removes the files the dead attempt left; a task
delivered again takes over a dead lease and leaves a live one alone."""

import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from console.models import WorkHistory
from images import importing
from images.models import Image
from images.pipeline.storage import attempt_file_name
from tests.support.factories import make_image
from tests.support.images import (
    MIB,
    create_queued,
    import_in_thread,
    qcow2_bytes,
    stored_files,
    wait_for_status,
)

pytestmark = pytest.mark.django_db(transaction=True)

URL = "https://images.example.com/a.qcow2"


@pytest.fixture
def allow_loopback(settings):
    settings.CONSOLE_IMPORT_ALLOW_HOSTS = ["127.0.0.1"]


def _dead(settings) -> timezone.datetime:
    return timezone.now() - timedelta(seconds=settings.CONSOLE_IMPORT_LEASE_SECONDS + 5)


def _importing(image: Image, *, attempts: int, serial: int, heartbeat) -> Image:
    """The image as a worker left it: claimed by attempt ``serial`` and silent since."""
    Image.objects.filter(pk=image.pk).update(
        status="Importing", import_attempts=attempts, import_serial=serial, heartbeat_at=heartbeat
    )
    image.refresh_from_db()
    return image


def _left_behind(image: Image, serial: int) -> list[str]:
    """What a worker killed mid-import leaves: the half-written file of its attempt."""
    name = attempt_file_name(image.account_id, image.pk, serial)
    partial = default_storage.save(name + ".partial", ContentFile(b"half an image"))
    assert partial == name + ".partial"
    return [partial]


def _details(image: Image) -> list[tuple[str, str]]:
    rows = WorkHistory.objects.for_resource(image.pk).order_by("work_time", "id")
    return [(r.result, r.work_details) for r in rows]


def test_the_defaults_are_a_60_second_lease_and_a_reaper_every_15_seconds(settings):
    assert settings.CONSOLE_IMPORT_LEASE_SECONDS == 60
    assert settings.CONSOLE_IMPORT_HEARTBEAT_SECONDS == 5
    schedule = settings.CELERY_BEAT_SCHEDULE["images-recover-stalled-imports"]
    assert (schedule["task"], schedule["schedule"]) == ("images.tasks.image_recover_stalled", 15)


def test_it_takes_back_a_dead_import_removes_its_files_and_queues_it_again(world, settings):
    image = _importing(
        create_queued(world.acme, world.alice, url=URL),
        attempts=1,
        serial=1,
        heartbeat=_dead(settings),
    )
    left = _left_behind(image, serial=1)
    assert stored_files() == left
    alive = _importing(
        create_queued(world.acme, world.alice, url=URL, name="alive"),
        attempts=1,
        serial=4,
        heartbeat=timezone.now(),
    )
    _left_behind(alive, serial=4)

    counts = importing.image_recover_stalled()

    assert counts == {"requeued": 0, "recovered": 1, "failed": 0}
    image.refresh_from_db()
    alive.refresh_from_db()
    assert (image.status, image.import_attempts) == ("Queued", 1)
    assert alive.status == "Importing"  # its lease is alive: never taken from its worker
    # The dead attempt's partial file is gone; the live one's stays.
    assert stored_files() == [f"images/{alive.account_id}/{alive.pk}-4.qcow2.partial"]
    # The dead attempt can no longer write: its serial is not the image's any more.
    assert not importing._owned(image.pk, 1).exists()
    assert _details(image)[-1] == (
        "Failure",
        "The import stopped responding (attempt 1 of 3); queued again",
    )


def test_it_gives_up_after_the_worker_died_three_times_and_leaves_no_file(world, settings):
    image = create_queued(world.acme, world.alice, url=URL)
    image = _importing(image, attempts=3, serial=3, heartbeat=_dead(settings))
    _left_behind(image, serial=3)

    counts = importing.image_recover_stalled()

    image.refresh_from_db()
    assert counts["failed"] == 1
    assert image.status == "Error"
    assert image.failure_reason == "The import was interrupted 3 times and was given up"
    assert stored_files() == []


def test_a_redelivered_task_takes_over_a_dead_lease(world, settings, http_server, allow_loopback):
    data = qcow2_bytes(data_bytes=MIB)
    url = http_server.serve_bytes("/disk.qcow2", data)
    image = create_queued(world.acme, world.alice, url=url)
    image = _importing(image, attempts=1, serial=1, heartbeat=_dead(settings))
    _left_behind(image, serial=1)

    importing.image_import(image_id=image.pk)  # the broker delivers the task again

    image.refresh_from_db()
    assert (image.status, image.import_attempts, image.import_serial) == ("Active", 2, 2)
    assert (
        stored_files() == [image.stored_file] == [f"images/{image.account_id}/{image.pk}-2.qcow2"]
    )
    assert _details(image)[-2] == (
        "Success",
        "Import started (attempt 2 of 3); the previous attempt stopped responding",
    )


def test_a_redelivered_task_leaves_a_live_lease_alone(world, settings, http_server, allow_loopback):
    url = http_server.serve_bytes("/disk.qcow2", qcow2_bytes(data_bytes=MIB))
    image = create_queued(world.acme, world.alice, url=url)
    image = _importing(image, attempts=1, serial=1, heartbeat=timezone.now())
    files = _left_behind(image, serial=1)

    importing.image_import(image_id=image.pk)

    image.refresh_from_db()
    assert (image.status, image.import_serial) == ("Importing", 1)
    assert http_server.requests == []
    assert stored_files() == files


def test_it_fails_after_the_attempts_are_used_up_on_redelivery(world, settings):
    image = create_queued(world.acme, world.alice, url=URL)
    Image.objects.filter(pk=image.pk).update(import_attempts=settings.CONSOLE_IMPORT_MAX_ATTEMPTS)
    importing.image_import(image_id=image.pk)
    image.refresh_from_db()
    assert image.status == "Error"
    assert image.failure_reason == "The import was interrupted 3 times and was given up"


def test_it_renews_the_lease_while_the_server_pauses(world, settings, http_server, allow_loopback):
    settings.CONSOLE_IMPORT_HEARTBEAT_SECONDS = 1
    data = qcow2_bytes(virtual_size=64 * MIB, data_bytes=4 * MIB)
    url = http_server.serve_slow("/slow.qcow2", data, stall_after=2 * MIB, stall_for=4)
    image = create_queued(world.acme, world.alice, url=url)
    worker = import_in_thread(image.pk)
    wait_for_status(image, ("Importing",), timeout=10)
    # While no byte arrives, the progress stands still but the heartbeat keeps moving.
    time.sleep(1.5)
    image.refresh_from_db()
    first, done = image.heartbeat_at, image.progress_done
    time.sleep(2)
    image.refresh_from_db()
    assert image.progress_done == done
    assert image.heartbeat_at > first
    worker.join(30)
    image.refresh_from_db()
    assert image.status == "Active"


def test_it_sends_again_an_import_left_queued(
    world, settings, http_server, allow_loopback, celery_worker
):
    url = http_server.serve_bytes("/disk.qcow2", qcow2_bytes(data_bytes=MIB))
    # An image whose message the broker lost long ago (no task was ever consumed).
    lost = make_image(
        world.acme,
        world.alice,
        status="Queued",
        file_url=url,
        size=None,
        virtual_size=None,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.CONSOLE_REQUEUE_AFTER_SECONDS + 5),
    )

    assert importing.image_recover_stalled()["requeued"] == 1
    assert importing.image_recover_stalled()["requeued"] == 0

    lost = wait_for_status(lost, ("Active", "Error"))
    assert (lost.status, lost.import_attempts) == ("Active", 1)
