""" "Delete Image" on the detail page: confirmation, removal of the row and the file,
protected refusal, images still importing, and the race with turning Protected on."""

import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import close_old_connections, connection, transaction
from django.urls import reverse

from console.models import WorkHistory
from images import importing, services
from images.models import Image
from images.pipeline.storage import attempt_file_name
from servers.models import GpuServer
from tests.support.factories import make_image
from tests.support.htmx import HTMX


def _delete(client, image, headers=None):
    return client.post(reverse("images:delete", args=[image.pk]), headers=headers)


def _rows(image):
    return list(WorkHistory.objects.filter(resource_id=str(image.pk), event_topic="DeleteImage"))


def _stored(image: Image, name: str) -> str:
    default_storage.save(name, ContentFile(b"QFI\xfb" + b"\0" * 60))
    Image.objects.filter(pk=image.pk).update(stored_file=name)
    return name


def test_it_deletes_the_image_and_its_file_then_lands_on_the_list(
    world, alice_client, django_capture_on_commit_callbacks
):
    image = make_image(world.acme, name="old-cuda")
    name = _stored(image, f"images/{image.pk}.qcow2")
    with django_capture_on_commit_callbacks(execute=True):
        response = _delete(alice_client, image)
    assert response.status_code == 302
    assert response["Location"] == reverse("images:list")
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not default_storage.exists(name)
    (row,) = _rows(image)
    assert row.result == "Success" and row.resource_name == "old-cuda"
    page = alice_client.get(response["Location"]).content.decode()
    assert "Image old-cuda was deleted." in page


def test_it_removes_the_file_only_after_the_transaction_commits(
    world, alice_client, django_capture_on_commit_callbacks
):
    image = make_image(world.acme)
    name = _stored(image, f"images/{image.pk}.qcow2")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _delete(alice_client, image)
    assert default_storage.exists(name)  # the deletion has not committed yet
    assert len(callbacks) == 1
    callbacks[0]()
    assert not default_storage.exists(name)


def test_it_answers_htmx_with_a_client_redirect(world, alice_client):
    image = make_image(world.acme)
    response = _delete(alice_client, image, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("images:list")
    assert not Image.objects.filter(pk=image.pk).exists()


def test_it_refuses_a_protected_image_and_records_the_failure(
    world, alice_client, django_capture_on_commit_callbacks
):
    image = make_image(world.acme, name="keep-me", protected=True)
    name = _stored(image, f"images/{image.pk}.qcow2")
    with django_capture_on_commit_callbacks(execute=True):
        response = _delete(alice_client, image)
    assert response.status_code == 302
    assert response["Location"] == reverse("images:detail", args=[image.pk])
    assert Image.objects.filter(pk=image.pk).exists()
    assert default_storage.exists(name)
    (row,) = _rows(image)
    assert row.result == "Failure"
    assert "protected" in row.work_details
    page = alice_client.get(response["Location"]).content.decode()
    assert "Image keep-me is protected and cannot be deleted." in page
    # The dialog already warned that the deletion would be refused.
    assert "This image is Protected, so the deletion will be refused." in page


def test_it_deletes_an_image_used_by_servers_and_keeps_the_servers(world, alice_client):
    image = make_image(world.acme)
    server = GpuServer.objects.create(
        account=world.acme, name="train-01", image=image, root_disk="d.qcow2"
    )
    _delete(alice_client, image)
    server.refresh_from_db()
    assert server.image is None


@pytest.mark.parametrize("status", [Image.Status.QUEUED, Image.Status.IMPORTING])
def test_it_deletes_an_image_still_importing_and_the_worker_leaves_nothing(
    world, alice_client, django_capture_on_commit_callbacks, status
):
    image = make_image(world.acme, status=status, size=None)
    staged = "uploads/20260101/staged.qcow2"
    default_storage.save(staged, ContentFile(b"data"))
    Image.objects.filter(pk=image.pk).update(source_file=staged, file_url="")
    with django_capture_on_commit_callbacks(execute=True):
        response = _delete(alice_client, image)
    assert response.status_code == 302
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not default_storage.exists(staged)
    importing.image_import(image_id=str(image.pk))  # a late task finds nothing to do
    assert not default_storage.exists(f"images/{image.pk}.qcow2")


def test_it_removes_the_half_written_file_of_an_import_whose_worker_died(
    world, alice_client, django_capture_on_commit_callbacks
):
    image = make_image(world.acme, status=Image.Status.IMPORTING, size=None, import_serial=2)
    partial = attempt_file_name(world.acme.pk, image.pk, 2) + ".partial"
    default_storage.save(partial, ContentFile(b"half an image"))
    with django_capture_on_commit_callbacks(execute=True):
        assert _delete(alice_client, image).status_code == 302
    assert not default_storage.exists(partial)


def test_it_reports_an_image_deleted_meanwhile(world, alice_client):
    image = make_image(world.acme)
    outcome, _ = services.image_delete(image_id=image.pk, account=world.acme, actor=world.alice)
    assert outcome == services.DeleteOutcome.DELETED
    assert _delete(alice_client, image).status_code == 404


def test_it_only_accepts_post(world, alice_client):
    image = make_image(world.acme)
    assert alice_client.get(reverse("images:delete", args=[image.pk])).status_code == 405
    assert Image.objects.filter(pk=image.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_it_never_deletes_an_image_turned_protected_concurrently(world):
    image = make_image(world.acme)
    locked = threading.Event()
    outcome: list[str] = []

    def turn_protected_on() -> None:
        try:
            with transaction.atomic():
                services.image_update(image=image, field="protected", value=True, actor=world.alice)
                locked.set()
                time.sleep(0.5)  # the delete below is now waiting on the row lock
        finally:
            close_old_connections()
            connection.close()

    def delete() -> None:
        try:
            locked.wait(5)
            outcome.append(
                services.image_delete(image_id=image.pk, account=world.acme, actor=world.alice)[0]
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=turn_protected_on), threading.Thread(target=delete)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcome == [services.DeleteOutcome.PROTECTED]
    assert Image.objects.filter(pk=image.pk, protected=True).exists()
    assert _rows(image)[0].result == "Failure"
