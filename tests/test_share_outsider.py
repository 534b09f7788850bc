"""Outsiders learn nothing: every URL of the sharing flows answers 404 to an account
the image is not (or not yet, or no longer) shared with."""

import uuid

import pytest
from django.urls import reverse

from console.models import Account, Membership
from sharing.models import Share
from tests.support.personas import BETA_ID, client_for, make_user
from tests.support.sharing import make_share, shareable_image

READ_ONLY = {"detail", "row"}  # GET only: a POST is 405 for everyone, revealing nothing


def methods(client, name: str):
    return (client.get,) if name in READ_ONLY else (client.get, client.post)


def urls(image, share) -> dict[str, str]:
    return {
        "detail": reverse("images:detail", args=[image.pk]),
        "row": reverse("images:row", args=[image.pk]),
        "share": reverse("sharing:share", args=[image.pk]),
        "stop": reverse("sharing:stop", args=[image.pk, share.pk]),
        "accept": reverse("sharing:accept", args=[image.pk]),
        "reject": reverse("sharing:reject", args=[image.pk]),
    }


@pytest.fixture
def gamma_client(world):
    gamma = Account.objects.create(id="c" * 32, name="Gamma")
    erin = make_user("erin", "Erin Eve")
    Membership.objects.create(user=erin, account=gamma, role="member")
    return client_for(erin)


@pytest.mark.parametrize("status", ["Pending", "Accepted", "Rejected"])
def test_another_account_gets_404_on_every_url(world, gamma_client, status):
    image = shareable_image(world.acme, world.alice)
    share = make_share(image, BETA_ID, status)

    for name, url in urls(image, share).items():
        for method in methods(gamma_client, name):
            response = method(url)
            assert response.status_code == 404, f"{method.__name__} {name}"
    share.refresh_from_db()
    assert share.status == status


@pytest.mark.parametrize("status", ["Pending", "Rejected"])
def test_the_target_account_gets_404_until_it_accepts(world, bob_client, status):
    image = shareable_image(world.acme, world.alice)
    share = make_share(image, BETA_ID, status)

    for name in ("detail", "row", "share", "stop"):
        url = urls(image, share)[name]
        for method in methods(bob_client, name):
            assert method(url).status_code == 404, f"{method.__name__} {name}"


def test_an_image_that_does_not_exist_answers_like_one_that_is_not_shared(world, gamma_client):
    image = shareable_image(world.acme, world.alice)
    share = make_share(image, BETA_ID)
    missing = shareable_image(world.acme)
    missing_urls = urls(missing, share)
    missing.delete()
    unknown_urls = {
        name: url.replace(str(missing.pk), str(uuid.uuid4())) for name, url in missing_urls.items()
    }

    for name in ("detail", "share", "accept", "reject", "stop"):
        method = gamma_client.get if name in READ_ONLY else gamma_client.post
        hidden = method(urls(image, share)[name])
        unknown = method(unknown_urls[name])
        assert hidden.status_code == unknown.status_code == 404, name


def test_the_pending_list_and_get_image_share_show_outsiders_nothing(world, gamma_client):
    image = shareable_image(world.acme, world.alice, name="not-for-gamma")
    make_share(image, BETA_ID)

    assert "not-for-gamma" not in gamma_client.get(reverse("sharing:pending")).content.decode()
    gamma_client.post(reverse("sharing:receive"), {"image_id": str(image.pk)})
    assert Share.objects.get(image=image).status == Share.Status.PENDING


def test_anonymous_users_are_sent_to_sign_in(world, client):
    image = shareable_image(world.acme, world.alice)
    share = make_share(image, BETA_ID)
    everything = {
        **urls(image, share),
        "pending": reverse("sharing:pending"),
        "receive": reverse("sharing:receive"),
    }

    for name, url in everything.items():
        response = client.get(url) if name in READ_ONLY else client.post(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    assert Share.objects.get(pk=share.pk).status == Share.Status.PENDING


def test_a_user_without_an_account_sees_only_the_no_account_page(world, dave_client):
    image = shareable_image(world.acme, world.alice, name="secret-name")
    share = make_share(image, BETA_ID)

    for name, url in urls(image, share).items():
        response = dave_client.get(url)
        assert "secret-name" not in response.content.decode(), name
        assert "not a member of any account" in response.content.decode(), name
