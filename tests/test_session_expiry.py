"""An expired session during an in-place update leads the whole browser to sign-in."""

from urllib.parse import quote

from django.urls import reverse

from tests.support.factories import make_image
from tests.support.htmx import HTMX


def test_it_sends_htmx_requests_of_signed_out_users_to_the_sign_in_page(client, world):
    page = "http://testserver" + reverse("images:list") + "?status=Active&sort=name"
    response = client.get(
        reverse("images:list") + "?status=Active&sort=name&page=2",
        headers=HTMX,
        HTTP_HX_CURRENT_URL=page,
    )
    assert response.status_code == 200
    assert response.content == b""
    expected = (
        reverse("login")
        + "?next="
        + quote(reverse("images:list") + "?status=Active&sort=name", safe="/")
    )
    assert response["HX-Redirect"] == expected


def test_it_sends_htmx_changes_of_signed_out_users_to_the_sign_in_page_of_their_page(client, world):
    image = make_image(world.acme, creator=world.alice)
    detail = reverse("images:detail", args=[image.pk])
    response = client.post(
        reverse("images:tag_add", args=[image.pk]),
        {"key": "env", "value": "prod"},
        headers=HTMX,
        HTTP_HX_CURRENT_URL="http://testserver" + detail + "?tab=tags",
    )
    assert response["HX-Redirect"].startswith(reverse("login") + "?next=")
    assert quote(detail, safe="/") in response["HX-Redirect"]
    assert not image.tags.exists()


def test_it_ignores_a_current_url_of_another_site(client, world):
    response = client.get(
        reverse("images:list"), headers=HTMX, HTTP_HX_CURRENT_URL="https://evil.example/steal"
    )
    assert response["HX-Redirect"] == reverse("login") + "?next=" + quote(
        reverse("images:list"), safe="/"
    )


def test_it_keeps_the_plain_redirect_for_pages(client, world):
    response = client.get(reverse("images:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert "HX-Redirect" not in response


def test_it_answers_signed_in_htmx_requests_normally(alice_client):
    response = alice_client.get(reverse("images:list"), headers=HTMX)
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert b'id="image-table"' in response.content
