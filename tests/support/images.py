"""Helpers for tests that create and import images."""

import io
import threading
import time

from django.core.files.storage import default_storage
from django.db import connections

from images import importing
from images.models import Image
from images.qcow2 import write_qcow2
from images.services import NewImage, image_create

MIB = 1024 * 1024


def qcow2_bytes(virtual_size: int = 64 * MIB, data_bytes: int = 2 * MIB, seed: int = 1) -> bytes:
    """A small real qcow2 with data clusters."""
    out = io.BytesIO()
    write_qcow2(out, virtual_size, data_bytes=data_bytes, seed=seed)
    return out.getvalue()


def create_form(url: str, **overrides: str) -> dict[str, str]:
    """The Create Image form filled in for an image file URL."""
    return {
        "name": "ubuntu-24",
        "source": "url",
        "file_url": url,
        "os_type": "ubuntu",
        "min_disk_gb": "20",
        "min_ram_gb": "8",
        "visibility": "Private",
        **overrides,
    }


def import_in_thread(image_id) -> threading.Thread:
    """Run the import of ``image_id`` in a thread of its own, as a worker would; the thread's
    database connection is closed when it ends (so the test database can be dropped)."""

    def run() -> None:
        try:
            importing.image_import(image_id=image_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=f"import-{image_id}")
    thread.start()
    return thread


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
