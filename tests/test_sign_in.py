import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from console.middleware import SESSION_ACCOUNT_KEY
from console.models import Membership
from tests.support.factories import make_image
from tests.support.personas import PASSWORD, client_for


def test_it_signs_in_and_lands_on_the_image_list(world, client):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("images:list")
    page = client.get(reverse("images:list"))
    assert page.status_code == 200
    assert b"Acme Research" in page.content
    assert world.acme.id.encode() in page.content


def test_it_refuses_a_wrong_password(world, client):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert b"Enter a correct user name and password" in response.content
    assert "_auth_user_id" not in client.session


def test_it_signs_out(alice_client):
    response = alice_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    after = alice_client.get(reverse("images:list"))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("login"))


def test_it_does_not_sign_out_on_get(alice_client):
    assert alice_client.get(reverse("logout")).status_code == 405


def _urls(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every console URL, with placeholder arguments, admin and the API excluded (the API
    answers 401 without a key: tests/test_api_keys.py)."""
    found: list[str] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("admin", "api"):
                continue
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found.extend(_urls(entry, namespace))
        elif isinstance(entry, URLPattern) and entry.name:
            converters = entry.pattern.converters
            kwargs = {
                name: "0" * 32 if type(conv).__name__ == "StringConverter" else None
                for name, conv in converters.items()
            }
            for name, conv in converters.items():
                kind = type(conv).__name__
                if kind == "UUIDConverter":
                    kwargs[name] = "00000000-0000-0000-0000-000000000000"
                elif kind == "IntConverter":
                    kwargs[name] = 1
            found.append(reverse(prefix + entry.name, kwargs=kwargs or None))
    return found


# Open to everyone: signing in, the language switch of the sign-in page, and the words of
# the page scripts.
PUBLIC_URLS = {reverse("login"), reverse("set_language"), reverse("javascript_catalog")}
CONSOLE_URLS = [u for u in _urls(get_resolver()) if u not in PUBLIC_URLS]


@pytest.mark.parametrize("url", CONSOLE_URLS)
def test_it_sends_anonymous_users_to_sign_in_from_every_page(client, db, url):
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (url, method)
        assert response["Location"].startswith(reverse("login"))


def test_it_switches_the_current_account(world, alice_client):
    Membership.objects.create(user=world.alice, account=world.beta, role="viewer")
    response = alice_client.post(reverse("switch_account"), {"account_id": world.beta.id})
    assert response.status_code == 302
    assert alice_client.session[SESSION_ACCOUNT_KEY] == world.beta.id
    page = alice_client.get(reverse("images:list"))
    assert page.context["current_account"] == world.beta
    assert page.context["can_change"] is False
    back = alice_client.post(reverse("switch_account"), {"account_id": world.acme.id})
    assert back.status_code == 302
    assert alice_client.get(reverse("images:list")).context["current_account"] == world.acme


def test_it_refuses_to_switch_to_an_account_of_someone_else(world, alice_client):
    response = alice_client.post(reverse("switch_account"), {"account_id": world.beta.id})
    assert response.status_code == 404
    assert SESSION_ACCOUNT_KEY not in alice_client.session
    page = alice_client.get(reverse("images:list"))
    assert page.context["current_account"] == world.acme


def test_it_falls_back_when_the_kept_account_is_no_longer_yours(world, alice_client):
    membership = Membership.objects.create(user=world.alice, account=world.beta)
    alice_client.post(reverse("switch_account"), {"account_id": world.beta.id})
    membership.delete()
    page = alice_client.get(reverse("images:list"))
    assert page.context["current_account"] == world.acme


def test_it_shows_a_clear_page_to_users_without_membership(dave_client):
    response = dave_client.get(reverse("images:list"))
    assert response.status_code == 200
    assert b"You are not a member of any account" in response.content
    assert b"Sign out" in response.content


def test_it_keeps_csrf_on_account_switching(world):
    client = client_for(world.alice)
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("switch_account"), {"account_id": world.acme.id})
    assert response.status_code == 403


def test_it_sends_a_strict_content_security_policy(alice_client):
    response = alice_client.get(reverse("images:list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(
    "page",
    ["images:list", "servers:list", "activity:history", "sharing:pending"],
)
def test_it_stays_on_the_list_page_the_account_was_switched_from(world, alice_client, page):
    Membership.objects.create(user=world.alice, account=world.beta, role="viewer")
    here = reverse(page) + "?per_page=50"
    response = alice_client.post(
        reverse("switch_account"), {"account_id": world.beta.id, "next": here}
    )
    assert response.status_code == 302
    assert response["Location"] == here


def test_it_leaves_an_object_page_of_the_previous_account_for_the_image_list(world, alice_client):
    Membership.objects.create(user=world.alice, account=world.beta, role="viewer")
    image = make_image(world.acme)
    response = alice_client.post(
        reverse("switch_account"),
        {"account_id": world.beta.id, "next": reverse("images:detail", args=[image.pk])},
    )
    assert response["Location"] == reverse("images:list")
