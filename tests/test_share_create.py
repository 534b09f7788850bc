"""Share to another Account: the owner requests a share, which waits as Pending."""

from django.template.loader import render_to_string
from django.urls import reverse

from console.models import WorkHistory
from sharing.models import Share
from tests.support.htmx import HTMX
from tests.support.personas import BETA_ID
from tests.support.sharing import make_share, shareable_image


def share_url(image) -> str:
    return reverse("sharing:share", args=[image.pk])


def sharing_status_html(image, account, *, can_change: bool = True) -> str:
    return render_to_string(
        "sharing/_sharing_status.html",
        {"image": image, "current_account": account, "can_change": can_change},
    )


def test_it_shows_image_name_and_id_read_only_and_asks_for_the_account_id(world, alice_client):
    image = shareable_image(world.acme, world.alice, name="ubuntu-2404-cuda")

    response = alice_client.get(share_url(image))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="share-image-name" value="ubuntu-2404-cuda" readonly' in html
    assert f'id="share-image-id" value="{image.pk}" readonly' in html
    assert "Shared Account ID" in html
    assert 'name="target_account_id"' in html
    assert ">Complete</button>" in html


def test_it_creates_a_pending_share_and_returns_to_the_detail_page(world, alice_client):
    image = shareable_image(world.acme, world.alice)

    response = alice_client.post(share_url(image), {"target_account_id": BETA_ID})

    assert response.status_code == 302
    assert response["Location"] == reverse("images:detail", args=[image.pk])
    share = Share.objects.get(image=image)
    assert share.target_account_id == BETA_ID
    assert share.status == Share.Status.PENDING
    assert share.requested_by == world.alice
    assert share.modified_at is not None
    follow = alice_client.get(response["Location"])
    assert f"Image {image.name} is shared with account {BETA_ID}" in follow.content.decode()


def test_it_records_create_image_member_in_the_image_work_history(world, alice_client):
    image = shareable_image(world.acme, world.alice)

    alice_client.post(share_url(image), {"target_account_id": BETA_ID})

    row = WorkHistory.objects.for_resource(image.pk).get()
    assert row.event_topic == "CreateImageMember"
    assert row.result == WorkHistory.Result.SUCCESS
    assert row.account == world.acme
    assert row.resource_name == image.name
    assert row.worker_id == str(world.alice.pk)
    assert BETA_ID in row.work_details


def test_it_shows_the_share_in_the_sharing_status_table(world, alice_client):
    image = shareable_image(world.acme, world.alice)
    alice_client.post(share_url(image), {"target_account_id": BETA_ID})

    html = sharing_status_html(image, world.acme)

    assert "Approved Account ID" in html and "Modified at" in html
    assert BETA_ID in html
    assert 'class="badge status-pending">Pending<' in html
    share = Share.objects.get(image=image)
    assert reverse("sharing:stop", args=[image.pk, share.pk]) in html


def test_it_accepts_an_id_that_matches_no_account_exactly_like_an_existing_one(world, alice_client):
    first = shareable_image(world.acme, world.alice, name="first")
    second = shareable_image(world.acme, world.alice, name="second")

    existing = alice_client.post(share_url(first), {"target_account_id": BETA_ID})
    unknown = alice_client.post(share_url(second), {"target_account_id": "no-such-account-42"})

    assert existing.status_code == unknown.status_code == 302
    assert Share.objects.get(image=second).target_account_id == "no-such-account-42"
    assert Share.objects.get(image=second).status == Share.Status.PENDING


def test_it_treats_an_id_in_capitals_as_the_same_account(world, alice_client):
    image = shareable_image(world.acme, world.alice)

    alice_client.post(share_url(image), {"target_account_id": f"  {BETA_ID.upper()} "})

    assert Share.objects.get(image=image).target_account_id == BETA_ID


def test_it_answers_htmx_with_a_client_redirect_to_the_detail_page(world, alice_client):
    image = shareable_image(world.acme, world.alice)

    response = alice_client.post(share_url(image), {"target_account_id": BETA_ID}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("images:detail", args=[image.pk])


def test_it_gives_the_receiver_no_access_while_the_share_is_pending(
    world, alice_client, bob_client
):
    image = shareable_image(world.acme, world.alice)
    alice_client.post(share_url(image), {"target_account_id": BETA_ID})

    assert bob_client.get(reverse("images:detail", args=[image.pk])).status_code == 404
    assert str(image.pk) not in bob_client.get(reverse("images:list")).content.decode()


def test_it_lists_every_share_with_its_status_for_the_owner(world):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID, "Accepted")
    make_share(image, "c" * 32, "Rejected")
    make_share(image, "d" * 32, "Pending")

    html = sharing_status_html(image, world.acme)

    for account_id, status in (
        (BETA_ID, "Accepted"),
        ("c" * 32, "Rejected"),
        ("d" * 32, "Pending"),
    ):
        assert account_id in html
        assert f'status-{status.lower()}">{status}<' in html
    assert html.count(">Delete</a>") == 3


def test_it_hides_the_delete_action_from_viewers_of_the_owning_account(world):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID, "Accepted")

    html = sharing_status_html(image, world.acme, can_change=False)

    assert BETA_ID in html
    assert ">Delete</a>" not in html
    assert "<dialog" not in html


def test_it_shows_a_receiver_only_its_own_share_never_the_other_accounts(world):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID, "Accepted")
    make_share(image, "c" * 32, "Accepted")

    html = sharing_status_html(image, world.beta)

    assert BETA_ID in html
    assert "c" * 32 not in html
    assert ">Delete</a>" not in html
