"""Helpers for tests that create and import images."""

import io
import time

from django.core.files.storage import default_storage

from images.models import Image
from images.qcow2 import write_qcow2
from images.services import NewImage, image_create

MIB = 1024 * 1024


def qcow2_bytes(virtual_size: int = 64 * MIB, data_bytes: int = 2 * MIB, seed: int = 1) -> bytes:
    """A small real qcow2 with data clusters."""
    out = io.BytesIO()
    write_qcow2(out, virtual_size, data_bytes=data_bytes, seed=seed)
    return out.getvalue()


def new_image(name: str = "ubuntu-base", **overrides) -> NewImage:
    values = {
        "name": name,
        "os_type": "ubuntu",
        "min_disk_gb": 10,
        "min_ram_gb": 4,
        **overrides,
    }
    return NewImage(**values)


def create_queued(account, actor, *, url: str = "", name: str = "ubuntu-base", **kw) -> Image:
    """An image in Queued, created through the service (its task is enqueued on commit)."""
    return image_create(account=account, actor=actor, new=new_image(name, file_url=url, **kw))


def wait_for_status(image: Image, statuses: tuple[str, ...], timeout: float = 60) -> Image:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        image.refresh_from_db()
        if image.status in statuses:
            return image
        time.sleep(0.1)
    raise AssertionError(f"image stayed {image.status} ({image.failure_reason}) for {timeout} s")


def stored_files() -> list[str]:
    """Every file in the image storage (recursively)."""

    def walk(folder: str) -> list[str]:
        if folder and not default_storage.exists(folder):
            return []
        dirs, files = default_storage.listdir(folder)
        found = [f"{folder}/{f}" if folder else f for f in files]
        for d in dirs:
            found.extend(walk(f"{folder}/{d}" if folder else d))
        return found

    return walk("")
