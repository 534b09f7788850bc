"""Switching an image back to Private, or deleting it, ends every share at once."""

from django.urls import reverse

from console.models import Account, WorkHistory
from images.models import Image
from sharing import services
from sharing.models import Share
from tests.support.personas import BETA_ID
from tests.support.sharing import make_share, shareable_image


def make_private(client, image, **data):
    url = reverse("images:edit_field", args=[image.pk, "visibility"])
    return client.post(url, {"visibility": "Private", **data})


def test_it_asks_before_stopping_shares_and_keeps_them_until_confirmed(world, alice_client):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID, "Accepted")
    make_share(image, "c" * 32, "Pending")

    response = make_private(alice_client, image)

    assert response.status_code == 200
    assert "2 accounts" in response.content.decode()
    assert Share.objects.filter(image=image).count() == 2
    image.refresh_from_db()
    assert image.visibility == Image.Visibility.SHARED


def test_confirmed_it_stops_every_share_and_receivers_lose_access(world, alice_client, bob_client):
    image = shareable_image(world.acme, world.alice, name="going-private")
    make_share(image, BETA_ID, "Accepted")
    make_share(image, "c" * 32, "Pending")
    detail = reverse("images:detail", args=[image.pk])
    assert bob_client.get(detail).status_code == 200

    make_private(alice_client, image, stop_shares="2")

    image.refresh_from_db()
    assert image.visibility == Image.Visibility.PRIVATE
    assert not Share.objects.filter(image=image).exists()
    assert bob_client.get(detail).status_code == 404
    assert "going-private" not in bob_client.get(reverse("images:list")).content.decode()
    stopped = WorkHistory.objects.for_resource(image.pk).filter(event_topic="DeleteImageMember")
    assert stopped.count() == 2


def test_a_pending_share_of_a_private_image_cannot_be_accepted(world, bob_client):
    gamma = Account.objects.create(id="c" * 32, name="Gamma")
    image = shareable_image(gamma, name="made-private-elsewhere")
    share = make_share(image, BETA_ID, "Pending")
    # A change that did not go through the console (say, the admin site) leaves the
    # share in place: it still must not become Accepted.
    Image.objects.filter(pk=image.pk).update(visibility=Image.Visibility.PRIVATE)

    response = bob_client.post(reverse("sharing:receive"), {"image_id": str(image.pk)})

    assert str(services.ERROR_NO_PENDING_SHARE) in response.content.decode()
    share.refresh_from_db()
    assert share.status == Share.Status.PENDING
    assert (
        "made-private-elsewhere" not in bob_client.get(reverse("sharing:pending")).content.decode()
    )


def test_deleting_the_image_ends_the_share(world, alice_client, bob_client):
    image = shareable_image(world.acme, world.alice, name="to-delete")
    make_share(image, BETA_ID, "Accepted")

    alice_client.post(reverse("images:delete", args=[image.pk]))

    assert not Share.objects.exists()
    assert bob_client.get(reverse("images:detail", args=[image.pk])).status_code == 404
    assert "to-delete" not in bob_client.get(reverse("images:list")).content.decode()
