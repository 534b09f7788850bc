"""What the receiver of a share sees: the image's own fields and the owning account's
name and ID, never the owner's users nor the secret parts of the image file URL.
Everyone sees the file URL without user info, query string and fragment; the database
keeps it whole for Retry import."""

import pytest
from django.urls import reverse

from images.models import Image, url_without_secrets
from sharing.models import Share
from tests.support.images import create_queued
from tests.support.personas import ACME_ID, BETA_ID
from tests.support.sharing import make_share, shareable_image

HTMX = {"HX-Request": "true"}
SIGNED_URL = (
    "https://uploader:s3cr3t-pass@storage.example.com/bucket/ubuntu-24.04.qcow2"
    "?X-Amz-Credential=AKIDEXAMPLE&X-Amz-Signature=f00dfeed#part-2"
)
SHOWN_URL = "https://storage.example.com/bucket/ubuntu-24.04.qcow2"
SECRETS = ("s3cr3t-pass", "uploader", "X-Amz", "AKIDEXAMPLE", "f00dfeed", "part-2")


def _owner_people(world) -> tuple[str, ...]:
    users = (world.alice, world.carol)
    return (
        *(u.get_full_name() for u in users),
        *(u.first_name for u in users),
        *(u.last_name for u in users),
        *(u.email for u in users),
    )


@pytest.fixture
def shared(world) -> Image:
    image = shareable_image(world.acme, world.alice, name="signed-ubuntu", file_url=SIGNED_URL)
    Image.objects.filter(pk=image.pk).update(edited_by=world.carol)
    image.refresh_from_db()
    return image


def _receiver_pages(image: Image) -> list[tuple[str, dict]]:
    detail = reverse("images:detail", args=[image.pk])
    return [
        (detail, {}),
        (detail + "?tab=details", HTMX),
        (detail + "?tab=tags", HTMX),
        (detail + "?tab=history", {}),
        (reverse("images:detail_status", args=[image.pk]), HTMX),
        (reverse("images:row", args=[image.pk]), HTMX),
        (reverse("images:list"), {}),
        (reverse("sharing:reject", args=[image.pk]), {}),
    ]


def _assert_nothing_leaks(html: str, world) -> None:
    for secret in SECRETS:
        assert secret not in html, secret
    for person in _owner_people(world):
        assert person not in html, person


def test_it_shows_a_receiver_the_owner_account_and_nothing_of_its_users(world, bob_client, shared):
    make_share(shared, BETA_ID, "Accepted", requested_by=world.alice)
    for url, headers in _receiver_pages(shared):
        response = bob_client.get(url, headers=headers)
        assert response.status_code == 200, url
        _assert_nothing_leaks(response.content.decode(), world)
    page = bob_client.get(reverse("images:detail", args=[shared.pk])).content.decode()
    assert "Acme Research" in page and ACME_ID in page
    assert SHOWN_URL in page
    assert "signed-ubuntu" in page


def test_it_shows_a_pending_share_without_the_owner_users(world, bob_client, shared):
    make_share(shared, BETA_ID, "Pending", requested_by=world.alice)
    for url in (
        reverse("sharing:pending"),
        reverse("sharing:accept", args=[shared.pk]),
        reverse("sharing:reject", args=[shared.pk]),
    ):
        response = bob_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        _assert_nothing_leaks(html, world)
        assert "Acme Research" in html
    pending = bob_client.get(reverse("sharing:pending")).content.decode()
    assert ACME_ID in pending


def test_it_shows_the_owner_the_url_without_its_secrets_and_keeps_it_whole(
    world, alice_client, shared
):
    page = alice_client.get(reverse("images:detail", args=[shared.pk])).content.decode()
    for secret in SECRETS:
        assert secret not in page, secret
    assert SHOWN_URL in page
    assert "Alice Anders" in page  # the owner's members see who created it
    shared.refresh_from_db()
    assert shared.file_url == SIGNED_URL


def test_it_keeps_the_secrets_out_of_the_work_history(world, alice_client):
    image = create_queued(world.acme, world.alice, url=SIGNED_URL, name="signed-import")
    assert Image.objects.get(pk=image.pk).file_url == SIGNED_URL
    history = alice_client.get(reverse("activity:history")).content.decode()
    assert "signed-import" in history and SHOWN_URL in history
    for fmt in ("csv", "json"):
        body = b"".join(alice_client.get(reverse(f"activity:{fmt}")).streaming_content).decode()
        for secret in SECRETS:
            assert secret not in body, (fmt, secret)


def test_it_keeps_a_receiver_share_row_to_its_own_account(world, bob_client, shared):
    make_share(shared, BETA_ID, "Accepted")
    make_share(shared, "0123456789abcdef0123456789abcdef", "Pending")
    page = bob_client.get(reverse("images:detail", args=[shared.pk])).content.decode()
    assert "0123456789abcdef0123456789abcdef" not in page
    assert Share.objects.count() == 2


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (SIGNED_URL, SHOWN_URL),
        ("http://host.example.com:8080/a.qcow2", "http://host.example.com:8080/a.qcow2"),
        ("https://u@[2001:db8::1]:443/x.qcow2?sig=1", "https://[2001:db8::1]:443/x.qcow2"),
        ("https://h.example.com/a.qcow2?", "https://h.example.com/a.qcow2"),
        ("https://h.example.com/p@th/a.qcow2", "https://h.example.com/p@th/a.qcow2"),
        ("", ""),
        ("http://[broken/a.qcow2", ""),
    ],
)
def test_it_strips_user_info_query_and_fragment(url, shown):
    assert url_without_secrets(url) == shown
