"""A receiver of an accepted share reads the image and changes nothing; it may only
remove the image from its own list (= reject the share)."""

import pytest
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from console.models import Membership, WorkHistory
from images.models import Image, Tag
from sharing.models import Share
from tests.support.htmx import HTMX
from tests.support.personas import BETA_ID, client_for, make_user
from tests.support.sharing import make_share, shareable_image

# What the receiver may do with its own share; everything else must be refused.
RECEIVER_ALLOWED = {"sharing:reject"}


def _patterns(namespace: str) -> list[tuple[str, URLPattern]]:
    resolver = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == namespace
    )
    return [(f"{namespace}:{p.name}", p) for p in resolver.url_patterns if p.name]


def image_urls(image: Image, tag: Tag, share: Share) -> dict[str, str]:
    """Every URL of the images and sharing apps that names one image."""
    values = {"pk": image.pk, "tag_id": tag.pk, "share_pk": share.pk, "field": "min_disk_gb"}
    urls = {}
    for name, pattern in _patterns("images") + _patterns("sharing"):
        params = list(pattern.pattern.converters)
        if "pk" not in params:
            continue
        urls[name] = reverse(name, kwargs={p: values[p] for p in params})
    return urls


@pytest.fixture
def shared(world):
    image = shareable_image(world.acme, world.alice, name="read-only", min_disk_gb=5)
    tag = Tag.objects.create(image=image, key="team", value="ml")
    share = make_share(image, BETA_ID, "Accepted")
    return image, tag, share


def _snapshot(image: Image) -> tuple:
    image.refresh_from_db()
    return (
        image.name,
        image.min_disk_gb,
        image.min_ram_gb,
        image.visibility,
        image.protected,
        image.status,
        sorted(image.tags.values_list("key", "value")),
        sorted(image.shares.values_list("target_account_id", "status")),
    )


def test_the_receiver_reads_the_detail_page(world, bob_client, shared):
    image, _, _ = shared

    response = bob_client.get(reverse("images:detail", args=[image.pk]))

    assert response.status_code == 200
    assert "read-only" in response.content.decode()


def test_every_change_url_answers_403_or_404_to_the_receiver(world, bob_client, shared):
    image, tag, share = shared
    before = _snapshot(image)
    data = {
        "value": "99",
        "min_disk_gb": "99",
        "key": "team",
        "target_account_id": "c" * 32,
        "confirm": "yes",
        "stop_shares": "1",
    }
    refused = []
    for name, url in image_urls(image, tag, share).items():
        if name in RECEIVER_ALLOWED:
            continue
        for headers in ({}, HTMX):
            status = bob_client.post(url, data, headers=headers).status_code
            # 405: a read-only URL (detail, row, status) that takes no POST at all.
            assert status in (403, 404, 405), f"{name} answered {status}"
            if status != 405:
                refused.append(name)

    assert {"sharing:share", "sharing:stop", "sharing:accept", "images:retry"} <= set(refused)
    assert _snapshot(image) == before
    assert not WorkHistory.objects.filter(result=WorkHistory.Result.SUCCESS).exists()


def test_bulk_delete_leaves_a_shared_image_alone(world, bob_client, shared):
    image, _, _ = shared

    bob_client.post(reverse("images:bulk_delete"), {"image_ids": [str(image.pk)], "confirm": "yes"})

    assert Image.objects.filter(pk=image.pk).exists()


def test_the_detail_page_shows_the_receiver_no_change_control(world, bob_client, shared):
    image, tag, share = shared

    html = bob_client.get(reverse("images:detail", args=[image.pk])).content.decode()

    for name, url in image_urls(image, tag, share).items():
        if name in RECEIVER_ALLOWED or name in {"images:detail", "images:row"}:
            continue
        if name.endswith(("status", "row")):
            continue
        assert f'"{url}"' not in html, f"the receiver's page links to {name}"


def test_remove_from_my_list_rejects_the_share_and_ends_access(world, bob_client, shared):
    image, _, share = shared

    response = bob_client.post(reverse("sharing:reject", args=[image.pk]), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("images:list")
    share.refresh_from_db()
    assert share.status == Share.Status.REJECTED
    assert bob_client.get(reverse("images:detail", args=[image.pk])).status_code == 404
    row = WorkHistory.objects.for_resource(image.pk).get()
    assert row.event_topic == "SetImageMember"
    assert row.worker_id == str(world.bob.pk)
    assert "removed image read-only from its list" in row.work_details


def test_remove_from_my_list_works_without_javascript(world, bob_client, shared):
    image, _, share = shared
    url = reverse("sharing:reject", args=[image.pk])

    confirm = bob_client.get(url)
    response = bob_client.post(url)

    assert "Remove read-only from your list?" in confirm.content.decode()
    assert response.status_code == 302 and response["Location"] == reverse("images:list")
    share.refresh_from_db()
    assert share.status == Share.Status.REJECTED


def _receiver_actions(image, account, can_change: bool) -> str:
    return render_to_string(
        "sharing/_receiver_actions.html",
        {"image": image, "current_account": account, "can_change": can_change},
    )


def test_the_remove_button_is_for_members_of_the_receiving_account_only(world, shared):
    image, _, _ = shared
    url = reverse("sharing:reject", args=[image.pk])

    assert f'href="{url}"' in _receiver_actions(image, world.beta, can_change=True)
    assert 'data-dialog-open="remove-share-dialog"' in _receiver_actions(image, world.beta, True)
    assert url not in _receiver_actions(image, world.beta, can_change=False)
    assert _receiver_actions(image, world.acme, can_change=True).strip() == ""


def test_a_viewer_of_the_receiving_account_cannot_remove_it(world, shared):
    image, _, share = shared
    viewer = make_user("erin")
    Membership.objects.create(user=viewer, account=world.beta, role="viewer")

    response = client_for(viewer).post(reverse("sharing:reject", args=[image.pk]))

    assert response.status_code == 403
    share.refresh_from_db()
    assert share.status == Share.Status.ACCEPTED
