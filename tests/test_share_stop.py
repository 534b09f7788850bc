"""Stop sharing: the owner deletes a share and the receiver loses access at once."""

import pytest
from django.urls import reverse

from console.models import WorkHistory
from sharing import services
from sharing.models import Share
from tests.support.htmx import HTMX
from tests.support.personas import BETA_ID
from tests.support.sharing import make_share, shareable_image


def stop_url(share) -> str:
    return reverse("sharing:stop", args=[share.image_id, share.pk])


@pytest.fixture
def accepted(world):
    image = shareable_image(world.acme, world.alice, name="stop-me")
    return make_share(image, BETA_ID, "Accepted")


def test_it_asks_for_confirmation_saying_who_loses_access(world, alice_client, accepted):
    response = alice_client.get(stop_url(accepted))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Stop sharing this image?" in html
    assert BETA_ID in html and "loses access to <strong>stop-me</strong> at once" in html
    assert Share.objects.filter(pk=accepted.pk).exists()


def test_it_deletes_the_share_records_it_and_returns_to_the_detail_page(
    world, alice_client, accepted
):
    response = alice_client.post(stop_url(accepted))

    assert response.status_code == 302
    assert response["Location"] == reverse("images:detail", args=[accepted.image_id])
    assert not Share.objects.filter(pk=accepted.pk).exists()
    row = WorkHistory.objects.for_resource(accepted.image_id).get()
    assert row.event_topic == "DeleteImageMember"
    assert row.result == WorkHistory.Result.SUCCESS
    assert row.worker_id == str(world.alice.pk)
    assert BETA_ID in row.work_details


def test_the_receiver_loses_access_at_once(world, alice_client, bob_client, accepted):
    detail = reverse("images:detail", args=[accepted.image_id])
    assert bob_client.get(detail).status_code == 200
    assert "stop-me" in bob_client.get(reverse("images:list")).content.decode()

    alice_client.post(stop_url(accepted))

    assert bob_client.get(detail).status_code == 404
    listing = bob_client.get(reverse("images:list")).content.decode()
    assert f"image-row-{accepted.image_id}" not in listing


def test_it_stops_a_pending_share_too(world, alice_client):
    share = make_share(shareable_image(world.acme, world.alice), BETA_ID)

    alice_client.post(stop_url(share))

    assert not Share.objects.exists()


def test_it_answers_htmx_with_the_sharing_status_table(world, alice_client, accepted):
    other = make_share(accepted.image, "c" * 32, "Pending")

    response = alice_client.post(stop_url(accepted), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="sharing-status-section"')
    assert BETA_ID not in html.split('<div id="toasts"')[0]
    assert "c" * 32 in html and stop_url(other) in html
    assert "console:close-dialog" in response["HX-Trigger"]
    assert "Stopped sharing stop-me" in html  # the toast, out of band


def test_it_lets_the_owner_share_again_after_stopping(world, alice_client, accepted):
    alice_client.post(stop_url(accepted))

    again = alice_client.post(
        reverse("sharing:share", args=[accepted.image_id]), {"target_account_id": BETA_ID}
    )

    assert again.status_code == 302
    assert Share.objects.get(image_id=accepted.image_id).status == Share.Status.PENDING


def test_a_second_stop_finds_nothing(world, alice_client, accepted):
    alice_client.post(stop_url(accepted))

    assert alice_client.post(stop_url(accepted)).status_code == 404
    with pytest.raises(services.ValidationError):
        services.share_stop(share=accepted, actor=world.alice)
    assert WorkHistory.objects.filter(event_topic="DeleteImageMember").count() == 1


def test_only_members_of_the_owning_account_stop_a_share(world, carol_client, bob_client, accepted):
    assert carol_client.post(stop_url(accepted)).status_code == 403  # viewer of the owner
    assert bob_client.post(stop_url(accepted)).status_code == 403  # the receiver
    assert bob_client.get(stop_url(accepted)).status_code == 403
    assert Share.objects.filter(pk=accepted.pk).exists()


def test_a_share_of_another_image_is_not_found(world, alice_client, accepted):
    other_image = shareable_image(world.acme, world.alice, name="other")

    url = reverse("sharing:stop", args=[other_image.pk, accepted.pk])

    assert alice_client.post(url).status_code == 404
    assert Share.objects.filter(pk=accepted.pk).exists()
