"""An image made from a GPU server cannot be shared with another account, even when its
Visibility is Shared: the refusal holds in the sharing service and on its page."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from console.models import WorkHistory
from images.models import Image
from servers.models import GpuServer
from servers.services import server_image_create
from sharing import services as sharing_services
from sharing.models import Share
from tests.support.images import qcow2_bytes
from tests.support.personas import BETA_ID


@pytest.fixture
def server_image(world) -> Image:
    server_id = uuid.uuid4()
    disk = default_storage.save(f"servers/{server_id}/root.qcow2", ContentFile(qcow2_bytes()))
    server = GpuServer.objects.create(
        id=server_id, account=world.acme, name="train-01", root_disk=disk
    )
    image = server_image_create(
        server=server, account=world.acme, name="snap", os_type="ubuntu", actor=world.alice
    )
    # Even made Shared (and settled), its origin alone keeps it from being shared.
    Image.objects.filter(pk=image.pk).update(
        status=Image.Status.ACTIVE, visibility=Image.Visibility.SHARED
    )
    image.refresh_from_db()
    return image


def test_it_refuses_to_share_a_server_origin_image_in_the_service(world, server_image):
    with pytest.raises(ValidationError) as refused:
        sharing_services.share_create(
            image=server_image, target_account_id=BETA_ID, actor=world.alice
        )

    assert refused.value.code == "server_origin"
    assert "was created from a GPU server" in refused.value.messages[0]
    assert not Share.objects.exists()
    failure = WorkHistory.objects.for_resource(server_image.pk).latest("work_time", "id")
    assert failure.result == WorkHistory.Result.FAILURE


def test_it_refuses_to_share_a_server_origin_image_on_the_share_page(
    world, alice_client, server_image
):
    url = reverse("sharing:share", args=[server_image.pk])

    page = alice_client.get(url)
    post = alice_client.post(url, {"target_account_id": BETA_ID})

    assert "was created from a GPU server" in page.text
    assert "was created from a GPU server" in post.text
    assert not Share.objects.exists()
