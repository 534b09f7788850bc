"""Share to another Account refuses, with a clear message, what cannot be shared."""

import pytest
from django.urls import reverse

from console.models import Membership, WorkHistory
from images.models import Image
from sharing import history, services
from sharing.models import Share
from tests.support.factories import make_image
from tests.support.personas import ACME_ID, BETA_ID, client_for, make_user
from tests.support.sharing import make_share, shareable_image


def post_share(client, image, account_id: str):
    return client.post(reverse("sharing:share", args=[image.pk]), {"target_account_id": account_id})


def test_it_refuses_a_private_image_and_says_to_make_it_shared(world, alice_client):
    image = make_image(world.acme, world.alice, name="private-img", visibility="Private")

    response = post_share(alice_client, image, BETA_ID)

    assert response.status_code == 200
    assert str(history.PRIVATE(name="private-img")) in response.content.decode()
    assert not Share.objects.exists()


def test_it_refuses_a_server_origin_image_and_explains_only_uploads_can_be_shared(
    world, alice_client
):
    image = make_image(
        world.acme,
        world.alice,
        name="from-server",
        origin="server",
        file_url="",
        visibility="Shared",
    )

    response = post_share(alice_client, image, BETA_ID)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Only uploaded images (imported from an image file) can be shared" in html
    assert not Share.objects.exists()


@pytest.mark.parametrize("visibility,origin", [("Private", "upload"), ("Shared", "server")])
def test_it_shows_the_reason_up_front_and_disables_complete(
    world, alice_client, visibility, origin
):
    url = "" if origin == "server" else "https://images.example.com/disk.qcow2"
    image = make_image(
        world.acme, name="blocked", visibility=visibility, origin=origin, file_url=url
    )

    html = alice_client.get(reverse("sharing:share", args=[image.pk])).content.decode()

    assert 'class="alert alert-warning"' in html
    assert '<button type="submit" class="btn btn-primary" disabled>Complete</button>' in html


@pytest.mark.parametrize("typed", [ACME_ID, ACME_ID.upper()])
def test_it_refuses_the_own_account(world, alice_client, typed):
    image = shareable_image(world.acme, world.alice)

    response = post_share(alice_client, image, typed)

    assert response.status_code == 200
    assert str(history.OWN_ACCOUNT()) in response.content.decode()
    assert not Share.objects.exists()


@pytest.mark.parametrize("status", ["Pending", "Accepted", "Rejected"])
def test_it_refuses_an_account_that_already_has_a_share(world, alice_client, status):
    image = shareable_image(world.acme, world.alice, name="twice")
    make_share(image, BETA_ID, status)

    response = post_share(alice_client, image, BETA_ID)

    assert response.status_code == 200
    expected = str(history.ALREADY_SHARED(name="twice", account_id=BETA_ID))
    assert expected in response.content.decode()
    assert Share.objects.filter(image=image).count() == 1
    assert Share.objects.get(image=image).status == status


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "a" * 65,
        "has space",
        "under_score",
        "dot.ted",
        "ünïcode",
        "semi;colon",
        "<b>x</b>",
    ],
)
def test_it_refuses_a_malformed_account_id(world, alice_client, typed):
    image = shareable_image(world.acme, world.alice)

    response = post_share(alice_client, image, typed)

    assert response.status_code == 200
    html = response.content.decode()
    expected = (
        "Enter the Shared Account ID."
        if not typed.strip()
        else str(services.ERROR_MALFORMED_ACCOUNT_ID)
    )
    assert expected in html
    assert 'class="field has-error"' in html
    assert not Share.objects.exists()


def test_it_accepts_the_longest_and_shortest_well_formed_ids(world, alice_client):
    image = shareable_image(world.acme, world.alice)
    other = shareable_image(world.acme, world.alice, name="other")

    post_share(alice_client, image, "A" * 64)
    post_share(alice_client, other, "x")

    assert Share.objects.get(image=image).target_account_id == "a" * 64
    assert Share.objects.get(image=other).target_account_id == "x"


def test_it_records_a_refusal_as_a_failure(world, alice_client):
    image = make_image(world.acme, world.alice, name="private-img", visibility="Private")

    post_share(alice_client, image, BETA_ID)

    row = WorkHistory.objects.for_resource(image.pk).get()
    assert row.event_topic == "CreateImageMember"
    assert row.result == WorkHistory.Result.FAILURE
    assert "Private" in row.work_details


def test_it_never_reveals_whether_an_account_exists(world, alice_client):
    """Existing and unknown IDs get the same answers, refused or not."""
    image = shareable_image(world.acme, world.alice, name="probe")
    make_share(image, BETA_ID, "Pending")
    make_share(image, "f" * 32, "Pending")  # no such account

    known = post_share(alice_client, image, BETA_ID)
    unknown = post_share(alice_client, image, "f" * 32)

    assert known.status_code == unknown.status_code == 200
    known_html = known.content.decode().replace(BETA_ID, "ID")
    unknown_html = unknown.content.decode().replace("f" * 32, "ID")
    strip = str(history.ALREADY_SHARED(name="probe", account_id="ID"))
    assert strip in known_html and strip in unknown_html


def test_it_forbids_viewers_of_the_owning_account(world, carol_client):
    image = shareable_image(world.acme, world.alice)

    assert carol_client.get(reverse("sharing:share", args=[image.pk])).status_code == 403
    assert post_share(carol_client, image, BETA_ID).status_code == 403
    assert not Share.objects.exists()


def test_it_forbids_a_receiver_to_share_the_image_again(world, bob_client):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID, "Accepted")
    third = make_user("erin")
    Membership.objects.create(user=third, account=world.beta, role="member")

    assert post_share(bob_client, image, "c" * 32).status_code == 403
    assert post_share(client_for(third), image, "c" * 32).status_code == 403
    assert Share.objects.count() == 1


def test_the_service_refuses_what_the_form_would_let_through(world):
    image = shareable_image(world.acme, world.alice)
    image.visibility = Image.Visibility.PRIVATE  # stale copy: the service reads the row
    Image.objects.filter(pk=image.pk).update(visibility=Image.Visibility.SHARED)

    share = services.share_create(image=image, target_account_id=BETA_ID, actor=world.alice)
    assert share.status == Share.Status.PENDING

    Image.objects.filter(pk=image.pk).update(visibility=Image.Visibility.PRIVATE)
    with pytest.raises(services.ValidationError) as refused:
        services.share_create(image=image, target_account_id="c" * 32, actor=world.alice)
    assert refused.value.code == "private"
    with pytest.raises(services.ValidationError) as malformed:
        services.share_create(image=image, target_account_id="bad id", actor=world.alice)
    assert malformed.value.code == "malformed_account_id"
