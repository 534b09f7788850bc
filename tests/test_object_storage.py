"""Image files in S3-compatible object storage: a real S3 HTTP endpoint on 127.0.0.1 (moto's
server), the real client, the real import and upload paths.

Imports stream into the bucket as multipart uploads and leave nothing on the local disk;
browser uploads are streamed into the bucket as they arrive; whatever is discarded, refused,
deleted or abandoned leaves no object and no unfinished upload behind.
"""

import hashlib
import io
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from console.env import env_storage
from images import orphan_files
from images.models import Image
from images.pipeline import errors
from images.pipeline.ingest import ingest
from images.pipeline.storage import (
    MultipartUpload,
    attempt_file_name,
    delete_image_file,
    object_storage,
    open_image_writer,
    open_ranges,
    open_stream,
    staged_upload_name,
)
from images.services import image_delete
from tests.support.factories import make_image
from tests.support.images import (
    MIB,
    create_form,
    create_queued,
    import_in_thread,
    qcow2_bytes,
)
from tests.support.object_storage import Bucket

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "images/acct/0b9d6f2e-5a7c-4d8e-9f10-1a2b3c4d5e6f-1.qcow2"


def local_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# --- Configuration --------------------------------------------------------------------------


def test_the_local_folder_is_the_default(tmp_path):
    storage = env_storage("CONSOLE_STORAGE_URL", tmp_path, environ={})
    assert storage == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path},
    }


def test_an_s3_url_names_the_bucket_prefix_endpoint_and_region(tmp_path):
    url = "s3://gpu-images/console/prod?endpoint_url=https://kr.object.example.com&region=kr-west-1"
    storage = env_storage("CONSOLE_STORAGE_URL", tmp_path, environ={"CONSOLE_STORAGE_URL": url})
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] | {} == {
        "bucket_name": "gpu-images",
        "location": "console/prod",
        "endpoint_url": "https://kr.object.example.com",
        "region_name": "kr-west-1",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": True,
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/srv/images", "must be an s3://bucket URL"),
        ("https://bucket.example.com", "must be an s3://bucket URL"),
        ("s3://", "must be an s3://bucket URL"),
        ("s3://b?endpoint=https://x", "unknown settings endpoint"),
        ("s3://b?region=a&region=b", "exactly one value"),
        ("s3://b?region=", "exactly one value"),
        ("s3://b?endpoint_url=ftp://x", "http:// or https://"),
        ("s3://b?addressing_style=sideways", "auto, path or virtual"),
    ],
)
def test_a_storage_url_it_cannot_use_stops_the_process(tmp_path, url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env_storage("CONSOLE_STORAGE_URL", tmp_path, environ={"CONSOLE_STORAGE_URL": url})


# --- Writing, reading, deleting -------------------------------------------------------------


def test_an_import_streams_into_the_bucket_in_parts_and_nothing_touches_the_disk(
    bucket_storage: Bucket, settings, tmp_path: Path, _media_root: Path
):
    settings.CONSOLE_STORAGE_PART_BYTES = 5 * MIB
    settings.CONSOLE_MAX_IMAGE_BYTES = 1 << 30
    data = qcow2_bytes(virtual_size=256 * MIB, data_bytes=12 * MIB)

    with open_image_writer(NAME) as writer:
        result = ingest(
            io.BytesIO(data).read, writer.file, max_bytes=1 << 30, expected_length=len(data)
        )
        # Parts already sent are not an object yet: readers never see half a file.
        assert bucket_storage.keys() == []
        assert bucket_storage.unfinished_uploads() == [NAME]
        assert writer.commit() == NAME

    assert bucket_storage.keys() == [NAME]
    assert bucket_storage.unfinished_uploads() == []
    stored = bucket_storage.read(NAME)
    assert stored == data
    assert result.sha512 == hashlib.sha512(data).hexdigest()
    parts = bucket_storage.client.head_object(Bucket=bucket_storage.name, Key=NAME)["ETag"]
    assert parts.strip('"').endswith(f"-{-(-len(data) // (5 * MIB))}")  # sent in 5 MiB parts
    assert local_files(_media_root) == []


def test_a_discarded_import_leaves_no_object_and_no_parts(bucket_storage: Bucket, settings):
    settings.CONSOLE_STORAGE_PART_BYTES = 5 * MIB
    with open_image_writer(NAME) as writer:
        writer.file.write(b"\0" * (11 * MIB))  # two parts sent, a third filling

    assert bucket_storage.keys() == []
    assert bucket_storage.unfinished_uploads() == []


def test_part_size_grows_so_the_largest_image_fits_in_the_parts_s3_allows(settings):
    from images.pipeline.storage import MAX_PARTS, part_size

    settings.CONSOLE_STORAGE_PART_BYTES = 5 * MIB
    settings.CONSOLE_MAX_IMAGE_BYTES = 64 << 30
    assert part_size() * (MAX_PARTS - 1) >= 64 << 30
    settings.CONSOLE_MAX_IMAGE_BYTES = 1 << 30
    assert part_size() == 5 * MIB


def test_ranges_and_streams_read_only_what_they_are_asked(bucket_storage: Bucket):
    data = bytes(range(256)) * 4096  # 1 MiB
    bucket_storage.put(NAME, data)

    with open_ranges(NAME) as (read_range, size):
        assert size == len(data)
        assert read_range(0, 4) == data[:4]
        assert read_range(1000, 300) == data[1000:1300]
        assert read_range(len(data) - 10, 100) == data[-10:]
        assert read_range(len(data) + 5, 10) == b""
    with open_stream(NAME) as (read, size):
        assert size == len(data)
        assert read(10) == data[:10]
        assert read(len(data)) == data[10:]
        assert read(10) == b""

    with pytest.raises(FileNotFoundError), open_stream("images/none.qcow2"):
        pass
    with pytest.raises(FileNotFoundError), open_ranges("images/none.qcow2"):
        pass


def test_deleting_a_file_removes_its_object_and_aborts_its_unfinished_upload(
    bucket_storage: Bucket,
):
    bucket_storage.put(NAME, b"stored")
    storage = object_storage()
    assert storage is not None
    crashed = MultipartUpload(storage, NAME)  # a worker that died while sending
    crashed.write(b"half")
    other = MultipartUpload(storage, NAME.replace("-1.qcow2", "-2.qcow2"))

    delete_image_file(NAME)
    delete_image_file(NAME)

    assert bucket_storage.keys() == []
    assert bucket_storage.unfinished_uploads() == [other.name]
    other.abort()


def test_a_bucket_out_of_reach_is_a_storage_error_not_a_crash(settings, s3_credentials, tmp_path):
    closed = "http://127.0.0.1:9"  # discard port: nothing listens on loopback
    settings.STORAGES = {
        **settings.STORAGES,
        "default": env_storage(
            "U", tmp_path, environ={"U": f"s3://gone?endpoint_url={closed}&region=us-east-1"}
        ),
    }
    with pytest.raises(OSError, match="could not be reached"), open_image_writer(NAME):
        pass


# --- Imports and uploads end to end ---------------------------------------------------------


@pytest.fixture
def allow_loopback(settings):
    settings.CONSOLE_IMPORT_ALLOW_HOSTS = ["127.0.0.1"]


def test_an_image_from_a_url_is_imported_into_the_bucket_and_deleted_from_it(
    world, bucket_storage: Bucket, http_server, allow_loopback, _media_root: Path
):
    data = qcow2_bytes(virtual_size=128 * MIB, data_bytes=3 * MIB)
    image = create_queued(world.acme, world.alice, url=http_server.serve_bytes("/d.qcow2", data))

    import_in_thread(image.pk).join(60)

    image.refresh_from_db()
    assert image.status == "Active", image.failure_reason
    assert image.os_hash_value == hashlib.sha512(data).hexdigest()
    assert image.stored_file == attempt_file_name(world.acme.pk, image.pk, 1)
    assert bucket_storage.keys() == [image.stored_file]
    assert bucket_storage.read(image.stored_file) == data
    assert local_files(_media_root) == []

    image_delete(image_id=image.pk, actor=world.alice, account=world.acme)

    assert bucket_storage.keys() == []
    assert bucket_storage.unfinished_uploads() == []


def test_a_damaged_file_ends_in_error_and_leaves_nothing_in_the_bucket(
    world, bucket_storage: Bucket, http_server, allow_loopback
):
    data = qcow2_bytes(virtual_size=128 * MIB, data_bytes=3 * MIB)
    cut = data[: len(data) // 2]  # header and tables intact, data area cut short
    image = create_queued(world.acme, world.alice, url=http_server.serve_bytes("/d.qcow2", cut))

    import_in_thread(image.pk).join(60)

    image.refresh_from_db()
    assert image.status == "Error"
    # The stored file's tables were read back from the bucket, a range at a time.
    assert image.failure_reason in {
        str(errors.TRUNCATED_IMAGE()),
        str(errors.DAMAGED_TABLES()),
    }
    assert bucket_storage.keys() == []
    assert bucket_storage.unfinished_uploads() == []


def _upload_form(name: str, data: bytes, filename: str = "disk.qcow2") -> dict:
    return create_form("", name=name, source="file", upload=SimpleUploadedFile(filename, data))


def test_a_browser_upload_streams_into_the_bucket_and_any_worker_imports_it(
    world, alice_client, bucket_storage: Bucket, settings, tmp_path: Path, _media_root: Path
):
    upload_temp = tmp_path / "upload-temp"
    upload_temp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(upload_temp)
    data = qcow2_bytes(virtual_size=128 * MIB, data_bytes=3 * MIB)

    response = alice_client.post(reverse("images:create"), _upload_form("uploaded", data))

    assert response.status_code == 302
    image = Image.objects.get(name="uploaded")
    assert image.staged_upload.startswith("uploads/")
    assert bucket_storage.keys() == [image.staged_upload]
    assert bucket_storage.read(image.staged_upload) == data
    assert local_files(upload_temp) == [] and local_files(_media_root) == []

    import_in_thread(image.pk).join(60)

    image.refresh_from_db()
    assert image.status == "Active", image.failure_reason
    assert image.checksum_md5 == hashlib.md5(data).hexdigest()  # noqa: S324
    # The staged upload is gone once imported; only the image file stays.
    assert bucket_storage.keys() == [image.stored_file]
    assert bucket_storage.unfinished_uploads() == []


def test_an_upload_no_image_takes_is_removed_when_the_request_ends(
    world, alice_client, bucket_storage: Bucket
):
    data = qcow2_bytes()
    response = alice_client.post(reverse("images:create"), _upload_form("bad name!", data))

    assert response.status_code == 200  # the form again, with its error
    assert not Image.objects.exists()
    assert bucket_storage.keys() == []
    assert bucket_storage.unfinished_uploads() == []


def test_an_upload_over_the_cap_is_aborted_in_the_bucket(
    world, alice_client, bucket_storage: Bucket, settings
):
    settings.CONSOLE_MAX_IMAGE_BYTES = MIB
    response = alice_client.post(reverse("images:create"), _upload_form("big", b"\0" * (3 * MIB)))

    assert response.status_code == 200
    assert "The uploaded file is larger than the 1 MiB limit." in response.content.decode()
    assert bucket_storage.keys() == []
    assert bucket_storage.unfinished_uploads() == []


def test_a_staged_upload_is_removed_with_an_image_deleted_before_its_import(
    world, alice_client, bucket_storage: Bucket
):
    alice_client.post(reverse("images:create"), _upload_form("never-imported", qcow2_bytes()))
    image = Image.objects.get(name="never-imported")
    assert bucket_storage.keys() == [image.staged_upload]

    image_delete(image_id=image.pk, actor=world.alice, account=world.acme)

    assert bucket_storage.keys() == []


# --- The orphan sweep -----------------------------------------------------------------------


def test_the_sweep_aborts_uploads_nothing_is_writing_and_keeps_a_running_attempts(
    world, bucket_storage: Bucket, settings
):
    settings.CONSOLE_ORPHAN_FILE_GRACE_SECONDS = 1
    settings.CONSOLE_IMPORT_TIME_LIMIT = 60
    storage = object_storage()
    assert storage is not None
    running = make_image(world.acme, status="Importing", import_serial=2)
    dead = MultipartUpload(storage, attempt_file_name(world.acme.pk, running.pk, 1))
    alive = MultipartUpload(storage, attempt_file_name(world.acme.pk, running.pk, 2))
    uploading = MultipartUpload(storage, staged_upload_name())
    time.sleep(1.5)

    removed = orphan_files.image_files_sweep()

    assert removed == [dead.name + ".partial"]
    # A browser upload may run as long as an import may: it is left alone for that long.
    assert bucket_storage.unfinished_uploads() == sorted([alive.name, uploading.name])
    settings.CONSOLE_IMPORT_TIME_LIMIT = 0
    assert orphan_files.image_files_sweep() == [uploading.name + ".partial"]
    assert bucket_storage.unfinished_uploads() == [alive.name]


def test_the_sweep_removes_old_objects_no_image_refers_to(world, bucket_storage, settings):
    settings.CONSOLE_ORPHAN_FILE_GRACE_SECONDS = 1
    kept = make_image(world.acme, status="Active", stored_file="images/a/kept-1.qcow2")
    bucket_storage.put(kept.stored_file, b"kept")
    bucket_storage.put("images/a/stray-1.qcow2", b"stray")
    bucket_storage.put("servers/s/root.qcow2", b"a server's disk")
    time.sleep(1.5)

    assert orphan_files.image_files_sweep() == ["images/a/stray-1.qcow2"]
    assert bucket_storage.keys() == ["images/a/kept-1.qcow2", "servers/s/root.qcow2"]


# --- A bucket out of reach ------------------------------------------------------------------


@pytest.fixture
def unreachable_bucket(settings, s3_credentials, tmp_path) -> None:
    closed = "http://127.0.0.1:9"  # discard port: nothing listens on loopback
    settings.STORAGES = {
        **settings.STORAGES,
        "default": env_storage(
            "U", tmp_path, environ={"U": f"s3://gone?endpoint_url={closed}&region=us-east-1"}
        ),
    }
    settings.STORAGES["default"]["OPTIONS"]["client_config"] = __import__(
        "botocore.config"
    ).config.Config(retries={"max_attempts": 1}, connect_timeout=1)


def test_an_import_into_a_bucket_out_of_reach_ends_in_error_with_that_reason(
    world, unreachable_bucket, http_server, allow_loopback
):
    url = http_server.serve_bytes("/d.qcow2", qcow2_bytes())
    image = create_queued(world.acme, world.alice, url=url)

    import_in_thread(image.pk).join(60)

    image.refresh_from_db()
    assert image.status == "Error"
    assert image.failure_reason == str(errors.STORAGE_FAILED())


def test_an_upload_to_a_bucket_out_of_reach_gets_a_clear_form_error(
    world, alice_client, unreachable_bucket
):
    response = alice_client.post(
        reverse("images:create"), _upload_form("while-down", qcow2_bytes())
    )

    assert response.status_code == 200
    assert (
        "The uploaded file could not be stored: the image storage cannot be reached."
        in response.content.decode()
    )
    assert not Image.objects.exists()
