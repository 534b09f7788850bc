"""Create Image from a GPU server: the popup (or its own page without JS), the rules and
the work history. The worker's copy of the disk is in test_create_image_from_server_worker."""

import re
import uuid

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from console.models import WorkHistory
from images.models import Image
from servers.models import GpuServer
from servers.services import ERROR_NOT_RUNNING, server_image_create
from tests.support.factories import make_image, make_server

GIB = 1 << 30


@pytest.fixture
def base_image(world):
    return make_image(world.acme, name="rocky-cuda", os_type="rocky")


@pytest.fixture
def server(world, base_image):
    return make_server(world.acme, "train-01", image=base_image)


def _url(server) -> str:
    return reverse("servers:create_image", args=[server.pk])


def _server_images() -> list[str]:
    return list(Image.objects.filter(origin=Image.Origin.SERVER).values_list("name", flat=True))


def _rows(**lookup) -> list[tuple[str, str, str]]:
    rows = WorkHistory.objects.filter(**lookup).order_by("work_time", "id")
    return [(r.resource_type, r.event_topic, r.result) for r in rows]


def test_it_creates_a_queued_server_origin_image_and_goes_to_the_image_list(
    world, alice_client, server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(_url(server), {"name": "train-snapshot"})

    assert response.status_code == 302
    assert response["Location"] == reverse("images:list")
    image = Image.objects.get(name="train-snapshot")
    assert image.account == world.acme
    assert image.status == Image.Status.QUEUED
    assert image.origin == Image.Origin.SERVER
    assert image.source_file == server.root_disk
    assert image.source_server_id == server.pk
    assert image.file_url == ""
    assert image.visibility == Image.Visibility.PRIVATE
    assert image.protected is False
    assert image.os_type == "rocky"  # from the image the server was created from
    assert image.min_disk_gb == 40
    assert image.created_by == world.alice
    assert len(callbacks) == 1  # the import is enqueued once the row is committed


def test_it_shows_the_new_image_queued_with_a_message_on_the_image_list(alice_client, server):
    response = alice_client.post(_url(server), {"name": "train-snapshot"}, follow=True)

    html = response.text
    assert "Image train-snapshot is being created from server train-01" in html
    row = html[html.index(">train-snapshot</a>") :]
    assert "Queued" in row[:2000]


def test_it_writes_one_create_gpu_server_image_row(world, alice_client, server):
    alice_client.post(_url(server), {"name": "train-snapshot"})

    image = Image.objects.get(name="train-snapshot")
    row = WorkHistory.objects.get()
    assert (row.resource_type, row.resource_id, row.resource_name) == (
        "Image",
        str(image.pk),
        "train-snapshot",
    )
    assert (row.event_topic, row.result, row.worker_id) == (
        "CreateGpuServerImage",
        "Success",
        str(world.alice.pk),
    )


@pytest.mark.parametrize(
    ("virtual_size", "expected_gb"),
    [(10 * GIB, 10), (10 * GIB + 512, 11), (64 << 20, 1), (20_000 * GIB, 12_288)],
)
def test_it_defaults_minimum_disk_to_the_virtual_size_rounded_up_to_whole_gb(
    world, alice_client, base_image, virtual_size, expected_gb
):
    server = make_server(world.acme, image=base_image, virtual_size=virtual_size)

    page = alice_client.get(_url(server))
    alice_client.post(_url(server), {"name": "sized"})

    assert f"{expected_gb:,} GB" in page.text
    assert Image.objects.get(name="sized").min_disk_gb == expected_gb


def test_it_asks_for_the_os_type_when_the_server_has_no_known_image(world, alice_client):
    server = make_server(world.acme, image=None)

    page = alice_client.get(_url(server))
    missing = alice_client.post(_url(server), {"name": "no-os"})
    given = alice_client.post(_url(server), {"name": "with-os", "os_type": "alma"})

    assert 'name="os_type"' in page.text
    assert missing.status_code == 200
    assert "Select an OS type." in missing.text
    assert not Image.objects.filter(name="no-os").exists()
    assert given.status_code == 302
    assert Image.objects.get(name="with-os").os_type == "alma"


def test_it_takes_the_os_type_from_the_servers_image_not_from_the_request(alice_client, server):
    page = alice_client.get(_url(server))
    alice_client.post(_url(server), {"name": "snap", "os_type": "centos"})

    assert 'name="os_type"' not in page.text
    assert "Rocky Linux" in page.text
    assert Image.objects.get(name="snap").os_type == "rocky"


@pytest.mark.parametrize("name", ["", "bad/name", "dots.are.out", "x" * 256])
def test_it_refuses_an_image_name_outside_the_rule(alice_client, server, name):
    response = alice_client.post(_url(server), {"name": name})

    assert response.status_code == 200
    assert 'class="errorlist' in response.text
    assert not _server_images()
    assert not WorkHistory.objects.exists()


def test_it_refuses_a_stopped_server_with_a_clear_error(world, alice_client, base_image):
    server = make_server(world.acme, "dev-01", image=base_image, status="Stopped")

    response = alice_client.post(_url(server), {"name": "from-stopped"})

    assert response.status_code == 409
    assert str(ERROR_NOT_RUNNING) in response.text
    assert not _server_images()
    assert _rows() == [("GpuServer", "CreateGpuServerImage", "Failure")]
    row = WorkHistory.objects.get()
    assert (row.resource_id, row.resource_name) == (str(server.pk), "dev-01")
    assert "from-stopped" in row.work_details


def test_it_shows_a_stopped_server_form_page_disabled_with_the_reason(world, alice_client):
    server = make_server(world.acme, "dev-01", status="Stopped")

    html = alice_client.get(_url(server)).text

    assert "Start the server to create an image from it" in html
    assert re.search(r'<button type="submit"[^>]*disabled', html)


def test_it_refuses_a_server_stopped_while_the_popup_was_open(alice_client, server):
    GpuServer.objects.filter(pk=server.pk).update(status="Stopped")

    response = alice_client.post(_url(server), {"name": "late"}, HTTP_HX_REQUEST="true")

    # htmx swaps only 2xx answers: the popup's form comes back with the reason.
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<form")
    assert str(ERROR_NOT_RUNNING) in response.text
    assert not _server_images()


def test_it_refuses_a_server_whose_disk_is_gone(alice_client, server):
    default_storage.delete(server.root_disk)

    response = alice_client.post(_url(server), {"name": "no-disk"})

    assert response.status_code == 409
    assert "The server&#x27;s disk is not available" in response.text
    assert not _server_images()
    assert _rows() == [("GpuServer", "CreateGpuServerImage", "Failure")]


def test_it_redirects_an_htmx_submission_with_hx_redirect(alice_client, server):
    response = alice_client.post(_url(server), {"name": "via-popup"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("images:list")
    assert Image.objects.filter(name="via-popup", status="Queued").exists()


def test_it_rerenders_the_popup_form_with_errors_for_htmx(alice_client, server):
    response = alice_client.post(_url(server), {"name": "bad/name"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.text.lstrip().startswith("<form")
    assert "<html" not in response.text
    assert 'class="errorlist' in response.text
    assert "Use 1 to 255 characters" in response.text


def test_it_serves_the_form_as_its_own_page_without_javascript(alice_client, server):
    response = alice_client.get(_url(server))

    assert response.status_code == 200
    assert "<html" in response.text
    assert f'action="{_url(server)}"' in response.text
    assert 'value="train-01-' in response.text  # a valid name is suggested


def test_it_answers_403_to_a_viewer(world, carol_client, server):
    page = carol_client.get(_url(server))
    post = carol_client.post(_url(server), {"name": "viewer-try"})

    assert page.status_code == 403
    assert post.status_code == 403
    assert not _server_images()
    assert not WorkHistory.objects.exists()


def test_it_answers_404_to_another_account_and_changes_nothing(world, bob_client, server):
    get = bob_client.get(_url(server))
    post = bob_client.post(_url(server), {"name": "bob-try"})
    unknown = bob_client.post(
        reverse("servers:create_image", args=[uuid.uuid4()]), {"name": "bob-try"}
    )

    assert (get.status_code, post.status_code, unknown.status_code) == (404, 404, 404)
    assert not _server_images()
    assert not WorkHistory.objects.exists()


def test_it_needs_a_csrf_token(world, server):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)

    response = client.post(_url(server), {"name": "forged"})

    assert response.status_code == 403
    assert not _server_images()


def test_it_refuses_other_methods(alice_client, server):
    assert alice_client.put(_url(server)).status_code == 405
    assert alice_client.post(reverse("servers:detail", args=[server.pk])).status_code == 405


def test_the_service_locks_the_server_to_its_account(world, server):
    with pytest.raises(GpuServer.DoesNotExist):
        server_image_create(server=server, account=world.beta, name="x", actor=world.bob)
    assert not _server_images()
