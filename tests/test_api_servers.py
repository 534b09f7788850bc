"""POST /v1/servers/{server_id}/images: Create Image of a GPU server's disk."""

import uuid

import pytest

from console.models import WorkHistory
from images.models import Image
from servers.models import GpuServer
from tests.support.api import api_for, error_of
from tests.support.factories import make_image, make_server


@pytest.fixture
def server(world):
    return make_server(world.acme, "train-01", image=make_image(world.acme, os_type="rocky"))


def test_it_creates_a_queued_server_image_with_202(world, server):
    api = api_for(world.alice, world.acme, name="snapshots")
    response = api.post(f"/v1/servers/{server.pk}/images", {"image_name": "train-snapshot"})
    assert response.status_code == 202
    image = Image.objects.get(pk=response.json()["image_id"])
    assert list(response.json()) == ["image_id"]
    assert image.origin == "server" and image.status == "Queued" and image.os_type == "rocky"
    assert image.source_server_id == server.pk and image.created_by == world.alice
    assert image.min_disk_gb == 40
    row = WorkHistory.objects.get(resource_id=image.pk)
    assert row.event_topic == "CreateGpuServerImage" and row.api_key.startswith("snapshots (")


def test_it_asks_for_the_os_type_when_the_server_image_is_unknown(world):
    server = make_server(world.acme, "bare-metal")
    api = api_for(world.alice, world.acme)
    url = f"/v1/servers/{server.pk}/images"
    response = api.post(url, {"image_name": "snap"})
    assert response.status_code == 400
    assert error_of(response)["detail"] == [
        'Field "os_distro" is invalid. Select an OS type: the server was not created from an '
        "image the console knows."
    ]
    response = api.post(url, {"image_name": "snap", "os_distro": "alma"})
    assert response.status_code == 202
    assert Image.objects.get(pk=response.json()["image_id"]).os_type == "alma"


def test_it_refuses_a_stopped_server_with_409_and_records_it(world, server):
    GpuServer.objects.filter(pk=server.pk).update(status="Stopped")
    api = api_for(world.alice, world.acme, name="snapshots")
    response = api.post(f"/v1/servers/{server.pk}/images", {"image_name": "snap"})
    assert response.status_code == 409
    assert error_of(response)["detail"] == ["Start the server to create an image from it."]
    row = WorkHistory.objects.get(resource_id=server.pk)
    assert row.result == "Failure" and row.api_key.startswith("snapshots (")


@pytest.mark.parametrize(
    "body",
    [{}, {"image_name": "bad/name"}, {"image_name": "ok", "extra": 1}, {"image_name": 5}],
)
def test_it_refuses_an_invalid_request(world, server, body):
    response = api_for(world.alice, world.acme).post(f"/v1/servers/{server.pk}/images", body)
    assert response.status_code == 400 and error_of(response)["code"] == "ValidationError"
    assert not Image.objects.filter(origin="server").exists()


def test_it_answers_404_for_an_unknown_server(world):
    response = api_for(world.alice, world.acme).post(
        f"/v1/servers/{uuid.uuid4()}/images", {"image_name": "snap"}
    )
    assert response.status_code == 404
