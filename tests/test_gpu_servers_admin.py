"""Staff manage GPU servers in the admin site: list with filters, create with a root disk
that must exist in the image storage and an image the account can see."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from servers.models import GpuServer
from tests.support.factories import make_image
from tests.support.images import qcow2_bytes


@pytest.fixture
def disk() -> str:
    return default_storage.save(f"servers/{uuid.uuid4()}/root.qcow2", ContentFile(qcow2_bytes()))


def _form(world, disk: str, **overrides) -> dict:
    data = {
        "account": world.acme.pk,
        "name": "train-09",
        "status": "Running",
        "gpu_type": "H100",
        "gpu_count": "8",
        "flavor": "gpu.h100.8x",
        "image": "",
        "root_disk": disk,
    }
    data.update(overrides)
    return data


def test_it_lets_staff_create_a_server(world, staff_client, disk):
    image = make_image(world.acme, name="base")

    response = staff_client.post(
        reverse("admin:servers_gpuserver_add"), _form(world, disk, image=str(image.pk))
    )

    assert response.status_code == 302, response.context["adminform"].errors
    server = GpuServer.objects.get(name="train-09")
    assert (server.account, server.image, server.root_disk) == (world.acme, image, disk)
    assert (server.gpu_type, server.gpu_count, server.status) == ("H100", 8, "Running")


@pytest.mark.parametrize(
    "root_disk", ["servers/nothing-here.qcow2", "../etc/passwd", "/etc/passwd"]
)
def test_it_refuses_a_root_disk_that_is_not_in_the_storage(world, staff_client, root_disk):
    response = staff_client.post(reverse("admin:servers_gpuserver_add"), _form(world, root_disk))

    assert response.status_code == 200
    assert "root_disk" in response.context["adminform"].form.errors
    assert not GpuServer.objects.exists()


def test_it_refuses_an_image_the_account_cannot_see(world, staff_client, disk):
    foreign = make_image(world.beta, name="beta-only")

    response = staff_client.post(
        reverse("admin:servers_gpuserver_add"), _form(world, disk, image=str(foreign.pk))
    )

    assert response.status_code == 200
    assert "image" in response.context["adminform"].form.errors
    assert not GpuServer.objects.exists()


def test_it_lists_servers_with_filters(world, staff_client, disk):
    GpuServer.objects.create(account=world.acme, name="acme-run", root_disk=disk)
    GpuServer.objects.create(
        account=world.beta, name="beta-stop", status="Stopped", gpu_type="A100", root_disk=disk
    )
    url = reverse("admin:servers_gpuserver_changelist")

    everything = staff_client.get(url)
    stopped = staff_client.get(url, {"status__exact": "Stopped"})
    a100 = staff_client.get(url, {"gpu_type": "A100"})

    assert everything.status_code == 200
    assert "acme-run" in everything.text and "beta-stop" in everything.text
    assert "acme-run" not in stopped.text and "beta-stop" in stopped.text
    assert "acme-run" not in a100.text and "beta-stop" in a100.text
    assert 'id="changelist-filter"' in everything.text


def test_it_keeps_console_users_out_of_the_admin(world, alice_client):
    response = alice_client.get(reverse("admin:servers_gpuserver_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
