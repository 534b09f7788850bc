"""The Tags tab: add, edit, delete, the 50-tag limit and key/value suggestions."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from console.models import WorkHistory
from images import services
from images.models import Tag
from images.rules import MAX_TAGS
from sharing.models import Share
from tests.support.factories import make_image
from tests.support.htmx import HTMX


def _add(client, image, key, value="", headers=None):
    return client.post(
        reverse("images:tag_add", args=[image.pk]), {"key": key, "value": value}, headers=headers
    )


def _tags(image) -> dict[str, str]:
    return dict(Tag.objects.filter(image=image).values_list("key", "value"))


def _history(image, topic):
    return list(WorkHistory.objects.filter(resource_id=str(image.pk), event_topic=topic))


def test_it_adds_a_tag_and_records_create_tag(world, alice_client):
    image = make_image(world.acme)
    response = _add(alice_client, image, "env", "production")
    assert response.status_code == 302
    assert response["Location"] == reverse("images:detail", args=[image.pk]) + "?tab=tags"
    assert _tags(image) == {"env": "production"}
    (row,) = _history(image, "CreateTag")
    assert row.work_details == "Added tag env=production"
    assert row.worker_id == str(world.alice.pk)
    image.refresh_from_db()
    assert image.edited_by == world.alice


def test_it_answers_htmx_with_the_tags_panel(world, alice_client):
    image = make_image(world.acme, tags=[("a", "1")])
    response = _add(alice_client, image, "env", "prod", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="tags-panel"')
    assert "<html" not in html
    assert "env" in html and "48 of 50 tags remaining" in html
    assert "Tag env was added." in html  # toast


def test_it_allows_an_empty_value_and_strips_spaces(world, alice_client):
    image = make_image(world.acme)
    _add(alice_client, image, "  owner  ", "")
    assert _tags(image) == {"owner": ""}


def test_it_refuses_a_duplicate_key_with_a_clear_message(world, alice_client):
    image = make_image(world.acme, tags=[("env", "prod")])
    for headers in ({}, HTMX):
        response = _add(alice_client, image, "env", "dev", headers=headers)
        assert response.status_code == 200
        assert "This image already has a tag with the key env." in response.content.decode()
    assert _tags(image) == {"env": "prod"}
    assert _history(image, "CreateTag") == []


def test_it_checks_key_and_value_lengths(world, alice_client):
    image = make_image(world.acme)
    assert "Tag keys are 1 to 128 characters." in _add(alice_client, image, "").content.decode()
    html = _add(alice_client, image, "k" * 129).content.decode()
    assert "Tag keys are 1 to 128 characters." in html
    html = _add(alice_client, image, "k", "v" * 257).content.decode()
    assert "Tag values are at most 256 characters." in html
    _add(alice_client, image, "k" * 128, "v" * 256)
    assert _tags(image) == {"k" * 128: "v" * 256}


def test_it_refuses_the_51st_tag_with_a_clear_message(world, alice_client):
    image = make_image(world.acme, tags=[(f"key{i}", "v") for i in range(MAX_TAGS - 1)])
    html = alice_client.get(
        reverse("images:detail", args=[image.pk]) + "?tab=tags"
    ).content.decode()
    assert "1 of 50 tags remaining" in html
    _add(alice_client, image, "fiftieth", "v")
    assert len(_tags(image)) == MAX_TAGS
    html = alice_client.get(
        reverse("images:detail", args=[image.pk]) + "?tab=tags"
    ).content.decode()
    assert "This image has 50 tags, the maximum." in html
    response = _add(alice_client, image, "one-too-many", "v", headers=HTMX)
    assert "already has 50 tags, the most an image can have" in response.content.decode()
    assert len(_tags(image)) == MAX_TAGS
    assert "one-too-many" not in _tags(image)


def test_it_edits_a_tag_in_place(world, alice_client):
    image = make_image(world.acme, tags=[("env", "prod")])
    tag = Tag.objects.get(image=image)
    url = reverse("images:tag_edit", args=[image.pk, tag.pk])
    row = alice_client.get(url, headers=HTMX).content.decode()
    assert row.lstrip().startswith(f'<tr id="tag-row-{tag.pk}" class="is-editing"')
    assert 'value="prod"' in row
    page = alice_client.get(url).content.decode()
    assert "<html" in page and f'id="tag-edit-{tag.pk}"' in page

    response = alice_client.post(url, {"key": "env", "value": "staging"}, headers=HTMX)
    assert response.status_code == 200
    assert 'id="tags-panel"' in response.content.decode()
    assert _tags(image) == {"env": "staging"}
    (row,) = _history(image, "SetTag")
    assert row.work_details == "Changed tag env from 'prod' to 'staging'"


def test_it_renames_a_key_but_not_onto_another_key(world, alice_client):
    image = make_image(world.acme, tags=[("env", "prod"), ("team", "ml")])
    tag = Tag.objects.get(image=image, key="env")
    url = reverse("images:tag_edit", args=[image.pk, tag.pk])
    response = alice_client.post(url, {"key": "team", "value": "prod"})
    assert response.status_code == 200
    assert "This image already has a tag with the key team." in response.content.decode()
    response = alice_client.post(url, {"key": "stage", "value": "prod"})
    assert response.status_code == 302
    assert _tags(image) == {"stage": "prod", "team": "ml"}
    assert _history(image, "SetTag")[0].work_details == "Changed tag env=prod to stage=prod"


def test_it_deletes_a_tag_and_records_delete_tag(world, alice_client):
    image = make_image(world.acme, tags=[("env", "prod"), ("team", "ml")])
    tag = Tag.objects.get(image=image, key="env")
    response = alice_client.post(
        reverse("images:tag_delete", args=[image.pk, tag.pk]), headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="tags-panel"' in html and "tag-row-" + str(tag.pk) not in html
    assert _tags(image) == {"team": "ml"}
    assert _history(image, "DeleteTag")[0].work_details == "Deleted tag env=prod"
    # Without htmx: back to the Tags tab.
    other = Tag.objects.get(image=image)
    response = alice_client.post(reverse("images:tag_delete", args=[image.pk, other.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=tags")


def test_it_answers_404_for_a_tag_of_another_image(world, alice_client):
    image = make_image(world.acme)
    other = make_image(world.acme, tags=[("env", "prod")])
    tag = Tag.objects.get(image=other)
    assert (
        alice_client.post(reverse("images:tag_delete", args=[image.pk, tag.pk])).status_code == 404
    )
    assert alice_client.get(reverse("images:tag_edit", args=[image.pk, tag.pk])).status_code == 404
    assert _tags(other) == {"env": "prod"}


def test_it_enforces_the_limit_in_the_service(world):
    image = make_image(world.acme, tags=[(f"k{i}", "") for i in range(MAX_TAGS)])
    with pytest.raises(ValidationError) as refused:
        services.tag_create(image=image, key="extra", value="", actor=world.alice)
    assert refused.value.code == "too_many_tags"


def test_it_suggests_keys_used_in_the_current_account_only(world, alice_client):
    make_image(world.acme, tags=[("environment", "prod"), ("env-tier", "gold"), ("team", "ml")])
    make_image(world.beta, tags=[("envelope", "secret-beta-key")])
    url = reverse("images:tag_suggestions", args=["key"])
    html = alice_client.get(url, {"key": "env"}, headers=HTMX).content.decode()
    assert '<option value="env-tier">' in html and '<option value="environment">' in html
    assert "team" not in html
    assert "envelope" not in html
    html = alice_client.get(url, headers=HTMX).content.decode()
    assert html.count("<option") == 3


def test_it_suggests_values_for_the_typed_key(world, alice_client, bob_client):
    make_image(world.acme, tags=[("env", "production"), ("stage", "preview")])
    make_image(world.acme, tags=[("env", "prerelease")])
    make_image(world.beta, tags=[("env", "private-beta")])
    url = reverse("images:tag_suggestions", args=["value"])
    html = alice_client.get(url, {"key": "env", "value": "pr"}).content.decode()
    assert "production" in html and "prerelease" in html
    assert "preview" not in html and "private-beta" not in html
    html = bob_client.get(url, {"key": "env"}).content.decode()
    assert "private-beta" in html and "production" not in html
    assert alice_client.get(reverse("images:tag_suggestions", args=["other"])).status_code == 404


def test_it_feeds_the_datalists_from_the_suggestion_endpoint(world, alice_client):
    image = make_image(world.acme)
    html = alice_client.get(
        reverse("images:detail", args=[image.pk]) + "?tab=tags"
    ).content.decode()
    assert 'list="tag-key-suggestions"' in html and '<datalist id="tag-key-suggestions">' in html
    assert f'hx-get="{reverse("images:tag_suggestions", args=["key"])}"' in html
    assert f'hx-get="{reverse("images:tag_suggestions", args=["value"])}"' in html


def test_it_forbids_viewers_and_receivers_to_change_tags(world, carol_client, bob_client):
    image = make_image(world.acme, tags=[("env", "prod")], visibility="Shared")
    Share.objects.create(
        image=image, target_account_id=world.beta.id, status="Accepted", modified_at=timezone.now()
    )
    tag = Tag.objects.get(image=image)
    for client, headers in ((carol_client, {}), (carol_client, HTMX), (bob_client, {})):
        assert _add(client, image, "x", headers=headers).status_code == 403
        edit = reverse("images:tag_edit", args=[image.pk, tag.pk])
        assert client.post(edit, {"key": "env", "value": "x"}, headers=headers).status_code == 403
        assert client.get(edit, headers=headers).status_code == 403
        delete = reverse("images:tag_delete", args=[image.pk, tag.pk])
        assert client.post(delete, headers=headers).status_code == 403
    assert _tags(image) == {"env": "prod"}


def test_it_suggests_in_any_case_and_reads_wildcards_as_text(world, alice_client):
    make_image(world.acme, tags=[("a_b", "50%"), ("axb", "500"), ("Team", "ML")])
    make_image(world.acme, tags=[("team", "ml")])
    url = reverse("images:tag_suggestions", args=["key"])
    html = alice_client.get(url, {"key": "a_"}).content.decode()
    assert '<option value="a_b">' in html and "axb" not in html
    html = alice_client.get(url, {"key": "TE"}).content.decode()
    assert '<option value="Team">' in html and '<option value="team">' in html
    values = reverse("images:tag_suggestions", args=["value"])
    html = alice_client.get(values, {"value": "50%"}).content.decode()
    assert '<option value="50%">' in html and "500" not in html
