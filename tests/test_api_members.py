"""Sharing through the API, exactly as in the console: the owner creates a pending member,
Pending gives nothing, the receiver accepts with PUT .../members/{own account ID}, only
Accepted gives read-only access, the owner stops sharing with DELETE."""

import pytest

from console.models import WorkHistory
from sharing.models import Share
from tests.support.api import api_for, error_of
from tests.support.factories import make_image
from tests.support.sharing import make_share, shareable_image


@pytest.fixture
def alice_api(world):
    return api_for(world.alice, world.acme, name="owner-key")


@pytest.fixture
def bob_api(world):
    return api_for(world.bob, world.beta, name="receiver-key")


def test_it_shares_an_image_from_pending_to_accepted(world, alice_api, bob_api):
    image = shareable_image(world.acme, name="to-share")
    members = f"/v1/images/{image.pk}/members"

    created = alice_api.post(members, {"member_id": world.beta.id})
    assert created.status_code == 200
    body = created.json()
    assert body["image_id"] == str(image.pk) and body["member_id"] == world.beta.id
    assert body["status"] == "pending" and body["created_at"].endswith("Z")

    # Pending gives nothing: the image is neither shown nor listed, only waiting.
    assert bob_api.get(f"/v1/images/{image.pk}").status_code == 404
    assert str(image.pk) not in [i["id"] for i in bob_api.get("/v1/images").json()["images"]]
    assert [i["id"] for i in bob_api.get("/v1/pending-images").json()["images"]] == [str(image.pk)]
    assert bob_api.get(f"{members}/{world.beta.id}").json()["status"] == "pending"

    accepted = bob_api.put(f"{members}/{world.beta.id}", {"status": "accepted"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    shown = bob_api.get(f"/v1/images/{image.pk}")
    assert shown.status_code == 200 and shown.json()["owner"] == world.acme.id
    assert bob_api.get("/v1/pending-images").json() == {"images": []}

    listed = alice_api.get(members)
    assert [(m["member_id"], m["status"]) for m in listed.json()["members"]] == [
        (world.beta.id, "accepted")
    ]
    rows = WorkHistory.objects.filter(resource_id=image.pk).order_by("work_time", "id")
    assert [(r.event_topic, r.worker_name, r.api_key[:12]) for r in rows] == [
        ("CreateImageMember", "Alice Anders", "owner-key (g"),
        ("SetImageMember", "Bob Brown", "receiver-key"),
    ]


def test_it_rejects_a_share_and_gives_an_accepted_one_up(world, bob_api):
    pending = shareable_image(world.acme, name="pending")
    make_share(pending, world.beta.id, "Pending")
    accepted = shareable_image(world.acme, name="accepted")
    make_share(accepted, world.beta.id, "Accepted")
    for image in (pending, accepted):
        response = bob_api.put(
            f"/v1/images/{image.pk}/members/{world.beta.id}", {"status": "rejected"}
        )
        assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert bob_api.get(f"/v1/images/{accepted.pk}").status_code == 404
    assert set(Share.objects.values_list("status", flat=True)) == {"Rejected"}


def test_it_answers_the_same_status_again_without_a_change(world, bob_api):
    image = shareable_image(world.acme)
    make_share(image, world.beta.id, "Accepted")
    response = bob_api.put(f"/v1/images/{image.pk}/members/{world.beta.id}", {"status": "accepted"})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert not WorkHistory.objects.exists()


@pytest.mark.parametrize(
    ("current", "wanted", "message"),
    [
        ("Accepted", "pending", "A share cannot go back to pending."),
        ("Rejected", "accepted", "This share was rejected; the owner can share the image again."),
    ],
)
def test_it_refuses_answers_the_share_cannot_take(world, bob_api, current, wanted, message):
    image = shareable_image(world.acme)
    make_share(image, world.beta.id, current)
    response = bob_api.put(f"/v1/images/{image.pk}/members/{world.beta.id}", {"status": wanted})
    assert response.status_code == 409 and error_of(response)["detail"] == [message]


def test_it_gives_nothing_for_a_share_of_an_image_that_is_no_longer_shareable(world, bob_api):
    image = make_image(world.acme, visibility="Private")
    make_share(image, world.beta.id, "Pending")
    member = f"/v1/images/{image.pk}/members/{world.beta.id}"
    assert bob_api.get(member).status_code == 404
    assert bob_api.put(member, {"status": "accepted"}).status_code == 404
    # Declining is allowed whatever the image's state.
    assert bob_api.put(member, {"status": "rejected"}).status_code == 200


def test_it_lets_only_the_member_answer_its_share(world, alice_api, bob_api):
    image = shareable_image(world.acme)
    make_share(image, world.beta.id, "Pending")
    response = alice_api.put(
        f"/v1/images/{image.pk}/members/{world.beta.id}", {"status": "accepted"}
    )
    assert response.status_code == 403
    assert error_of(response)["detail"] == [
        "Only the account a share is addressed to can answer it."
    ]
    # An account answering another account's share of an image it cannot see: 404.
    other = "c" * 32
    response = bob_api.put(f"/v1/images/{image.pk}/members/{other}", {"status": "accepted"})
    assert response.status_code == 404
    assert Share.objects.get().status == "Pending"


def test_it_stops_sharing_with_204(world, alice_api, bob_api):
    image = shareable_image(world.acme)
    make_share(image, world.beta.id, "Accepted")
    response = alice_api.delete(f"/v1/images/{image.pk}/members/{world.beta.id}")
    assert response.status_code == 204
    assert not Share.objects.exists()
    assert bob_api.get(f"/v1/images/{image.pk}").status_code == 404
    row = WorkHistory.objects.get(resource_id=image.pk)
    assert row.event_topic == "DeleteImageMember" and row.api_key.startswith("owner-key")
    assert alice_api.delete(f"/v1/images/{image.pk}/members/{world.beta.id}").status_code == 404


def test_it_shows_one_member_to_the_owner(world, alice_api):
    image = shareable_image(world.acme)
    make_share(image, world.beta.id, "Pending")
    response = alice_api.get(f"/v1/images/{image.pk}/members/{world.beta.id.upper()}")
    assert response.status_code == 200 and response.json()["member_id"] == world.beta.id
    assert alice_api.get(f"/v1/images/{image.pk}/members/{'c' * 32}").status_code == 404


@pytest.mark.parametrize(
    ("image_fields", "member_id", "status", "message"),
    [
        (
            {"visibility": "Private", "name": "private-one"},
            "b" * 32,
            409,
            "Image private-one is Private. Change its Visibility to Shared before sharing it "
            "with another account.",
        ),
        (
            {"visibility": "Shared", "origin": "server", "file_url": "", "name": "from-server"},
            "b" * 32,
            409,
            "Image from-server was created from a GPU server. Only uploaded images (imported "
            "from an image file) can be shared with another account.",
        ),
        (
            {"visibility": "Shared", "name": "own"},
            "a8f10467abfc4b87b64614ab36eb9ae4",
            400,
            'Field "member_id" is invalid. This is the ID of your own account, which already '
            "has the image. Enter the ID of another account.",
        ),
    ],
)
def test_it_refuses_shares_the_rules_forbid_and_records_them(
    world, alice_api, image_fields, member_id, status, message
):
    image = make_image(world.acme, **image_fields)
    response = alice_api.post(f"/v1/images/{image.pk}/members", {"member_id": member_id})
    assert response.status_code == status
    assert error_of(response)["detail"] == [message]
    row = WorkHistory.objects.get(resource_id=image.pk)
    assert row.result == "Failure" and row.api_key.startswith("owner-key")


def test_it_refuses_sharing_twice_with_409(world, alice_api):
    image = shareable_image(world.acme, name="twice")
    make_share(image, world.beta.id, "Pending")
    response = alice_api.post(f"/v1/images/{image.pk}/members", {"member_id": world.beta.id})
    assert response.status_code == 409
    assert "already has a share for account" in error_of(response)["detail"][0]


@pytest.mark.parametrize("member_id", ["", "x" * 65, "bad_id", "bad id", 42, None])
def test_it_refuses_a_malformed_member_id(world, alice_api, member_id):
    image = shareable_image(world.acme)
    response = alice_api.post(f"/v1/images/{image.pk}/members", {"member_id": member_id})
    assert response.status_code == 400
    assert error_of(response)["detail"][0].startswith('Field "member_id" is invalid.')


def test_it_shares_with_an_account_id_that_matches_no_account_all_the_same(world, alice_api):
    image = shareable_image(world.acme)
    response = alice_api.post(f"/v1/images/{image.pk}/members", {"member_id": "no-such-account"})
    assert response.status_code == 200 and response.json()["status"] == "pending"


def test_it_refuses_an_unknown_member_status(world, bob_api):
    image = shareable_image(world.acme)
    make_share(image, world.beta.id, "Pending")
    response = bob_api.put(f"/v1/images/{image.pk}/members/{world.beta.id}", {"status": "maybe"})
    assert response.status_code == 400
    assert error_of(response)["detail"][0].startswith('Field "status" is invalid.')
