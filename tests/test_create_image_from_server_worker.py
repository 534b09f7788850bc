"""Create Image from a GPU server, through a real Celery worker: the server's disk is
copied by the same streaming pass as any import (hashes, qcow2 inspection, virtual size)."""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from console.models import WorkHistory
from images import services
from images.models import Image
from images.pipeline import errors
from servers.services import server_image_create
from tests.support.factories import make_image, make_server
from tests.support.images import MIB, qcow2_bytes, wait_for_status

pytestmark = pytest.mark.worker


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def test_it_copies_the_server_disk_and_makes_the_image_active_with_its_hashes(
    world, alice_client, celery_worker
):
    disk = qcow2_bytes(virtual_size=3 * 1024 * MIB, data_bytes=3 * MIB, seed=42)
    server = make_server(world.acme, disk=disk, image=make_image(world.acme, name="base"))

    response = alice_client.post(
        reverse("servers:create_image", args=[server.pk]), {"name": "train-snapshot"}
    )

    assert response.status_code == 302
    image = wait_for_status(Image.objects.get(name="train-snapshot"), ("Active", "Error"))
    assert image.status == "Active", image.failure_reason
    assert image.os_hash_algo == "sha512"
    assert image.os_hash_value == hashlib.sha512(disk).hexdigest()
    assert image.checksum_md5 == hashlib.md5(disk).hexdigest()  # noqa: S324
    assert image.size == len(disk)
    assert image.virtual_size == 3 * 1024 * MIB
    assert image.min_disk_gb == 3
    assert image.file_url == ""
    assert image.stored_file and image.stored_file != server.root_disk
    assert _read(image.stored_file) == disk
    # The server keeps its disk: the image is a copy.
    assert image.source_file == server.root_disk
    assert _read(server.root_disk) == disk
    rows = WorkHistory.objects.for_resource(image.pk).order_by("work_time", "id")
    assert [(r.event_topic, r.result, r.worker_id) for r in rows] == [
        ("CreateGpuServerImage", "Success", str(world.alice.pk)),
        ("ImportImage", "Success", "system"),
        ("ImportImage", "Success", "system"),
    ]


def test_it_keeps_the_server_disk_when_the_image_is_deleted(world, celery_worker):
    disk = qcow2_bytes(virtual_size=256 * MIB, data_bytes=1 * MIB, seed=3)
    server = make_server(world.acme, disk=disk)
    image = server_image_create(
        server=server, account=world.acme, name="snap", os_type="ubuntu", actor=world.alice
    )
    image = wait_for_status(image, ("Active", "Error"))
    assert image.status == "Active", image.failure_reason

    outcome, _ = services.image_delete(image_id=image.pk, account=world.acme, actor=world.alice)

    assert outcome == services.DeleteOutcome.DELETED
    assert not default_storage.exists(image.stored_file)
    assert _read(server.root_disk) == disk


def test_it_ends_in_error_with_the_reason_when_the_disk_is_not_qcow2(world, celery_worker):
    server = make_server(world.acme, disk=b"this is no disk image\n" * 1000)
    image = server_image_create(
        server=server, account=world.acme, name="broken", os_type="ubuntu", actor=world.alice
    )

    image = wait_for_status(image, ("Active", "Error"))

    assert image.status == "Error"
    assert image.failure_reason == str(errors.NOT_QCOW2())
    assert image.min_disk_gb == 0  # no virtual size could be read for the default
    assert default_storage.exists(server.root_disk)
