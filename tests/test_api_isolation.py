"""The access matrix over every endpoint: another account's key (404 for everything, never
403), a viewer's key (reads, 403 on every change) and a receiver's key (reads the shared
image, 403 on every change of it). Refused requests change nothing and record nothing."""

import uuid
from dataclasses import dataclass

import pytest

from console.models import Account, Membership, WorkHistory
from images.models import Image, Tag
from sharing.models import Share
from tests.support.api import api_for, error_of, srn_path
from tests.support.factories import make_image, make_server
from tests.support.personas import BETA_ID, make_user
from tests.support.sharing import make_share

URL = "https://images.example.com/new.qcow2"
OTHER = "c" * 32


@dataclass
class Target:
    image: Image
    server_id: str


@pytest.fixture
def target(world) -> Target:
    """An Acme image shared with Beta (Accepted), with a tag, and an Acme GPU server."""
    image = make_image(
        world.acme,
        name="acme-shared",
        visibility="Shared",
        tags=[("team", "ml")],
    )
    make_share(image, BETA_ID, "Accepted")
    make_share(image, OTHER, "Pending")
    server = make_server(world.acme, "acme-train", image=image)
    return Target(image=image, server_id=str(server.pk))


def _endpoints(t: Target) -> list[tuple[str, str, str, dict | None]]:
    """(name, method, path, body) for every operation that names an object."""
    image = f"/v1/images/{t.image.pk}"
    tags = f"/v1/tags/{srn_path(t.image)}"
    return [
        ("show image", "GET", image, None),
        ("change image", "PUT", image, {"protected": True}),
        ("delete image", "DELETE", image, None),
        ("import image", "POST", f"{image}/import", {"url": URL}),
        ("list members", "GET", f"{image}/members", None),
        ("create member", "POST", f"{image}/members", {"member_id": "d" * 32}),
        ("show member", "GET", f"{image}/members/{BETA_ID}", None),
        ("answer other's member", "PUT", f"{image}/members/{OTHER}", {"status": "accepted"}),
        ("delete member", "DELETE", f"{image}/members/{BETA_ID}", None),
        ("server image", "POST", f"/v1/servers/{t.server_id}/images", {"image_name": "snap"}),
        ("list tags", "GET", tags, None),
        ("bulk tags", "PUT", f"{tags}/bulk", {"tags": [{"key": "new"}]}),
        ("delete tags", "DELETE", tags, None),
        ("show tag", "GET", f"{tags}/team", None),
        ("put tag", "PUT", f"{tags}/team", {"value": "x"}),
        ("delete tag", "DELETE", f"{tags}/team", None),
    ]


READS = ("show image", "list members", "show member", "list tags", "show tag")
CHANGES = (
    "change image",
    "delete image",
    "import image",
    "create member",
    "answer other's member",
    "delete member",
    "server image",
    "bulk tags",
    "delete tags",
    "put tag",
    "delete tag",
)

# What each persona gets. Bob's account (Beta) is the receiver of the shared image; the
# outsider is a member of a third account.
EXPECTED = {
    "outsider": dict.fromkeys(READS + CHANGES, 404),
    "viewer": {**dict.fromkeys(READS, 200), **dict.fromkeys(CHANGES, 403)},
    "receiver": {
        **dict.fromkeys(READS, 200),
        **dict.fromkeys(CHANGES, 403),
        "list members": 403,  # the owner's business; its own member record is readable
        "server image": 404,  # not its server
    },
}


def _key(world, persona: str):
    if persona == "viewer":
        return api_for(world.carol, world.acme, name="viewer-key")
    if persona == "receiver":
        return api_for(world.bob, world.beta, name="receiver-key")
    gamma = Account.objects.create(id="9" * 32, name="Gamma Works")
    gina = make_user("gina", "Gina Gray")
    Membership.objects.create(user=gina, account=gamma, role="member")
    return api_for(gina, gamma, name="outsider-key")


def _state(image: Image) -> tuple:
    image.refresh_from_db()
    return (
        image.protected,
        image.status,
        image.file_url,
        sorted(Tag.objects.filter(image=image).values_list("key", "value")),
        sorted(Share.objects.filter(image=image).values_list("target_account_id", "status")),
        Image.objects.count(),
    )


@pytest.mark.parametrize("persona", ["outsider", "viewer", "receiver"])
def test_it_applies_the_access_rules_to_every_endpoint(world, target, persona):
    api = _key(world, persona)
    before = _state(target.image)
    history = WorkHistory.objects.count()
    endpoints = _endpoints(target)
    assert {name for name, *_ in endpoints} == set(EXPECTED[persona])
    answers = {}
    for name, method, path, body in endpoints:
        response = api.get(path) if method == "GET" else api.send(method, path, body)
        answers[name] = response.status_code
        if response.status_code >= 400:
            error = error_of(response)
            assert error["code"] in ("Forbidden", "NotFound")
    assert answers == EXPECTED[persona]
    assert _state(target.image) == before
    assert WorkHistory.objects.count() == history


def test_it_lists_nothing_of_another_account(world, target):
    api = _key(world, "outsider")
    assert api.get("/v1/images").json()["images"] == []
    assert api.get("/v1/pending-images").json()["images"] == []


def test_it_answers_the_same_404_for_a_missing_and_a_hidden_image(world, target):
    api = _key(world, "outsider")
    hidden = api.get(f"/v1/images/{target.image.pk}")
    missing = api.get(f"/v1/images/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404
    assert error_of(hidden)["detail"] == error_of(missing)["detail"]


def test_it_refuses_a_viewer_creating_an_image(world):
    api = _key(world, "viewer")
    body = {"name": "x", "os_distro": "rhel", "url": URL}
    response = api.post("/v1/images", body)
    assert response.status_code == 403 and error_of(response)["code"] == "Forbidden"
    assert not Image.objects.exists()


def test_it_refuses_a_viewer_answering_a_share(world):
    image = make_image(world.beta, visibility="Shared")
    make_share(image, world.acme.id, "Pending")
    api = _key(world, "viewer")
    response = api.put(f"/v1/images/{image.pk}/members/{world.acme.id}", {"status": "accepted"})
    assert response.status_code == 403
    assert Share.objects.get().status == "Pending"
