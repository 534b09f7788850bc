"""Only an Active image can be shared: one whose import failed, or that is still Queued or
Importing, is refused, and a receiver's Pending shares never show such an image."""

import pytest
from django.urls import reverse

from console.models import WorkHistory
from images.models import Image
from sharing.models import Share
from tests.support.personas import BETA_ID
from tests.support.sharing import make_share, shareable_image

NOT_ACTIVE = ["Queued", "Importing", "Error"]


@pytest.mark.parametrize("status", NOT_ACTIVE)
def test_it_refuses_to_share_an_image_that_is_not_active(world, alice_client, status):
    image = shareable_image(world.acme, world.alice, status=status, size=None)
    response = alice_client.post(
        reverse("sharing:share", args=[image.pk]), {"target_account_id": BETA_ID}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only an Active image can be shared" in html
    assert not Share.objects.exists()
    (refusal,) = WorkHistory.objects.filter(event_topic="CreateImageMember")
    assert refusal.result == "Failure"


@pytest.mark.parametrize("status", NOT_ACTIVE)
def test_it_disables_share_to_another_account_with_the_reason(world, alice_client, status):
    image = shareable_image(world.acme, world.alice, status=status, size=None)
    html = alice_client.get(reverse("images:detail", args=[image.pk])).content.decode()
    assert 'id="share-button"' not in html
    assert "Only an Active image can be shared" in html


def test_it_shares_an_active_image(world, alice_client):
    image = shareable_image(world.acme, world.alice)
    response = alice_client.post(
        reverse("sharing:share", args=[image.pk]), {"target_account_id": BETA_ID}
    )
    assert response.status_code == 302
    assert Share.objects.get().status == "Pending"


@pytest.mark.parametrize("status", NOT_ACTIVE)
def test_it_never_shows_a_receiver_a_share_of_an_image_that_is_not_active(
    world, bob_client, status
):
    image = shareable_image(world.acme, world.alice, name="not-ready", status=status, size=None)
    make_share(image, BETA_ID)  # made before the image failed, or by an older console
    pending = bob_client.get(reverse("sharing:pending")).content.decode()
    assert "not-ready" not in pending
    assert 'Pending shares (<span id="pending-count">0</span>)' in pending
    received = bob_client.post(reverse("sharing:receive"), {"image_id": str(image.pk)})
    assert b"No pending share of this image was found" in received.content
    assert bob_client.post(reverse("sharing:accept", args=[image.pk])).status_code == 404
    assert Share.objects.get().status == "Pending"
    assert not Image.objects.shared_with(world.beta).exists()
