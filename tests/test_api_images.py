"""The image endpoints: list, create, show, change, delete, import, pending images."""

import datetime
import uuid

import pytest
from django.utils import timezone

from console.models import WorkHistory
from console.phrases import TEXT
from images.models import Image, Tag
from sharing.models import Share
from tests.support.api import api_for, error_of
from tests.support.factories import make_image
from tests.support.sharing import make_share, shareable_image

URL = "https://images.example.com/ubuntu-24.04.qcow2"


@pytest.fixture
def alice_api(world):
    return api_for(world.alice, world.acme, name="ci-pipeline")


def _create_body(**overrides) -> dict:
    return {"name": "ubuntu-cuda", "os_distro": "ubuntu", "url": URL, **overrides}


# Create --------------------------------------------------------------------------------


def test_it_creates_a_queued_image_through_the_console_service(world, alice_api):
    response = alice_api.post(
        "/v1/images",
        _create_body(
            min_disk=20,
            min_ram=8,
            visibility="shared",
            protected=True,
            tags=[{"key": "team", "value": "ml"}, {"key": "empty", "value": None}],
            url="https://user:secret@images.example.com/u.qcow2?signature=abc",
        ),
    )
    assert response.status_code == 200
    body = response.json()
    image = Image.objects.get(pk=body["id"])
    assert image.account == world.acme and image.created_by == world.alice
    assert image.status == Image.Status.QUEUED and image.origin == Image.Origin.UPLOAD
    assert (image.min_disk_gb, image.min_ram_gb, image.visibility, image.protected) == (
        20,
        8,
        "Shared",
        True,
    )
    assert image.file_url == "https://user:secret@images.example.com/u.qcow2?signature=abc"
    assert sorted(Tag.objects.filter(image=image).values_list("key", "value")) == [
        ("empty", ""),
        ("team", "ml"),
    ]
    assert body["status"] == "queued" and body["visibility"] == "shared"
    assert body["owner"] == world.acme.id and body["owner_account_name"] == "Acme Research"
    # The URL is shown without credentials or signature.
    assert body["url"] == "https://images.example.com/u.qcow2"
    assert body["created_at"].endswith("Z") and body["checksum"] is None
    assert body["scp_image_type"] == "gpu_custom" and body["os_distro"] == "ubuntu"


def test_it_records_the_creation_naming_the_api_key(world, alice_api):
    key_id = alice_api.token[:16]
    response = alice_api.post("/v1/images", _create_body())
    row = WorkHistory.objects.get(resource_id=response.json()["id"])
    assert row.event_topic == "CreateImage" and row.result == "Success"
    assert row.worker_id == str(world.alice.pk) and row.worker_name == "Alice Anders"
    assert row.api_key == f"ci-pipeline ({key_id})"
    assert row.worker_display.endswith(f"with API key ci-pipeline ({key_id})")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "bad/name"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"os_distro": "windows"}, "os_distro"),
        ({"url": "ftp://images.example.com/a.qcow2"}, "url"),
        ({"url": "https://images.example.com/a.iso"}, "url"),
        ({"url": "https://[broken/a.qcow2"}, "url"),
        ({"url": "https://images.example.com/" + "a" * 250 + ".qcow2"}, "url"),
        ({"min_disk": 12_289}, "min_disk"),
        ({"min_disk": -1}, "min_disk"),
        ({"min_disk": "5"}, "min_disk"),
        ({"min_disk": True}, "min_disk"),
        ({"min_ram": 2_097_152}, "min_ram"),
        ({"visibility": "public"}, "visibility"),
        ({"protected": "yes"}, "protected"),
        ({"disk_format": "raw"}, "disk_format"),
        ({"container_format": "ovf"}, "container_format"),
        ({"tags": [{"key": "", "value": "v"}]}, "tags.0.key"),
        ({"tags": [{"key": "k" * 129}]}, "tags.0.key"),
        ({"tags": [{"key": "k", "value": "v" * 257}]}, "tags.0.value"),
        ({"tags": [{"key": "k\x00"}]}, "tags.0.key"),
        ({"tags": [{"key": " k"}]}, "tags.0.key"),
        ({"tags": [{"key": "a"}, {"key": "a"}]}, "tags"),
        ({"tags": [{"key": f"k{i}"} for i in range(51)]}, "tags"),
        ({"tags": [{"key": "k", "colour": "red"}]}, "tags.0.colour"),
        ({"owner": "someone"}, "owner"),
    ],
)
def test_it_refuses_invalid_creations_naming_the_field(world, alice_api, body, field):
    response = alice_api.post("/v1/images", _create_body(**body))
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "ValidationError"
    assert any(f'Field "{field}"' in line for line in error["detail"]), error["detail"]
    assert not Image.objects.exists()


def test_it_refuses_a_missing_field_and_a_body_that_is_not_json(world, alice_api):
    response = alice_api.post("/v1/images", {"name": "x", "os_distro": "rhel"})
    assert response.status_code == 400
    assert 'Field "url" is required.' in error_of(response)["detail"]
    response = alice_api.post("/v1/images", raw="{not json")
    assert response.status_code == 400
    assert error_of(response)["detail"] == ["The request body is not valid JSON."]
    response = alice_api.post("/v1/images", raw='["a list"]')
    assert response.status_code == 400


# Show and list -------------------------------------------------------------------------


def test_it_shows_an_image_with_hashes_and_tags(world, alice_api):
    image = make_image(world.acme, tags=[("team", "ml")], status=Image.Status.ACTIVE)
    response = alice_api.get(f"/v1/images/{image.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(image.pk) and body["status"] == "active"
    assert body["checksum"] == image.checksum_md5
    assert body["os_hash_algo"] == "sha512" and body["os_hash_value"] == image.os_hash_value
    assert body["size"] == image.size and body["virtual_size"] == image.virtual_size
    assert body["file"] == f"/v2/images/{image.pk}/file" and body["os_hidden"] is False
    assert body["tags"] == [{"key": "team", "value": "ml"}]


def test_it_answers_400_naming_a_malformed_image_id(world, alice_api):
    response = alice_api.get("/v1/images/not-a-uuid")
    assert response.status_code == 400
    assert 'Field "image_id"' in error_of(response)["detail"][0]


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [image["name"] for image in response.json()["images"]]


def _aged(account, name: str, minutes: int, **fields) -> Image:
    image = make_image(account, name=name, **fields)
    Image.objects.filter(pk=image.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )
    return image


def test_it_lists_own_and_accepted_images_newest_first(world, alice_api):
    _aged(world.acme, "old", 30)
    _aged(world.acme, "new", 10)
    received = shareable_image(world.beta, name="from-beta")
    make_share(received, world.acme.id, "Accepted")
    pending = shareable_image(world.beta, name="pending-from-beta")
    make_share(pending, world.acme.id, "Pending")
    make_image(world.beta, name="beta-only")
    names = _names(alice_api.get("/v1/images"))
    assert names[-2:] == ["new", "old"] and names[0] == "from-beta"
    assert set(names) == {"old", "new", "from-beta"}


def test_it_filters_by_name_os_distro_status_and_visibility(world, alice_api):
    make_image(world.acme, name="a", os_type="rhel", status="Active", visibility="Shared")
    make_image(world.acme, name="b", os_type="ubuntu", status="Error", visibility="Private")
    make_image(world.acme, name="c", os_type="ubuntu", status="Queued", visibility="Shared")
    assert _names(alice_api.get("/v1/images", name="b")) == ["b"]
    assert sorted(_names(alice_api.get("/v1/images", os_distro="ubuntu"))) == ["b", "c"]
    assert _names(alice_api.get("/v1/images", status="error")) == ["b"]
    assert sorted(_names(alice_api.get("/v1/images", visibility="shared"))) == ["a", "c"]
    both = alice_api.get("/v1/images", visibility="shared", status="queued")
    assert _names(both) == ["c"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": "many"},
        {"status": "Active"},
        {"visibility": "public"},
        {"os_distro": "windows"},
        {"sort": "colour"},
        {"sort": "name:sideways"},
        {"marker": "nope"},
        {"name": "a\x00b"},
    ],
)
def test_it_refuses_invalid_list_parameters(world, alice_api, params):
    response = alice_api.get("/v1/images", **params)
    assert response.status_code == 400
    assert error_of(response)["detail"][0].startswith(f'Field "{next(iter(params))}"')


def test_it_pages_with_a_marker_and_a_limit_of_one_to_a_thousand(world, alice_api):
    for minutes, name in enumerate("edcba"):
        _aged(world.acme, name, minutes)
    first = alice_api.get("/v1/images", limit=2)
    assert _names(first) == ["e", "d"]
    marker = first.json()["images"][-1]["id"]
    assert first.json()["next"] == f"/v1/images?limit=2&sort=created_at%3Adesc&marker={marker}"
    second = alice_api.get("/v1/images", limit=2, marker=marker)
    assert _names(second) == ["c", "b"]
    third = alice_api.get("/v1/images", limit=2, marker=second.json()["images"][-1]["id"])
    assert _names(third) == ["a"] and third.json()["next"] is None
    assert len(_names(alice_api.get("/v1/images"))) == 5
    assert len(_names(alice_api.get("/v1/images", limit=1000))) == 5


def test_it_defaults_to_twenty_images_a_page(world, alice_api):
    for index in range(21):
        make_image(world.acme, name=f"img-{index:02d}")
    response = alice_api.get("/v1/images")
    assert len(_names(response)) == 20 and response.json()["next"]


def test_it_refuses_a_marker_outside_the_listing(world, alice_api):
    other = make_image(world.beta, name="beta")
    for marker in (other.pk, uuid.uuid4()):
        response = alice_api.get("/v1/images", marker=str(marker))
        assert response.status_code == 400
        assert error_of(response)["detail"] == [f"Marker {marker} is not an image in this listing."]


@pytest.mark.parametrize(
    "sort",
    [
        "name",
        "name:desc",
        "size:desc,name",
        "min_disk:asc,created_at:desc",
        "status,visibility:desc",
        "updated_at",
        "os_distro:desc",
        "virtual_size",
        "id:desc",
    ],
)
def test_it_pages_through_every_sort_without_gaps_or_repeats(world, alice_api, sort):
    # Equal keys everywhere: only the id tiebreaker keeps the pages stable.
    for index in range(7):
        make_image(
            world.acme,
            name=f"img-{index % 3}",
            min_disk_gb=index % 2,
            size=None if index % 3 == 0 else 1024 * (index % 2),
            status="Active" if index % 2 else "Error",
        )
    everything = [
        i["id"] for i in alice_api.get("/v1/images", sort=sort, limit=100).json()["images"]
    ]
    assert len(everything) == 7
    seen, marker = [], None
    while True:
        params = {"sort": sort, "limit": 2, **({"marker": marker} if marker else {})}
        page = alice_api.get("/v1/images", **params).json()
        seen += [i["id"] for i in page["images"]]
        if not page["next"]:
            break
        marker = page["images"][-1]["id"]
    assert seen == everything


def test_it_sorts_by_the_requested_keys(world, alice_api):
    make_image(world.acme, name="b", min_disk_gb=1)
    make_image(world.acme, name="a", min_disk_gb=2)
    make_image(world.acme, name="c", min_disk_gb=2)
    assert _names(alice_api.get("/v1/images", sort="name")) == ["a", "b", "c"]
    assert _names(alice_api.get("/v1/images", sort="min_disk:desc,name:desc")) == ["c", "a", "b"]


# Change --------------------------------------------------------------------------------


def test_it_changes_each_field_through_the_detail_service(world, alice_api):
    image = make_image(world.acme, min_disk_gb=1, min_ram_gb=1)
    response = alice_api.put(
        f"/v1/images/{image.pk}",
        {"min_disk": 30, "min_ram": 16, "protected": True, "visibility": "shared"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["min_disk"], body["min_ram"], body["protected"], body["visibility"]) == (
        30,
        16,
        True,
        "shared",
    )
    image.refresh_from_db()
    assert image.edited_by == world.alice and image.visibility == "Shared"
    rows = WorkHistory.objects.filter(resource_id=image.pk, event_topic="SetImage")
    assert sorted(row.work_details for row in rows) == [
        "Minimum Disk changed from 1 GB to 30 GB",
        "Minimum RAM changed from 1 GB to 16 GB",
        "Protected changed from Off to On",
        "Visibility changed from Private to Shared",
    ]
    assert {row.api_key for row in rows} == {f"ci-pipeline ({alice_api.token[:16]})"}


def test_it_answers_an_empty_change_with_the_unchanged_image(world, alice_api):
    image = make_image(world.acme)
    response = alice_api.put(f"/v1/images/{image.pk}", {})
    assert response.status_code == 200 and response.json()["id"] == str(image.pk)
    assert not WorkHistory.objects.filter(resource_id=image.pk).exists()


def test_it_stops_every_share_when_an_image_becomes_private(world, alice_api):
    image = shareable_image(world.acme)
    make_share(image, world.beta.id, "Accepted")
    make_share(image, "c" * 32, "Pending")
    response = alice_api.put(f"/v1/images/{image.pk}", {"visibility": "private"})
    assert response.status_code == 200 and response.json()["visibility"] == "private"
    assert not Share.objects.filter(image=image).exists()
    topics = WorkHistory.objects.filter(resource_id=image.pk).values_list("event_topic", flat=True)
    assert sorted(topics) == ["DeleteImageMember", "DeleteImageMember", "SetImage"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_disk": 99_999}, "min_disk"),
        ({"min_ram": -1}, "min_ram"),
        ({"protected": None}, "protected"),
        ({"protected": 1}, "protected"),
        ({"visibility": "Private"}, "visibility"),
        ({"name": "renamed"}, "name"),
        ({"status": "active"}, "status"),
    ],
)
def test_it_refuses_invalid_changes(world, alice_api, body, field):
    image = make_image(world.acme, min_disk_gb=1)
    response = alice_api.put(f"/v1/images/{image.pk}", body)
    assert response.status_code == 400
    assert error_of(response)["detail"][0].startswith(f'Field "{field}"')
    assert not WorkHistory.objects.filter(resource_id=image.pk).exists()


# Delete --------------------------------------------------------------------------------


def test_it_deletes_an_image_with_204(world, alice_api):
    image = make_image(world.acme, name="doomed")
    response = alice_api.delete(f"/v1/images/{image.pk}")
    assert response.status_code == 204 and response.content == b""
    assert not Image.objects.filter(pk=image.pk).exists()
    row = WorkHistory.objects.get(resource_id=image.pk)
    assert row.event_topic == "DeleteImage" and row.result == "Success"
    assert row.api_key.startswith("ci-pipeline (gck_")
    assert alice_api.get(f"/v1/images/{image.pk}").status_code == 404


def test_it_refuses_to_delete_a_protected_image_with_409_and_records_it(world, alice_api):
    image = make_image(world.acme, name="keep-me", protected=True)
    response = alice_api.delete(f"/v1/images/{image.pk}")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "Conflict"
    assert error["detail"] == [
        "Image keep-me is protected and cannot be deleted. Turn Protected off first."
    ]
    assert Image.objects.filter(pk=image.pk).exists()
    row = WorkHistory.objects.get(resource_id=image.pk)
    assert row.result == "Failure" and row.api_key.startswith("ci-pipeline (")


# Import --------------------------------------------------------------------------------


def test_it_imports_a_failed_image_again_from_a_new_url(world, alice_api):
    image = make_image(
        world.acme, status=Image.Status.ERROR, failure=TEXT(text="Not a qcow2 file").as_data()
    )
    assert alice_api.get(f"/v1/images/{image.pk}").json()["failure_reason"] == "Not a qcow2 file"
    new_url = "https://user:secret@mirror.example.com/fixed.qcow2?signature=abc"
    response = alice_api.post(f"/v1/images/{image.pk}/import", {"url": new_url})
    assert response.status_code == 202 and response.content == b""
    image.refresh_from_db()
    assert image.status == Image.Status.QUEUED and image.file_url == new_url
    assert image.failure_reason == ""
    row = WorkHistory.objects.get(resource_id=image.pk)
    assert row.event_topic == "RetryImageImport"
    # The history keeps no credentials or signature.
    assert row.work_details == "Import queued again from https://mirror.example.com/fixed.qcow2"


def test_it_replaces_a_staged_upload_by_the_import_url(
    world, alice_api, _media_root, django_capture_on_commit_callbacks
):
    staged = _media_root / "uploads" / "staged.qcow2"
    staged.parent.mkdir()
    staged.write_bytes(b"QFI\xfb")
    image = make_image(
        world.acme, status=Image.Status.ERROR, file_url="", source_file="uploads/staged.qcow2"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.post(f"/v1/images/{image.pk}/import", {"url": URL})
    assert response.status_code == 202
    image.refresh_from_db()
    assert image.source_file == "" and image.file_url == URL
    assert not staged.exists()


@pytest.mark.parametrize("status", ["Queued", "Importing", "Active"])
def test_it_refuses_to_import_an_image_that_did_not_fail(world, alice_api, status):
    image = make_image(world.acme, status=status)
    response = alice_api.post(f"/v1/images/{image.pk}/import", {"url": URL})
    assert response.status_code == 409
    assert error_of(response)["detail"] == [
        "Only an image whose import failed can be imported again."
    ]


def test_it_refuses_a_url_import_of_a_server_image(world, alice_api):
    image = make_image(
        world.acme, status=Image.Status.ERROR, origin="server", file_url="", source_file="disk"
    )
    response = alice_api.post(f"/v1/images/{image.pk}/import", {"url": URL})
    assert response.status_code == 409


def test_it_refuses_an_import_url_that_is_not_a_qcow2_file(world, alice_api):
    image = make_image(world.acme, status=Image.Status.ERROR)
    response = alice_api.post(f"/v1/images/{image.pk}/import", {"url": "https://x.example/a.raw"})
    assert response.status_code == 400
    assert error_of(response)["detail"] == [
        'Field "url" is invalid. The image file URL must point to a .qcow2 file.'
    ]


# Pending images ------------------------------------------------------------------------


def test_it_lists_pending_images_of_the_callers_account(world):
    waiting = shareable_image(world.acme, name="for-beta")
    make_share(waiting, world.beta.id, "Pending")
    accepted = shareable_image(world.acme, name="accepted")
    make_share(accepted, world.beta.id, "Accepted")
    private = make_image(world.acme, name="now-private")
    make_share(private, world.beta.id, "Pending")
    bob_api = api_for(world.bob, world.beta)
    response = bob_api.get("/v1/pending-images")
    assert response.status_code == 200
    assert [i["name"] for i in response.json()["images"]] == ["for-beta"]
    assert api_for(world.alice, world.acme).get("/v1/pending-images").json() == {"images": []}
