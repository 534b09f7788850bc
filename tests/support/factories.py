"""Rows made directly in the database for tests (no import runs): images in any state,
GPU servers with real qcow2 disks, work-history rows."""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from console import work_history
from console.phrases import TEXT
from images.models import Image, OsType, Tag
from servers.models import GpuServer
from tests.support.images import MIB, qcow2_bytes

GIB = 1 << 30


def make_image(account, creator=None, *, tags=(), **fields) -> Image:
    """An image of ``account`` in any state (Active unless told), with ``tags``."""
    values = {
        "name": f"img-{uuid.uuid4().hex[:8]}",
        "status": Image.Status.ACTIVE,
        "os_type": OsType.UBUNTU,
        "min_disk_gb": 10,
        "min_ram_gb": 4,
        "file_url": "https://images.example.com/ubuntu-24.04.qcow2",
        "size": 734_003_200,
        "virtual_size": 10_737_418_240,
        "checksum_md5": "9e107d9d372bb6826bd81d3542a419d6",
        "os_hash_value": "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        **fields,
    }
    image = Image.objects.create(account=account, created_by=creator, **values)
    Tag.objects.bulk_create(Tag(image=image, key=k, value=v) for k, v in tags)
    return image


def make_server(
    account,
    name: str = "train-01",
    *,
    disk: bytes | None = None,
    virtual_size: int = 40 * GIB,
    **fields,
) -> GpuServer:
    """A GPU server of ``account`` whose root disk is a real qcow2 file in the image storage
    (``disk``, or a small one of ``virtual_size``)."""
    server_id = uuid.uuid4()
    if disk is None:
        disk = qcow2_bytes(virtual_size=virtual_size, data_bytes=2 * MIB, seed=9)
    stored = default_storage.save(f"servers/{server_id}/root.qcow2", ContentFile(disk))
    values = {"gpu_type": "H100", "gpu_count": 8, "flavor": "gpu.h100.8x", "root_disk": stored}
    values.update(fields)
    return GpuServer.objects.create(id=server_id, account=account, name=name, **values)


def add_history(image: Image, topic: str, details: str = "", *, actor=None, result="Success"):
    """A work-history row about ``image`` whose details read ``details``."""
    with transaction.atomic():
        return work_history.record(
            account=image.account,
            resource_type=work_history.ResourceType.IMAGE,
            resource_id=image.pk,
            resource_name=image.name,
            topic=topic,
            message=TEXT(text=details),
            result=result,
            actor=actor,
        )
