"""Pending shares: the receiving account lists shares waiting for it and accepts or
rejects them."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.models import Account, Membership, WorkHistory
from images.models import Image
from sharing.models import Share
from tests.support.factories import make_image
from tests.support.htmx import HTMX
from tests.support.personas import BETA_ID, client_for, make_user
from tests.support.sharing import make_share, shareable_image

PENDING = reverse("sharing:pending")


def accept_url(image) -> str:
    return reverse("sharing:accept", args=[image.pk])


def reject_url(image) -> str:
    return reverse("sharing:reject", args=[image.pk])


def test_it_lists_only_pending_shares_for_the_current_account(world, bob_client):
    waiting = shareable_image(world.acme, world.alice, name="waiting")
    make_share(waiting, BETA_ID, requested_by=world.alice)
    for name, status in (("accepted", "Accepted"), ("rejected", "Rejected")):
        make_share(shareable_image(world.acme, name=name), BETA_ID, status)
    make_share(shareable_image(world.acme, name="for-someone-else"), "c" * 32)
    gone_private = shareable_image(world.acme, name="gone-private")
    make_share(gone_private, BETA_ID)
    Image.objects.filter(pk=gone_private.pk).update(visibility="Private")

    response = bob_client.get(PENDING)

    html = response.content.decode()
    assert response.status_code == 200
    assert "waiting" in html and str(waiting.pk) in html and "Acme Research" in html
    assert "Alice" not in html  # the owner's users stay the owner's business
    for hidden in ("accepted", "rejected", "for-someone-else", "gone-private"):
        assert hidden not in html
    assert f'action="{accept_url(waiting)}"' in html
    assert f'action="{reject_url(waiting)}"' in html


def test_the_image_list_has_a_pending_shares_tab_with_the_count(world, bob_client):
    for n in range(2):
        make_share(shareable_image(world.acme, name=f"img-{n}"), BETA_ID)

    html = bob_client.get(reverse("images:list")).content.decode()

    assert f'href="{PENDING}"' in html
    assert 'Pending shares (<span id="pending-count">2</span>)' in html


def test_it_shows_an_empty_state(world, bob_client):
    html = bob_client.get(PENDING).content.decode()

    assert "No pending shares" in html
    assert 'Pending shares (<span id="pending-count">0</span>)' in html


def test_it_accepts_a_share(world, bob_client):
    image = shareable_image(world.acme, world.alice, name="to-accept")
    share = make_share(image, BETA_ID)

    response = bob_client.post(accept_url(image))

    assert response.status_code == 302
    assert response["Location"] == PENDING
    share.refresh_from_db()
    assert share.status == Share.Status.ACCEPTED
    row = WorkHistory.objects.for_resource(image.pk).get()
    assert (row.event_topic, row.worker_id) == ("SetImageMember", str(world.bob.pk))
    assert "to-accept" in bob_client.get(reverse("images:list")).content.decode()


def test_it_rejects_a_share_and_gives_no_access(world, bob_client):
    image = shareable_image(world.acme, world.alice, name="to-reject")
    share = make_share(image, BETA_ID)

    response = bob_client.post(reject_url(image))

    assert response.status_code == 302
    share.refresh_from_db()
    assert share.status == Share.Status.REJECTED
    row = WorkHistory.objects.for_resource(image.pk).get()
    assert (row.event_topic, row.worker_id) == ("SetImageMember", str(world.bob.pk))
    assert "rejected" in row.work_details
    assert bob_client.get(reverse("images:detail", args=[image.pk])).status_code == 404
    assert f'id="pending-share-{image.pk}"' not in bob_client.get(PENDING).content.decode()


def test_it_answers_htmx_with_the_updated_list_and_count(world, bob_client):
    first = shareable_image(world.acme, world.alice, name="first")
    second = shareable_image(world.acme, world.alice, name="second")
    make_share(first, BETA_ID)
    make_share(second, BETA_ID)

    response = bob_client.post(accept_url(first), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="card" id="pending-section">')
    assert "Accepted <strong>first</strong>" in html
    assert f'action="{accept_url(second)}"' in html
    assert f'action="{accept_url(first)}"' not in html
    assert '<span id="pending-count" hx-swap-oob="true">1</span>' in html

    rejected = bob_client.post(reject_url(second), headers=HTMX).content.decode()
    assert "Rejected <strong>second</strong>" in rejected
    assert '<span id="pending-count" hx-swap-oob="true">0</span>' in rejected


def test_it_asks_for_confirmation_without_javascript(world, bob_client):
    image = shareable_image(world.acme, world.alice, name="confirm-me")
    make_share(image, BETA_ID)

    accept_page = bob_client.get(accept_url(image)).content.decode()
    reject_page = bob_client.get(reject_url(image)).content.decode()

    assert "Accept this share?" in accept_page and "confirm-me" in accept_page
    assert "Reject this share?" in reject_page
    assert Share.objects.get(image=image).status == Share.Status.PENDING


def test_it_answers_404_when_there_is_no_pending_share_to_answer(world, bob_client):
    accepted = shareable_image(world.acme, name="accepted")
    make_share(accepted, BETA_ID, "Accepted")
    rejected = shareable_image(world.acme, name="rejected")
    make_share(rejected, BETA_ID, "Rejected")
    unshared = shareable_image(world.acme, name="unshared")

    assert bob_client.post(accept_url(accepted)).status_code == 404
    assert bob_client.post(accept_url(rejected)).status_code == 404
    assert bob_client.post(reject_url(rejected)).status_code == 404
    assert bob_client.post(accept_url(unshared)).status_code == 404
    assert bob_client.post(reject_url(unshared)).status_code == 404


def test_only_the_receiving_account_changes_the_status(world, alice_client, carol_client):
    image = shareable_image(world.acme, world.alice)
    share = make_share(image, BETA_ID)

    assert alice_client.post(accept_url(image)).status_code == 404  # the owner
    assert alice_client.post(reject_url(image)).status_code == 404
    assert carol_client.post(accept_url(image)).status_code == 403  # a viewer
    share.refresh_from_db()
    assert share.status == Share.Status.PENDING


def test_viewers_of_the_receiving_account_see_the_list_but_cannot_answer(world):
    image = shareable_image(world.acme, world.alice, name="look-only")
    share = make_share(image, BETA_ID)
    viewer = make_user("erin")
    Membership.objects.create(user=viewer, account=world.beta, role="viewer")
    client = client_for(viewer)

    html = client.get(PENDING).content.decode()

    assert "look-only" in html
    assert ">Accept</button>" not in html and ">Reject</button>" not in html
    assert client.post(accept_url(image)).status_code == 403
    assert client.post(reject_url(image)).status_code == 403
    share.refresh_from_db()
    assert share.status == Share.Status.PENDING


def test_the_number_of_queries_does_not_grow_with_the_rows(world, bob_client):
    owners = [world.acme, Account.objects.create(id="c" * 32, name="Gamma")]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert bob_client.get(PENDING).status_code == 200
        return len(captured)

    make_share(
        shareable_image(owners[0], world.alice, name="one"), BETA_ID, requested_by=world.alice
    )
    few = queries()
    for n in range(8):
        image = make_image(owners[n % 2], name=f"more-{n}", visibility="Shared")
        make_share(image, BETA_ID, requested_by=world.alice)
    many = queries()

    assert many == few
    assert "more-7" in bob_client.get(PENDING).content.decode()


def test_the_image_list_counts_pending_shares_once(world, bob_client):
    make_share(shareable_image(world.acme, name="one-offer"), BETA_ID)
    with CaptureQueriesContext(connection) as queries:
        html = bob_client.get(reverse("images:list")).content.decode()
    assert 'Pending shares (<span id="pending-count">1</span>)' in html
    counts = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "sharing_share"')
    ]
    assert len(counts) == 1, counts
