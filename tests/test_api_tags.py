"""The tag API: /v1/tags/{srn} (GET, PUT /bulk, DELETE) and /v1/tags/{srn}/{key}, with the
SRN base64url-encoded in the path; every change goes through the Tags tab's services."""

import base64

import pytest

from console.models import WorkHistory
from images.models import Tag
from tests.support.api import api_for, error_of, srn_path
from tests.support.factories import make_image


@pytest.fixture
def alice_api(world):
    return api_for(world.alice, world.acme, name="tagger")


@pytest.fixture
def image(world):
    return make_image(world.acme, tags=[("team", "ml"), ("env", "prod"), ("owner", "")])


def _tags(image) -> list[tuple[str, str]]:
    return sorted(Tag.objects.filter(image=image).values_list("key", "value"))


def test_it_lists_tags_in_pages(world, alice_api, image):
    response = alice_api.get(f"/v1/tags/{srn_path(image)}")
    assert response.status_code == 200
    assert response.json() == {
        "content": {
            "srn": image.srn,
            "tags": [
                {"key": "env", "value": "prod"},
                {"key": "owner", "value": ""},
                {"key": "team", "value": "ml"},
            ],
        },
        "count": 3,
        "page": 0,
        "size": 20,
    }
    second = alice_api.get(f"/v1/tags/{srn_path(image)}", page=1, size=2).json()
    assert second["content"]["tags"] == [{"key": "team", "value": "ml"}]
    assert (second["count"], second["page"], second["size"]) == (3, 1, 2)


def test_it_accepts_standard_base64_with_padding_too(world, alice_api):
    # Standard base64 differs from base64url by "+" and "/"; an SRN whose encoding has no
    # "/" fits in a path segment.
    image = make_image(world.acme)
    while "/" in base64.b64encode(image.srn.encode()).decode():
        image.delete()
        image = make_image(world.acme)
    encoded = base64.b64encode(image.srn.encode()).decode()
    assert alice_api.get(f"/v1/tags/{encoded}").json()["content"]["srn"] == image.srn


@pytest.mark.parametrize(
    "srn",
    [
        "not base64!",
        base64.urlsafe_b64encode(b"srn:e::nothing").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_it_answers_404_for_what_is_not_an_image_srn(world, alice_api, srn):
    response = alice_api.get(f"/v1/tags/{srn}")
    assert response.status_code in (400, 404)
    assert error_of(response)


def test_it_answers_404_for_an_srn_naming_another_account_or_region(
    world, alice_api, image, settings
):
    forged = image.srn.replace(world.acme.id, world.beta.id)
    encoded = base64.urlsafe_b64encode(forged.encode()).decode()
    assert alice_api.get(f"/v1/tags/{encoded}").status_code == 404
    other_region = image.srn.replace(settings.CONSOLE_REGION, "kr-east1")
    encoded = base64.urlsafe_b64encode(other_region.encode()).decode()
    assert alice_api.get(f"/v1/tags/{encoded}").status_code == 404


def test_it_adds_and_changes_tags_in_bulk_with_one_row_each(world, alice_api, image):
    response = alice_api.put(
        f"/v1/tags/{srn_path(image)}/bulk",
        {
            "tags": [
                {"key": "team", "value": "infra"},
                {"key": "new", "value": None},
                {"key": "env", "value": "prod"},
            ]
        },
    )
    assert response.status_code == 200
    assert response.json()["count"] == 4
    assert _tags(image) == [("env", "prod"), ("new", ""), ("owner", ""), ("team", "infra")]
    rows = WorkHistory.objects.filter(resource_id=image.pk).order_by("id")
    assert [(r.event_topic, r.work_details) for r in rows] == [
        ("SetTag", "Changed tag team from 'ml' to 'infra'"),
        ("CreateTag", "Added tag new="),
    ]
    assert {r.api_key for r in rows} == {f"tagger ({alice_api.token[:16]})"}


def test_it_refuses_the_51st_tag_and_changes_nothing(world, alice_api):
    image = make_image(world.acme, tags=[(f"k{i:02d}", "") for i in range(49)])
    response = alice_api.put(
        f"/v1/tags/{srn_path(image)}/bulk", {"tags": [{"key": "a"}, {"key": "b"}]}
    )
    assert response.status_code == 409
    assert "already has 50 tags" in error_of(response)["detail"][0]
    assert Tag.objects.filter(image=image).count() == 49
    assert not WorkHistory.objects.filter(resource_id=image.pk).exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"tags": [{"key": ""}]},
        {"tags": [{"key": "a"}, {"key": "a"}]},
        {"tags": [{"key": "a", "value": "v" * 257}]},
        {"tags": [{"key": f"k{i}"} for i in range(51)]},
        {"tags": "team=ml"},
    ],
)
def test_it_refuses_invalid_bulk_requests(world, alice_api, image, body):
    response = alice_api.put(f"/v1/tags/{srn_path(image)}/bulk", body)
    assert response.status_code == 400
    assert _tags(image) == [("env", "prod"), ("owner", ""), ("team", "ml")]


def test_it_deletes_every_tag(world, alice_api, image):
    response = alice_api.delete(f"/v1/tags/{srn_path(image)}")
    assert response.status_code == 204 and _tags(image) == []
    topics = WorkHistory.objects.filter(resource_id=image.pk).values_list("event_topic", flat=True)
    assert list(topics) == ["DeleteTag"] * 3


def test_it_reads_adds_changes_and_deletes_one_tag(world, alice_api, image):
    base = f"/v1/tags/{srn_path(image)}"
    assert alice_api.get(f"{base}/team").json() == {"key": "team", "value": "ml"}
    assert alice_api.get(f"{base}/missing").status_code == 404
    assert alice_api.put(f"{base}/team", {"value": "infra"}).json() == {
        "key": "team",
        "value": "infra",
    }
    assert alice_api.put(f"{base}/zone/a", {"value": None}).json() == {"key": "zone/a", "value": ""}
    assert alice_api.get(f"{base}/zone/a").status_code == 200
    assert alice_api.delete(f"{base}/env").status_code == 204
    assert alice_api.delete(f"{base}/env").status_code == 404
    assert _tags(image) == [("owner", ""), ("team", "infra"), ("zone/a", "")]
    topics = WorkHistory.objects.filter(resource_id=image.pk).order_by("id")
    assert [r.event_topic for r in topics] == ["SetTag", "CreateTag", "DeleteTag"]


def test_it_reads_and_deletes_a_tag_named_bulk(world, alice_api):
    image = make_image(world.acme, tags=[("bulk", "yes")])
    base = f"/v1/tags/{srn_path(image)}"
    assert alice_api.get(f"{base}/bulk").json() == {"key": "bulk", "value": "yes"}
    assert alice_api.delete(f"{base}/bulk").status_code == 204
    assert _tags(image) == []


@pytest.mark.parametrize(
    ("key", "body"),
    [
        (" padded", {"value": "x"}),
        ("k" * 129, {"value": "x"}),
        ("ok", {"value": "v" * 257}),
        ("ok", {"value": 5}),
        ("ok", {"other": "x"}),
    ],
)
def test_it_refuses_invalid_single_tags(world, alice_api, image, key, body):
    response = alice_api.put(f"/v1/tags/{srn_path(image)}/{key}", body)
    assert response.status_code == 400
    assert error_of(response)["code"] == "ValidationError"
