"""Who may reach the URLs of the image detail page: outsiders get 404 everywhere (GET
and POST, htmx or not), viewers 403 on every change, anonymous users the sign-in page."""

import pytest
from django.urls import reverse

from console.models import WorkHistory
from images.models import Image, Tag
from tests.support.factories import make_image
from tests.support.htmx import HTMX

HEADERS = [pytest.param({}, id="plain"), pytest.param(HTMX, id="htmx")]


@pytest.fixture
def image(world) -> Image:
    return make_image(world.acme, tags=[("env", "prod")])


def _reads(image) -> list[str]:
    tag = Tag.objects.get(image=image)
    detail = reverse("images:detail", args=[image.pk])
    return [
        detail,
        detail + "?tab=tags",
        detail + "?tab=history",
        detail + "?delete=1",
        reverse("images:detail_status", args=[image.pk]) + "?round=1&since=Active",
        reverse("images:edit_field", args=[image.pk, "min-disk"]),
        reverse("images:edit_field", args=[image.pk, "visibility"]),
        reverse("images:tag_edit", args=[image.pk, tag.pk]),
    ]


def _changes(image) -> list[tuple[str, dict]]:
    tag = Tag.objects.get(image=image)
    return [
        (reverse("images:edit_field", args=[image.pk, "min-disk"]), {"min_disk_gb": "99"}),
        (reverse("images:edit_field", args=[image.pk, "min-ram"]), {"min_ram_gb": "99"}),
        (reverse("images:edit_field", args=[image.pk, "visibility"]), {"visibility": "Shared"}),
        (reverse("images:edit_field", args=[image.pk, "protected"]), {"protected": "on"}),
        (reverse("images:delete", args=[image.pk]), {"confirm": "yes"}),
        (reverse("images:tag_add", args=[image.pk]), {"key": "new", "value": "x"}),
        (reverse("images:tag_edit", args=[image.pk, tag.pk]), {"key": "env", "value": "x"}),
        (reverse("images:tag_delete", args=[image.pk, tag.pk]), {}),
        (reverse("images:retry", args=[image.pk]), {}),
    ]


def _unchanged(image) -> None:
    fresh = Image.objects.get(pk=image.pk)
    assert (fresh.min_disk_gb, fresh.min_ram_gb, fresh.visibility, fresh.protected) == (
        10,
        4,
        "Private",
        False,
    )
    assert dict(Tag.objects.filter(image=image).values_list("key", "value")) == {"env": "prod"}
    assert not WorkHistory.objects.filter(resource_id=str(image.pk)).exists()


@pytest.mark.parametrize("headers", HEADERS)
def test_it_answers_404_to_outsiders_on_every_get(world, bob_client, image, headers):
    for url in _reads(image):
        assert bob_client.get(url, headers=headers).status_code == 404, url


@pytest.mark.parametrize("headers", HEADERS)
def test_it_answers_404_to_outsiders_on_every_post(world, bob_client, image, headers):
    for url, data in _changes(image):
        assert bob_client.post(url, data, headers=headers).status_code == 404, url
    _unchanged(image)


def test_it_answers_404_for_an_image_that_does_not_exist(world, alice_client, image):
    missing = make_image(world.acme, tags=[("env", "prod")])
    urls, changes = _reads(missing), _changes(missing)
    Image.objects.filter(pk=missing.pk).delete()
    for url in urls:
        assert alice_client.get(url).status_code == 404, url
    for url, data in changes:
        assert alice_client.post(url, data).status_code == 404, url


@pytest.mark.parametrize("headers", HEADERS)
def test_it_answers_403_to_viewers_on_every_post(world, carol_client, image, headers):
    for url, data in _changes(image):
        assert carol_client.post(url, data, headers=headers).status_code == 403, url
    _unchanged(image)


def test_it_lets_viewers_read_the_page_and_its_tabs(world, carol_client, image):
    read_only = [url for url in _reads(image) if "/edit/" not in url]
    for url in read_only:
        assert carol_client.get(url).status_code == 200, url


def test_it_sends_anonymous_users_to_sign_in(client, image):
    for url in _reads(image):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for url, data in _changes(image):
        response = client.post(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    _unchanged(image)


def test_it_shows_users_without_an_account_the_no_account_page(world, dave_client, image):
    response = dave_client.get(reverse("images:detail", args=[image.pk]))
    assert image.name not in response.content.decode()
    for url, data in _changes(image):
        assert image.name not in dave_client.post(url, data).content.decode()
    _unchanged(image)
