"""Get Image Share: the receiving account accepts a pending share by its Image ID.

Every Image ID without a pending share for the account gets one neutral answer, so
nobody can learn anything about another account's images.
"""

import re
import uuid

import pytest
from django.urls import reverse

from console.models import Account, Membership, WorkHistory
from sharing import services
from sharing.models import Share
from tests.support.factories import make_image
from tests.support.htmx import HTMX
from tests.support.personas import BETA_ID, client_for, make_user
from tests.support.sharing import make_share, shareable_image

RECEIVE = reverse("sharing:receive")


def test_it_accepts_the_pending_share_and_lists_the_image_marked_as_shared(world, bob_client):
    image = shareable_image(world.acme, world.alice, name="cuda-base")
    share = make_share(image, BETA_ID)
    requested_at = share.modified_at

    response = bob_client.post(RECEIVE, {"image_id": str(image.pk)})

    assert response.status_code == 302
    assert response["Location"] == reverse("images:list")
    share.refresh_from_db()
    assert share.status == Share.Status.ACCEPTED
    assert share.modified_at > requested_at
    listing = bob_client.get(reverse("images:list")).content.decode()
    assert "cuda-base" in listing
    assert "Shared with you" in listing and "Acme Research" in listing
    assert "Image cuda-base shared by Acme Research is now in your image list." in listing
    assert bob_client.get(reverse("images:detail", args=[image.pk])).status_code == 200


def test_it_records_set_image_member_with_the_receiving_user_as_worker(world, bob_client):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID)

    bob_client.post(RECEIVE, {"image_id": str(image.pk)})

    row = WorkHistory.objects.for_resource(image.pk).get()
    assert row.event_topic == "SetImageMember"
    assert row.result == WorkHistory.Result.SUCCESS
    assert row.account == world.acme  # the image's own history
    assert row.worker_id == str(world.bob.pk)
    assert row.worker_email == "bob@example.com"


def test_it_answers_htmx_with_a_client_redirect_to_the_list(world, bob_client):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID)

    response = bob_client.post(RECEIVE, {"image_id": f" {image.pk} "}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("images:list")


def test_it_works_without_javascript_as_its_own_page(world, bob_client):
    response = bob_client.get(RECEIVE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Get Image Share</h1>" in html
    assert 'name="image_id"' in html and ">Confirm" in html


def test_the_image_list_opens_the_popup_and_links_to_the_page(world, bob_client):
    html = bob_client.get(reverse("images:list")).content.decode()

    assert f'href="{RECEIVE}" data-dialog-open="get-share-dialog">Get Image Share</a>' in html
    assert '<dialog id="get-share-dialog"' in html
    assert f'hx-post="{RECEIVE}"' in html


def _wrong_ids(world) -> dict[str, str]:
    """One Image ID of every kind that has no pending share for Beta."""
    acme_private = make_image(world.acme, name="acme-private")
    other = Account.objects.create(id="c" * 32, name="Gamma")
    for_other = shareable_image(world.acme, name="for-gamma")
    make_share(for_other, other.id)
    accepted = shareable_image(world.acme, name="accepted")
    make_share(accepted, BETA_ID, "Accepted")
    rejected = shareable_image(world.acme, name="rejected")
    make_share(rejected, BETA_ID, "Rejected")
    made_private = shareable_image(world.acme, name="made-private")
    make_share(made_private, BETA_ID)
    made_private.visibility = "Private"
    made_private.save()
    own = shareable_image(world.beta, name="own-image")
    return {
        "malformed": "not-a-uuid",
        "empty": "",
        "too long": "x" * 500,
        "unknown": str(uuid.uuid4()),
        "not shared": str(acme_private.pk),
        "shared with another account": str(for_other.pk),
        "already accepted": str(accepted.pk),
        "rejected": str(rejected.pk),
        "image made private": str(made_private.pk),
        "own image": str(own.pk),
    }


def _normalized(response) -> str:
    """The answer without what differs by design: the echoed input and the CSRF mask."""
    html = response.content.decode()
    html = re.sub(r'name="image_id" value="[^"]*"', 'name="image_id" value="TYPED"', html)
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF", html)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_every_kind_of_wrong_id_gets_the_same_neutral_answer(world, bob_client, htmx):
    wrong = _wrong_ids(world)
    headers = HTMX if htmx else {}
    answers = {}
    for kind, typed in wrong.items():
        response = bob_client.post(RECEIVE, {"image_id": typed}, headers=headers)
        answers[kind] = (
            response.status_code,
            response.get("Content-Type"),
            sorted(k for k in response.headers if k.lower() not in {"content-length"}),
            _normalized(response),
        )
    first = next(iter(answers.values()))
    assert first[0] == 200
    assert str(services.ERROR_NO_PENDING_SHARE) in first[3]
    for kind, answer in answers.items():
        assert answer == first, f"the answer for {kind!r} differs"
    assert Share.objects.filter(status="Accepted").count() == 1  # only the one made above
    assert not WorkHistory.objects.exists()


def test_it_shows_the_neutral_message_inside_the_popup_fragment(world, bob_client):
    response = bob_client.post(RECEIVE, {"image_id": str(uuid.uuid4())}, headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<form id="receive-form"')
    assert str(services.ERROR_NO_PENDING_SHARE) in html
    assert "<html" not in html


def test_it_forbids_viewers_of_the_receiving_account(world):
    image = shareable_image(world.acme, world.alice)
    share = make_share(image, BETA_ID)
    viewer = make_user("erin")
    Membership.objects.create(user=viewer, account=world.beta, role="viewer")
    client = client_for(viewer)

    assert client.post(RECEIVE, {"image_id": str(image.pk)}).status_code == 403
    assert client.post(RECEIVE, {"image_id": str(uuid.uuid4())}).status_code == 403
    share.refresh_from_db()
    assert share.status == Share.Status.PENDING
    assert "Get Image Share" not in client.get(reverse("images:list")).content.decode()


def test_it_accepts_for_the_account_selected_in_the_header(world):
    """A user in two accounts accepts a share only while its target account is current."""
    Membership.objects.create(user=world.bob, account=world.acme, role="member")
    gamma = Account.objects.create(id="c" * 32, name="Gamma")
    image = shareable_image(gamma, name="gamma-img")
    share = make_share(image, BETA_ID)
    client = client_for(world.bob)  # Acme Research comes first: it is current

    refused = client.post(RECEIVE, {"image_id": str(image.pk)})
    assert str(services.ERROR_NO_PENDING_SHARE) in refused.content.decode()
    share.refresh_from_db()
    assert share.status == Share.Status.PENDING

    client.post(reverse("switch_account"), {"account_id": BETA_ID})
    accepted = client.post(RECEIVE, {"image_id": str(image.pk)})
    assert accepted.status_code == 302
    share.refresh_from_db()
    assert share.status == Share.Status.ACCEPTED
