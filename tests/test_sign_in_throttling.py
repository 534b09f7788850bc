"""Sign-in throttling: 10 failed sign-ins for one user name from one address lock that
pair for 15 minutes, on the console's sign-in and the admin's, answered with 429 and a
message on the sign-in page even for the right password. Other user names and other
addresses go on signing in; staff unlock a pair in the admin site. The count lives in
the database, so every web process on every machine sees the same lock."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.personas import PASSWORD, make_user

LIMIT = 10
WRONG = "wrong-password"
ATTACKER = "198.51.100.7"
ELSEWHERE = "203.0.113.20"
LOCKED_TEXT = "Too many failed sign-ins"
CONSOLE = "login"
ADMIN = "admin:login"


def _sign_in(user: str, password: str, address: str = ATTACKER, page: str = CONSOLE):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse(page), {"username": user, "password": password})
    return client, response


def _fail(times: int, user: str = "alice", address: str = ATTACKER, page: str = CONSOLE):
    answers = [_sign_in(user, WRONG, address, page)[1] for _ in range(times)]
    return answers


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_it_locks_a_user_name_and_address_after_ten_failures(world):
    answers = _fail(LIMIT)
    assert [a.status_code for a in answers[:-1]] == [200] * (LIMIT - 1)
    assert all(LOCKED_TEXT not in a.content.decode() for a in answers[:-1])
    assert answers[-1].status_code == 429
    assert LOCKED_TEXT in answers[-1].content.decode()


def test_it_refuses_even_the_right_password_while_locked(world):
    _fail(LIMIT)
    client, response = _sign_in("alice", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED_TEXT in html and "15 minutes" in html
    assert 'id="id_username"' in html  # the sign-in page itself, with its form
    assert not _signed_in(client)


def test_it_answers_the_lockout_with_the_console_security_headers(world):
    _fail(LIMIT)
    _, response = _sign_in("alice", PASSWORD)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_it_leaves_other_user_names_and_other_addresses_alone(world):
    _fail(LIMIT)
    client, response = _sign_in("bob", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)
    client, response = _sign_in("alice", PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302 and _signed_in(client)
    client, response = _sign_in("alice", PASSWORD)
    assert response.status_code == 429


def test_it_does_not_lock_below_ten_failures_and_a_success_starts_over(world):
    _fail(LIMIT - 1)
    client, response = _sign_in("alice", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)
    answers = _fail(LIMIT - 1)
    assert all(a.status_code == 200 for a in answers)


def test_it_unlocks_after_fifteen_minutes(world):
    _fail(LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=14))
    assert _sign_in("alice", PASSWORD)[1].status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=15, seconds=1)
    )
    client, response = _sign_in("alice", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)


def test_it_locks_the_admin_sign_in_too(world):
    staff = make_user("operator", "Op Erator")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    answers = _fail(LIMIT, user="operator", page=ADMIN)
    assert [a.status_code for a in answers[:-1]] == [200] * (LIMIT - 1)
    assert answers[-1].status_code == 429
    client, response = _sign_in("operator", PASSWORD, page=ADMIN)
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED_TEXT in html and 'id="login-form"' in html
    assert not _signed_in(client)
    # The pair is locked on the console's sign-in as well: one count per user name.
    assert _sign_in("operator", PASSWORD)[1].status_code == 429


def test_it_counts_failures_on_both_sign_in_pages_together(world):
    _fail(LIMIT // 2)
    _fail(LIMIT // 2, page=ADMIN)
    assert _sign_in("alice", PASSWORD)[1].status_code == 429


def test_staff_unlock_a_pair_in_the_admin_site(world, admin_client):
    _fail(LIMIT)
    attempt = AccessAttempt.objects.get(username="alice")
    assert attempt.ip_address == ATTACKER
    changelist = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert "alice" in changelist.content.decode()
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    client, response = _sign_in("alice", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)


def test_it_keeps_the_count_in_the_database(world, settings):
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    _fail(3)
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 3
    assert "password" not in AccessAttempt.objects.get().post_data.replace("password=*", "")


@pytest.mark.parametrize("proxies", [1, 2])
def test_it_takes_the_address_a_trusted_proxy_saw(world, settings, proxies):
    """Behind load balancers the client's address is the one the outermost trusted
    proxy saw; what the client wrote further left is its own invention."""
    settings.CONSOLE_TRUSTED_PROXIES = proxies
    hops = ["10.0.0.5"] * (proxies - 1)

    def attempt(spoofed: str, password: str = WRONG):
        forwarded = ", ".join([spoofed, ATTACKER, *hops])
        client = Client(REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
        return client.post(reverse(CONSOLE), {"username": "alice", "password": password})

    for n in range(LIMIT):
        attempt(f"192.0.2.{n}")
    assert attempt("192.0.2.200", PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    client, response = _sign_in("alice", PASSWORD, address="10.0.0.9")
    assert response.status_code == 302 and _signed_in(client)


def test_it_counts_user_names_longer_than_the_records_hold(world):
    """Django's sign-in form does not check the user name's length; the failure records
    hold 255 characters, so longer names count by their first 255."""
    long_name = "x" * 300
    answers = _fail(LIMIT, user=long_name)
    assert [a.status_code for a in answers] == [200] * (LIMIT - 1) + [429]
    assert AccessAttempt.objects.get().username == "x" * 255


def test_it_falls_back_to_the_peer_when_the_proxy_header_is_not_an_address(world, settings):
    settings.CONSOLE_TRUSTED_PROXIES = 1
    for _ in range(3):
        Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="not-an-address").post(
            reverse(CONSOLE), {"username": "alice", "password": WRONG}
        )
    assert AccessAttempt.objects.get().ip_address == ATTACKER
