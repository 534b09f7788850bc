"""Images and work-history rows made directly in the database for the image detail,
tag, history and delete tests (no import is enqueued)."""

import uuid

from django.db import transaction

from console import work_history
from console.phrases import TEXT
from images.models import Image, OsType, Tag


def make_image(account, *, creator=None, tags=(), **fields) -> Image:
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


def add_history(image: Image, topic: str, details: str = "", *, actor=None, result="Success"):
    with transaction.atomic():
        return work_history.record(
            account=image.account,
            resource_type="Image",
            resource_id=image.pk,
            resource_name=image.name,
            topic=topic,
            message=TEXT(text=details),
            result=result,
            actor=actor,
        )
