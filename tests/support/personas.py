"""The personas of the suite: alice (member of Acme), carol (viewer in Acme),
bob (member of Beta), dave (signed in, no account) and an anonymous client."""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from console.models import Account, Membership

PASSWORD = "demo-password-1"
ACME_ID = "a8f10467abfc4b87b64614ab36eb9ae4"
BETA_ID = "b3c2f6d1e0a94c7b8d5e4f3a2b1c0d9e"


@dataclass
class World:
    acme: Account
    beta: Account
    alice: object
    carol: object
    bob: object
    dave: object


def make_user(username: str, full_name: str = ""):
    first, _, last = full_name.partition(" ")
    return get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.com",
        first_name=first,
        last_name=last,
    )


@pytest.fixture
def world(db) -> World:
    acme = Account.objects.create(id=ACME_ID, name="Acme Research")
    beta = Account.objects.create(id=BETA_ID, name="Beta Labs")
    alice = make_user("alice", "Alice Anders")
    carol = make_user("carol", "Carol Chen")
    bob = make_user("bob", "Bob Brown")
    dave = make_user("dave", "Dave Doe")
    Membership.objects.create(user=alice, account=acme, role="member")
    Membership.objects.create(user=carol, account=acme, role="viewer")
    Membership.objects.create(user=bob, account=beta, role="member")
    return World(acme=acme, beta=beta, alice=alice, carol=carol, bob=bob, dave=dave)


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(world) -> Client:
    return client_for(world.alice)


@pytest.fixture
def carol_client(world) -> Client:
    return client_for(world.carol)


@pytest.fixture
def bob_client(world) -> Client:
    return client_for(world.bob)


@pytest.fixture
def dave_client(world) -> Client:
    return client_for(world.dave)


@pytest.fixture
def staff_user(db):
    """Ada Admin, a superuser of the admin site (no account of the console)."""
    return get_user_model().objects.create_superuser(
        "admin", "admin@example.com", PASSWORD, first_name="Ada", last_name="Admin"
    )


@pytest.fixture
def staff_client(staff_user) -> Client:
    return client_for(staff_user)
