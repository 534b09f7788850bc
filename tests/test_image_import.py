"""The import pipeline end to end: a real worker, a real HTTP server on 127.0.0.1,
real qcow2 files, the real storage."""

import hashlib
import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from console.models import WorkHistory
from images import importing
from images.models import Image
from images.qcow2 import build_qcow2
from tests.support.images import (
    MIB,
    create_queued,
    qcow2_bytes,
    stored_files,
    wait_for_status,
)

pytestmark = pytest.mark.worker


@pytest.fixture
def allow_loopback(settings):
    settings.CONSOLE_IMPORT_ALLOW_HOSTS = ["127.0.0.1"]


def _form(**overrides):
    data = {
        "name": "ubuntu-24",
        "source": "url",
        "file_url": "",
        "os_type": "ubuntu",
        "min_disk_gb": "20",
        "min_ram_gb": "8",
        "visibility": "Private",
    }
    data.update(overrides)
    return data


def _topics(image) -> list[tuple[str, str, str]]:
    rows = WorkHistory.objects.for_resource(image.pk).order_by("work_time", "id")
    return [(r.event_topic, r.result, r.worker_id) for r in rows]


def test_it_imports_from_a_url_through_a_real_worker(
    world, alice_client, http_server, allow_loopback, celery_worker
):
    data = qcow2_bytes(virtual_size=256 * MIB, data_bytes=3 * MIB)
    url = http_server.serve_bytes("/images/ubuntu.qcow2", data)

    response = alice_client.post(reverse("images:create"), _form(file_url=url))

    assert response.status_code == 302
    image = Image.objects.get(name="ubuntu-24")
    assert image.file_url == url
    image = wait_for_status(image, ("Active", "Error"))
    assert image.status == "Active", image.failure_reason
    assert image.os_hash_algo == "sha512"
    assert image.os_hash_value == hashlib.sha512(data).hexdigest()
    assert image.checksum_md5 == hashlib.md5(data).hexdigest()  # noqa: S324
    assert image.size == len(data)
    assert image.virtual_size == 256 * MIB
    assert image.progress_done == image.progress_total == len(data)
    assert stored_files() == [image.stored_file]
    assert _topics(image) == [
        ("CreateImage", "Success", str(world.alice.pk)),
        ("ImportImage", "Success", "system"),
        ("ImportImage", "Success", "system"),
    ]


def test_it_imports_a_browser_upload_through_a_real_worker(world, alice_client, celery_worker):
    data = qcow2_bytes(virtual_size=128 * MIB, data_bytes=1 * MIB, seed=7)
    upload = SimpleUploadedFile("rocky.qcow2", data, content_type="application/octet-stream")

    response = alice_client.post(
        reverse("images:create"), _form(name="rocky 9", source="file", upload=upload)
    )

    assert response.status_code == 302
    image = Image.objects.get(name="rocky 9")
    assert image.file_url == ""
    assert image.source_file.startswith("uploads/")
    image = wait_for_status(image, ("Active", "Error"))
    assert image.status == "Active", image.failure_reason
    assert image.os_hash_value == hashlib.sha512(data).hexdigest()
    assert image.virtual_size == 128 * MIB
    # The staged upload is gone once imported: only the image file stays.
    assert stored_files() == [image.stored_file]
    assert image.source_file == ""


@pytest.mark.django_db(transaction=True)
class TestRefusals:
    """Each refusal ends in Error with its reason and leaves no file behind."""

    def _import(self, world, url: str) -> Image:
        image = create_queued(world.acme, world.alice, url=url)
        importing.image_import(image_id=image.pk)
        image.refresh_from_db()
        assert image.status == "Error"
        assert stored_files() == []
        failure = WorkHistory.objects.for_resource(image.pk).filter(result="Failure").get()
        assert failure.work_details == image.failure_reason
        assert failure.worker_id == "system"
        return image

    def test_it_refuses_a_backing_file(self, world, http_server, allow_loopback):
        url = http_server.serve_bytes("/b.qcow2", build_qcow2(MIB, backing_file="/etc/passwd"))
        assert "backing file" in self._import(world, url).failure_reason

    def test_it_refuses_an_external_data_file(self, world, http_server, allow_loopback):
        url = http_server.serve_bytes("/d.qcow2", build_qcow2(MIB, data_file_bit=True))
        assert "external data file" in self._import(world, url).failure_reason

    def test_it_refuses_a_file_that_is_not_qcow2(self, world, http_server, allow_loopback):
        url = http_server.serve_bytes("/fake.qcow2", b"\x00" * (2 * MIB))
        assert self._import(world, url).failure_reason == "The file is not a qcow2 image"

    def test_it_refuses_a_truncated_header(self, world, http_server, allow_loopback):
        url = http_server.serve_bytes("/t.qcow2", build_qcow2(MIB)[:40])
        reason = self._import(world, url).failure_reason
        assert reason == "The qcow2 header is truncated or damaged"

    def test_it_refuses_a_content_length_mismatch(self, world, http_server, allow_loopback):
        data = qcow2_bytes(data_bytes=MIB)
        url = http_server.serve_truncated(
            "/short.qcow2", data[: len(data) // 2], announced=len(data)
        )
        reason = self._import(world, url).failure_reason
        sent, announced = len(data) // 2, len(data)
        assert reason == f"The server sent {sent:,} bytes but announced {announced:,}"

    def test_it_refuses_a_redirect_to_a_loopback_address_not_allowed(
        self, world, http_server, allow_loopback, loopback_only
    ):
        target = f"http://127.0.0.2:{http_server.port}/x.qcow2"
        url = http_server.redirect("/redirect.qcow2", target)
        assert "private address" in self._import(world, url).failure_reason
        assert [r.path for r in http_server.requests] == ["/redirect.qcow2"]

    def test_it_refuses_a_host_resolving_to_a_private_address(self, world, stub_resolver):
        stub = stub_resolver({"images.corp.example": ["10.20.30.40"]})
        reason = self._import(world, "http://images.corp.example/disk.qcow2").failure_reason
        assert reason == "The URL resolves to a private address"
        assert stub.lookups == ["images.corp.example"]

    def test_it_refuses_a_decimal_encoded_loopback_address(self, world, loopback_only, settings):
        settings.CONSOLE_IMPORT_ALLOW_HOSTS = []
        reason = self._import(world, "http://2130706433/disk.qcow2").failure_reason
        assert "private address" in reason

    def test_it_stops_a_download_over_the_cap(self, world, http_server, allow_loopback, settings):
        settings.CONSOLE_MAX_IMAGE_BYTES = MIB
        url = http_server.serve_bytes(
            "/big.qcow2", qcow2_bytes(data_bytes=2 * MIB), content_length=False
        )
        assert self._import(world, url).failure_reason == "Download stopped at 1 MiB"


@pytest.mark.django_db(transaction=True)
def test_it_imports_once_when_the_task_runs_twice(world, http_server, allow_loopback):
    url = http_server.serve_bytes("/once.qcow2", qcow2_bytes(data_bytes=MIB))
    image = create_queued(world.acme, world.alice, url=url)
    threads = [
        threading.Thread(target=importing.image_import, kwargs={"image_id": image.pk})
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    importing.image_import(image_id=image.pk)
    image.refresh_from_db()
    assert image.status == "Active"
    assert image.import_attempts == 1
    assert [r.path for r in http_server.requests] == ["/once.qcow2"]
    started = WorkHistory.objects.for_resource(image.pk).filter(
        details__code="image.import.started"
    )
    assert started.count() == 1
    assert len(stored_files()) == 1


@pytest.mark.django_db(transaction=True)
def test_it_stops_quietly_for_a_deleted_image(world, http_server, allow_loopback):
    url = http_server.serve_bytes("/gone.qcow2", qcow2_bytes(data_bytes=MIB))
    image = create_queued(world.acme, world.alice, url=url)
    Image.objects.filter(pk=image.pk).delete()
    importing.image_import(image_id=image.pk)
    assert http_server.requests == []
    assert stored_files() == []


@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_file_when_the_image_is_deleted_during_the_import(
    world, http_server, allow_loopback
):
    data = qcow2_bytes(virtual_size=64 * MIB, data_bytes=8 * MIB)
    url = http_server.serve_slow("/slow.qcow2", data, stall_after=4 * MIB, stall_for=2.5)
    image = create_queued(world.acme, world.alice, url=url)
    worker = threading.Thread(target=importing.image_import, kwargs={"image_id": image.pk})
    worker.start()
    wait_for_status(image, ("Importing",), timeout=10)
    Image.objects.filter(pk=image.pk).delete()
    worker.join(60)
    assert not worker.is_alive()
    assert stored_files() == []


@pytest.mark.django_db(transaction=True)
def test_it_retries_an_image_whose_import_failed(world, alice_client, http_server, allow_loopback):
    http_server.serve_bytes("/later.qcow2", b"not yet a disk image" * 100)
    image = create_queued(world.acme, world.alice, url=http_server.url("/later.qcow2"))
    importing.image_import(image_id=image.pk)
    image.refresh_from_db()
    assert image.status == "Error"

    data = qcow2_bytes(data_bytes=MIB, seed=3)
    http_server.serve_bytes("/later.qcow2", data)
    response = alice_client.post(reverse("images:retry", args=[image.pk]))
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.status, image.failure_reason, image.import_attempts) == ("Queued", "", 0)
    importing.image_import(image_id=image.pk)
    image.refresh_from_db()
    assert image.status == "Active"
    assert image.os_hash_value == hashlib.sha512(data).hexdigest()
    assert (
        WorkHistory.objects.for_resource(image.pk).filter(event_topic="RetryImageImport").exists()
    )


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_retry_an_image_that_did_not_fail(world, alice_client):
    image = create_queued(world.acme, world.alice, url="https://images.example.com/a.qcow2")
    response = alice_client.post(reverse("images:retry", args=[image.pk]), follow=True)
    assert b"Only an image whose import failed" in response.content
    image.refresh_from_db()
    assert image.status == "Queued"


@pytest.mark.django_db(transaction=True)
def test_it_gives_up_after_the_worker_died_three_times(world, settings):
    image = create_queued(world.acme, world.alice, url="https://images.example.com/a.qcow2")
    stale = timezone.now() - timedelta(seconds=settings.CONSOLE_IMPORT_STALE_SECONDS + 5)
    # The worker took the image (attempt 3) and died without a word.
    Image.objects.filter(pk=image.pk).update(
        status="Importing", import_attempts=3, heartbeat_at=stale
    )

    counts = importing.image_recover_stalled()

    image.refresh_from_db()
    assert counts["failed"] == 1
    assert image.status == "Error"
    assert image.failure_reason == "The import was interrupted 3 times and was given up"


@pytest.mark.django_db  # in one transaction, so on-commit work can be captured
def test_it_requeues_an_import_whose_worker_died(
    world, settings, django_capture_on_commit_callbacks
):
    image = create_queued(world.acme, world.alice, url="https://images.example.com/a.qcow2")
    stale = timezone.now() - timedelta(seconds=settings.CONSOLE_IMPORT_STALE_SECONDS + 5)
    Image.objects.filter(pk=image.pk).update(
        status="Importing", import_attempts=1, heartbeat_at=stale
    )
    fresh = create_queued(
        world.acme, world.alice, url="https://images.example.com/b.qcow2", name="b"
    )
    Image.objects.filter(pk=fresh.pk).update(status="Importing", import_attempts=1)

    with django_capture_on_commit_callbacks() as callbacks:
        counts = importing.image_recover_stalled()

    assert counts == {"requeued": 0, "recovered": 1, "failed": 0}
    assert len(callbacks) == 1
    image.refresh_from_db()
    fresh.refresh_from_db()
    assert image.status == "Queued"
    assert fresh.status == "Importing"  # still alive: never taken from its worker
    # The dead attempt can no longer write: its attempt number is not the image's.
    assert not importing._owned(image.pk, 1).exists()


@pytest.mark.django_db  # in one transaction, so on-commit work can be captured
def test_it_enqueues_again_an_image_left_queued(
    world, settings, django_capture_on_commit_callbacks
):
    image = create_queued(world.acme, world.alice, url="https://images.example.com/a.qcow2")
    old = timezone.now() - timedelta(seconds=settings.CONSOLE_REQUEUE_AFTER_SECONDS + 5)
    Image.objects.filter(pk=image.pk).update(heartbeat_at=old)
    with django_capture_on_commit_callbacks() as callbacks:
        assert importing.image_recover_stalled()["requeued"] == 1
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        assert importing.image_recover_stalled()["requeued"] == 0
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_it_fails_after_the_attempts_are_used_up_on_redelivery(world, settings):
    image = create_queued(world.acme, world.alice, url="https://images.example.com/a.qcow2")
    Image.objects.filter(pk=image.pk).update(import_attempts=settings.CONSOLE_IMPORT_MAX_ATTEMPTS)
    importing.image_import(image_id=image.pk)
    image.refresh_from_db()
    assert image.status == "Error"
    assert "interrupted 3 times" in image.failure_reason
