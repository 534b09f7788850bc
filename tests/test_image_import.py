"""The import pipeline end to end: a real worker, a real HTTP server on 127.0.0.1,
real qcow2 files, the real storage."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from console.models import WorkHistory
from images import importing
from images.models import Image
from images.qcow2 import build_qcow2
from tests.support.http_server import Route
from tests.support.images import (
    MIB,
    create_queued,
    import_in_thread,
    qcow2_bytes,
    stored_files,
    wait_for_status,
)

pytestmark = pytest.mark.worker

GIB = 1 << 30


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

    @pytest.mark.parametrize(
        "route",
        [
            {"chunked": True},
            {"content_length": "{n}, {n}"},
        ],
        ids=["chunked-with-content-length", "content-length-list"],
    )
    def test_it_says_a_body_shorter_than_its_content_length_is_short(
        self, world, http_server, allow_loopback, route
    ):
        # The file is a qcow2 cut inside its tables: the body, not the image, is what is short.
        data = qcow2_bytes(data_bytes=MIB)
        body = build_qcow2(GIB)[: 100 * 1024]
        options = {k: v.format(n=len(data)) if isinstance(v, str) else v for k, v in route.items()}
        options.setdefault("content_length", len(data))
        url = http_server.add("/short.qcow2", Route(body=body, **options))
        assert self._import(world, url).failure_reason == (
            f"The server sent {len(body):,} bytes but announced {len(data):,}"
        )

    def test_it_refuses_a_qcow2_truncated_inside_its_data(self, world, http_server, allow_loopback):
        # Header, L1 and refcount tables intact; the L2 tables name clusters past the end.
        data = qcow2_bytes(virtual_size=64 * MIB, data_bytes=4 * MIB)
        url = http_server.serve_bytes("/cut.qcow2", data[: len(data) - 2 * MIB])
        reason = self._import(world, url).failure_reason
        assert reason == "The file ends before the qcow2 image does"

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
    threads = [import_in_thread(image.pk) for _ in range(3)]
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
    worker = import_in_thread(image.pk)
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


def _claiming_virtual_size(virtual_size: int) -> bytes:
    data = qcow2_bytes(virtual_size=64 * MIB, data_bytes=MIB)
    return data[:24] + virtual_size.to_bytes(8, "big") + data[32:]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("virtual_size", "shown"), [(1 << 63, "8 EiB"), (1 << 62, "4 EiB")], ids=["2^63", "2^62"]
)
def test_it_refuses_a_header_claiming_exabytes_at_once(
    world, http_server, allow_loopback, virtual_size, shown
):
    url = http_server.serve_bytes("/huge.qcow2", _claiming_virtual_size(virtual_size))
    image = create_queued(world.acme, world.alice, url=url)

    importing.image_import(image_id=image.pk)

    image.refresh_from_db()
    assert image.status == "Error"
    assert image.failure_reason == (
        f"The qcow2 image's virtual size of {shown} is larger than the 64 TiB allowed"
    )
    assert image.import_attempts == 1
    assert stored_files() == []
    assert _topics(image)[-1] == ("ImportImage", "Failure", "system")


@pytest.fixture
def database_refuses_active(transactional_db):
    """A trigger in the real database that refuses to store any image as Active: recording a
    finished import fails the way an unexpected database error would."""
    from django.db import connection

    table = Image._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse_active() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused by a test trigger'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER test_refuse_active BEFORE UPDATE ON {table} FOR EACH ROW "
                "WHEN (NEW.status = 'Active') EXECUTE FUNCTION test_refuse_active()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER test_refuse_active BEFORE UPDATE ON {table} "
                "WHEN NEW.status = 'Active' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER test_refuse_active ON {table}")
            cursor.execute("DROP FUNCTION test_refuse_active()")
        else:
            cursor.execute("DROP TRIGGER test_refuse_active")


def test_it_ends_in_error_and_removes_the_file_when_recording_the_import_fails(
    world, http_server, allow_loopback, database_refuses_active
):
    url = http_server.serve_bytes("/disk.qcow2", qcow2_bytes(data_bytes=MIB))
    image = create_queued(world.acme, world.alice, url=url)

    importing.image_import(image_id=image.pk)

    image.refresh_from_db()
    assert (image.status, image.failure_reason) == (
        "Error",
        "The imported image could not be recorded; try again or contact support",
    )
    assert (image.stored_file, image.os_hash_value, image.import_attempts) == ("", "", 1)
    assert stored_files() == []
    failures = WorkHistory.objects.for_resource(image.pk).filter(result="Failure")
    assert [row.work_details for row in failures] == [image.failure_reason]
