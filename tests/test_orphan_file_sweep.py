"""The periodic sweep removes stored image files no image refers to, once they are older
than the grace period, and logs each one; everything an image (or a running attempt) uses
stays."""

import logging
import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from images import orphan_files
from images.pipeline.storage import attempt_file_name
from tests.support.factories import make_image
from tests.support.images import stored_files

pytestmark = pytest.mark.django_db


def _file(media: Path, name: str, *, age: float) -> str:
    stored = default_storage.save(name, ContentFile(b"bytes of " + name.encode()))
    assert stored == name
    then = time.time() - age
    os.utime(media / name, (then, then))
    return name


def test_it_runs_every_15_minutes_with_an_hour_of_grace(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["images-sweep-orphan-files"]
    assert (schedule["task"], schedule["schedule"]) == ("images.tasks.image_files_sweep", 900)
    assert settings.CONSOLE_ORPHAN_FILE_GRACE_SECONDS == 3600


def test_it_removes_old_files_no_image_refers_to_and_keeps_the_rest(
    world, settings, _media_root: Path, caplog
):
    settings.CONSOLE_ORPHAN_FILE_GRACE_SECONDS = 600
    old, recent = 3600, 60
    acme = world.acme.pk

    active = make_image(world.acme, name="active")
    active.stored_file = _file(_media_root, f"images/{acme}/{active.pk}-1.qcow2", age=old)
    active.save()
    running = make_image(world.acme, name="running", status="Importing", import_serial=3)
    running_partial = _file(
        _media_root,
        attempt_file_name(acme, running.pk, 3) + ".partial",
        age=old,  # a slow source: nothing written for a while, still its attempt's file
    )
    dead_partial = _file(_media_root, attempt_file_name(acme, running.pk, 2) + ".partial", age=old)
    queued = make_image(world.acme, name="queued", status="Queued", file_url="")
    queued.source_file = _file(_media_root, "uploads/20260101/staged.qcow2", age=old)
    queued.save()
    server_disk = _file(_media_root, "servers/0b9d/root.qcow2", age=old)
    unrecorded = _file(_media_root, f"images/{acme}/{active.pk}-2.qcow2", age=old)
    abandoned_upload = _file(_media_root, "uploads/20260101/abandoned.qcow2", age=old)
    deleted_image = _file(_media_root, f"images/{acme}/gone.qcow2", age=old)
    just_written = _file(_media_root, f"images/{acme}/new.qcow2", age=recent)

    with caplog.at_level(logging.INFO, logger="images.orphan_files"):
        removed = orphan_files.image_files_sweep()

    assert sorted(removed) == sorted([dead_partial, unrecorded, abandoned_upload, deleted_image])
    assert sorted(stored_files()) == sorted(
        [
            active.stored_file,
            running_partial,
            queued.source_file,
            server_disk,
            just_written,
        ]
    )
    for name in removed:
        assert f"Removed the stored file {name}: no image refers to it" in caplog.text


def test_it_does_nothing_when_every_file_is_in_use(world, _media_root: Path, caplog):
    image = make_image(world.acme)
    image.stored_file = _file(_media_root, f"images/{world.acme.pk}/{image.pk}-1.qcow2", age=1e5)
    image.save()

    with caplog.at_level(logging.INFO, logger="images.orphan_files"):
        assert orphan_files.image_files_sweep() == []

    assert stored_files() == [image.stored_file]
    assert "Removed" not in caplog.text
