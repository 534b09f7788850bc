"""API keys: the page in the user menu (create, shown once, list, revoke), how a key is
stored and checked, the admin site, and the per-key rate limit."""

import hashlib
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.keys import apikey_create, authenticate
from api.models import ApiKey
from console.models import Membership
from tests.support.api import Api, api_for, error_of, token_for

PAGE = "/account/api-keys/"


def _created_token(response) -> str:
    match = re.search(r'id="new-api-key" value="([^"]+)"', response.content.decode())
    assert match, "the new key is shown in the API key field"
    return match.group(1)


def test_it_links_the_api_keys_page_from_the_user_menu(world, alice_client):
    page = alice_client.get(reverse("images:list")).content.decode()
    assert f'href="{PAGE}"' in page and ">API keys</a>" in page


def test_it_creates_a_key_and_shows_it_once_with_a_copy_button(world, alice_client):
    response = alice_client.post(PAGE, {"name": "ci-pipeline", "account": world.acme.id})
    assert response.status_code == 200
    html = response.content.decode()
    token = _created_token(response)
    assert '<label class="field-label" for="new-api-key">API key</label>' in html
    assert f'data-copy="{token}"' in html
    assert "no-cache" in response["Cache-Control"]
    key = ApiKey.objects.get()
    assert (key.name, key.user, key.account) == ("ci-pipeline", world.alice, world.acme)
    assert token.startswith(f"{key.id}_")
    # Only a salted hash of the secret is kept.
    secret = token.removeprefix(f"{key.id}_")
    assert secret not in (key.secret_hash, key.salt)
    assert key.secret_hash == hashlib.sha256(f"{key.salt}{secret}".encode()).hexdigest()
    # The list shows the key but never again its secret.
    listing = alice_client.get(PAGE).content.decode()
    assert "ci-pipeline" in listing and key.id in listing and secret not in listing
    for column in ("Name", "Account", "Created", "Last used", "Revoke"):
        assert column in listing
    assert Api(token, Client()).get("/v1/images").status_code == 200


def test_it_refuses_a_key_without_a_name_or_for_an_account_of_someone_else(world, alice_client):
    response = alice_client.post(PAGE, {"name": "  ", "account": world.acme.id})
    assert "Name the key." in response.content.decode()
    response = alice_client.post(PAGE, {"name": "sneaky", "account": world.beta.id})
    assert "Choose one of your accounts." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_it_lets_a_viewer_create_a_read_only_key(world, carol_client):
    response = carol_client.post(PAGE, {"name": "reader", "account": world.acme.id})
    api = Api(_created_token(response), Client())
    assert api.get("/v1/images").status_code == 200
    assert api.post("/v1/images", {"name": "x"}).status_code in (400, 403)


def test_it_lists_only_the_users_active_keys_with_their_account_and_last_use(world, alice_client):
    Membership.objects.create(user=world.alice, account=world.beta, role="viewer")
    acme_token = token_for(world.alice, world.acme, "acme-key")
    token_for(world.alice, world.beta, "beta-key")
    token_for(world.bob, world.beta, "bobs-key")
    revoked = apikey_create(user=world.alice, account=world.acme, name="old-key").key
    revoked.revoked_at = timezone.now()
    revoked.save()
    Api(acme_token, Client()).get("/v1/images")
    html = alice_client.get(PAGE).content.decode()
    assert "acme-key" in html and "beta-key" in html
    assert "bobs-key" not in html and "old-key" not in html
    assert html.count("Never") == 1  # beta-key was never used; acme-key was just used
    assert ApiKey.objects.get(name="acme-key").last_used_at is not None


def test_it_revokes_a_key_at_once(world, alice_client):
    created = apikey_create(user=world.alice, account=world.acme, name="short-lived")
    api = Api(created.token, Client())
    assert api.get("/v1/images").status_code == 200
    response = alice_client.post(reverse("api_keys:revoke", args=[created.key.id]))
    assert response.status_code == 302
    created.key.refresh_from_db()
    assert created.key.revoked_at is not None and created.key.revoked_by == world.alice
    assert api.get("/v1/images").status_code == 401
    page = alice_client.get(PAGE).content.decode()
    assert "API key short-lived" in page and "was revoked." in page
    assert f'id="api-key-{created.key.id}"' not in page


def test_it_answers_404_for_revoking_someone_elses_key(world, bob_client):
    key = apikey_create(user=world.alice, account=world.acme, name="alices").key
    response = bob_client.post(reverse("api_keys:revoke", args=[key.id]))
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_it_needs_a_csrf_token_to_create_or_revoke_a_key_on_the_page(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    assert client.post(PAGE, {"name": "x", "account": world.acme.id}).status_code == 403
    key = apikey_create(user=world.alice, account=world.acme, name="kept").key
    assert client.post(reverse("api_keys:revoke", args=[key.id])).status_code == 403
    assert ApiKey.objects.count() == 1


# Checking a key ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer nothing", "gck_000000000000_" + "A" * 43, "gck_zz_short"],
)
def test_it_answers_401_without_a_valid_key(world, header):
    token_for(world.alice, world.acme)
    response = Api(header, Client()).get("/v1/images")
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "Unauthorized"
    assert error["detail"] == ["Send a valid API key in the X-Auth-Token header."]


def test_it_answers_401_for_a_wrong_secret(world):
    token = token_for(world.alice, world.acme)
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert Api(wrong, Client()).get("/v1/images").status_code == 401


def test_it_stops_a_key_whose_user_left_the_account_or_was_deactivated(world):
    api = api_for(world.alice, world.acme)
    assert api.get("/v1/images").status_code == 200
    Membership.objects.filter(user=world.alice).delete()
    assert api.get("/v1/images").status_code == 401
    carol = api_for(world.carol, world.acme)
    get_user_model().objects.filter(pk=world.carol.pk).update(is_active=False)
    assert carol.get("/v1/images").status_code == 401


def test_it_acts_with_the_role_the_user_has_now(world):
    api = api_for(world.carol, world.acme)
    body = {"name": "x", "os_distro": "rhel", "url": "https://a.example/x.qcow2"}
    assert api.post("/v1/images", body).status_code == 403
    Membership.objects.filter(user=world.carol).update(role="member")
    assert api.post("/v1/images", body).status_code == 200


def test_it_ignores_a_signed_in_session_on_the_api(world, alice_client):
    response = alice_client.get("/v1/images")
    assert response.status_code == 401
    response = alice_client.post("/v1/images", {}, content_type="application/json")
    assert response.status_code == 401


def test_it_needs_no_csrf_token_with_a_key(world):
    api = api_for(world.alice, world.acme)  # its client enforces CSRF checks
    body = {"name": "no-csrf", "os_distro": "rhel", "url": "https://a.example/x.qcow2"}
    assert api.post("/v1/images", body).status_code == 200


def test_it_records_last_use_at_most_once_a_minute(world):
    created = apikey_create(user=world.alice, account=world.acme, name="k")
    earlier = timezone.now() - timedelta(seconds=30)
    ApiKey.objects.filter(pk=created.key.pk).update(last_used_at=earlier)
    assert authenticate(created.token) is not None
    assert ApiKey.objects.get().last_used_at == earlier
    ApiKey.objects.filter(pk=created.key.pk).update(last_used_at=earlier - timedelta(minutes=5))
    authenticate(created.token)
    assert ApiKey.objects.get().last_used_at > earlier


# Rate limit ----------------------------------------------------------------------------


def test_it_answers_429_once_a_key_exceeds_its_rate(world, settings):
    settings.CONSOLE_API_RATE_LIMIT = 3
    settings.CONSOLE_API_RATE_WINDOW = 60
    api = api_for(world.alice, world.acme)
    other = api_for(world.bob, world.beta)
    assert [api.get("/v1/images").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/v1/images")
    assert response.status_code == 429
    error = error_of(response)
    assert error["code"] == "TooManyRequests"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert error["detail"][0].startswith("This API key sent more than 3 requests in 60 seconds.")
    # Each key has its own budget.
    assert other.get("/v1/images").status_code == 200


def test_it_counts_the_rate_in_the_shared_cache(world, settings):
    """The counter lives in the cache (Redis in production), where every web process and
    machine increments the same number."""
    settings.CONSOLE_API_RATE_LIMIT = 5
    settings.CONSOLE_API_RATE_WINDOW = 3600
    api = api_for(world.alice, world.acme)
    counter = f"api-rate:{api.token[:16]}:{int(time.time() // 3600)}"
    assert api.get("/v1/images").status_code == 200
    assert cache.get(counter) == 1
    cache.set(counter, 5, timeout=60)  # as if other processes had spent the budget
    assert api.get("/v1/images").status_code == 429


# Admin site ----------------------------------------------------------------------------


@pytest.fixture
def staff_client(db):
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    client = Client()
    client.force_login(staff)
    return client


def test_it_shows_keys_to_staff_without_their_secret(world, staff_client):
    created = apikey_create(user=world.alice, account=world.acme, name="ci-pipeline")
    listing = staff_client.get("/admin/api/apikey/").content.decode()
    assert "ci-pipeline" in listing and created.key.id in listing
    detail = staff_client.get(f"/admin/api/apikey/{created.key.id}/change/").content.decode()
    secret = created.token.removeprefix(f"{created.key.id}_")
    assert secret not in detail and created.key.secret_hash not in detail
    assert staff_client.get("/admin/api/apikey/add/").status_code == 403


def test_it_lets_staff_revoke_keys(world, staff_client):
    created = apikey_create(user=world.alice, account=world.acme, name="leaked")
    response = staff_client.post(
        "/admin/api/apikey/",
        {"action": "revoke", "_selected_action": [created.key.id]},
        follow=True,
    )
    assert "Revoked 1 API key." in response.content.decode()
    assert Api(created.token, Client()).get("/v1/images").status_code == 401
    revoked = staff_client.get("/admin/api/apikey/?state=revoked").content.decode()
    assert "leaked" in revoked
