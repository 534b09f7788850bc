"""NUL characters in any user input: PostgreSQL refuses them in text, so each must end
in a clear field error or an empty result before it reaches the database, never a 500."""

import pytest
from django.urls import reverse

from console.models import WorkHistory
from images.models import Image, Tag
from sharing.models import Share
from tests.support.factories import make_image

NUL = "a\x00b"
HTMX = {"HX-Request": "true"}

CREATE = {
    "name": "nul-test",
    "source": "url",
    "file_url": "https://images.example.com/disk.qcow2",
    "os_type": "ubuntu",
    "min_disk_gb": "1",
    "min_ram_gb": "1",
    "visibility": "Private",
}


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("tags", {"tag_key": NUL, "tag_value": "v"}),
        ("tags", {"tag_key": "k", "tag_value": NUL}),
        ("name", {"name": NUL}),
        ("file_url", {"file_url": "https://images.example.com/a\x00b.qcow2"}),
    ],
)
def test_it_refuses_nul_in_create_image_with_a_field_error(world, alice_client, field, overrides):
    response = alice_client.post(reverse("images:create"), {**CREATE, **overrides})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Image.objects.exists()


def test_it_refuses_nul_in_the_tag_forms_of_the_detail_page(world, alice_client):
    image = make_image(world.acme, world.alice)
    add = reverse("images:tag_add", args=[image.pk])
    for data in ({"key": NUL, "value": "v"}, {"key": "k", "value": NUL}):
        response = alice_client.post(add, data, headers=HTMX)
        assert response.status_code == 200
        assert "Null characters are not allowed" in response.content.decode()
    tag = Tag.objects.create(image=image, key="env", value="prod")
    edit = reverse("images:tag_edit", args=[image.pk, tag.pk])
    response = alice_client.post(edit, {"key": "env", "value": NUL}, headers=HTMX)
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert list(Tag.objects.values_list("key", "value")) == [("env", "prod")]


@pytest.mark.parametrize(
    ("part", "query"),
    [("key", {"key": NUL}), ("value", {"key": NUL}), ("value", {"key": "env", "value": NUL})],
)
def test_it_suggests_nothing_for_nul_in_tag_suggestions(world, alice_client, part, query):
    image = make_image(world.acme, world.alice)
    Tag.objects.create(image=image, key="env", value="prod")
    response = alice_client.get(reverse("images:tag_suggestions", args=[part]), query)
    assert response.status_code == 200
    assert "<option" not in response.content.decode()


def test_it_refuses_nul_in_the_shared_account_id(world, alice_client):
    image = make_image(world.acme, world.alice, visibility="Shared")
    response = alice_client.post(
        reverse("sharing:share", args=[image.pk]), {"target_account_id": NUL}
    )
    assert response.status_code == 200
    assert "target_account_id" in response.context["form"].errors
    assert not Share.objects.exists()


def test_it_answers_get_image_share_with_nul_neutrally(world, bob_client):
    response = bob_client.post(reverse("sharing:receive"), {"image_id": NUL})
    assert response.status_code == 200
    assert b"No pending share of this image was found" in response.content


@pytest.mark.parametrize("param", ["date_from", "date_to", "resource", "topic", "result"])
def test_it_answers_activity_filters_with_nul_with_a_field_error(world, alice_client, param):
    page = alice_client.get(reverse("activity:history"), {param: NUL})
    assert page.status_code == 200
    assert param in page.context["form"].errors
    for name in ("activity:csv", "activity:json"):
        download = alice_client.get(reverse(name), {param: NUL})
        assert download.status_code == 400
        assert b"Invalid filter" in download.content


@pytest.mark.parametrize("param", ["topic", "result"])
def test_it_answers_the_work_history_tab_with_nul(world, alice_client, param):
    image = make_image(world.acme, world.alice)
    response = alice_client.get(
        reverse("images:detail", args=[image.pk]), {"tab": "history", param: NUL}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("param", ["name", "status", "os_type", "visibility", "sort", "page"])
def test_it_answers_the_image_list_filters_with_nul(world, alice_client, param):
    make_image(world.acme, world.alice, name="visible-one")
    response = alice_client.get(reverse("images:list"), {param: NUL})
    assert response.status_code == 200


def test_it_answers_nul_in_every_query_parameter_of_every_page(world, alice_client):
    image = make_image(world.acme, world.alice, visibility="Shared")
    pages = [
        reverse("images:list"),
        reverse("images:detail", args=[image.pk]),
        reverse("images:detail_status", args=[image.pk]),
        reverse("images:row", args=[image.pk]),
        reverse("images:create"),
        reverse("sharing:pending"),
        reverse("sharing:receive"),
        reverse("sharing:share", args=[image.pk]),
        reverse("activity:history"),
        reverse("servers:list"),
    ]
    params = ["name", "q", "tab", "since", "round", "page", "per_page", "sort", "delete", "key"]
    for url in pages:
        for param in params:
            response = alice_client.get(url, {param: NUL})
            assert response.status_code < 500, (url, param)
            response = alice_client.get(url, {param: NUL}, headers=HTMX)
            assert response.status_code < 500, (url, param, "htmx")


def test_it_refuses_nul_in_the_sign_in_form(world, client):
    for data in ({"username": NUL, "password": "x"}, {"username": "alice", "password": NUL}):
        response = client.post(reverse("login"), data)
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


def test_it_answers_admin_searches_with_nul(world, admin_client):
    for name in (
        "admin:images_image_changelist",
        "admin:console_workhistory_changelist",
        "admin:sharing_share_changelist",
        "admin:auth_user_changelist",
        "admin:console_account_changelist",
    ):
        response = admin_client.get(reverse(name), {"q": NUL})
        assert response.status_code < 500, name
    assert WorkHistory.objects.count() == 0


def test_it_records_a_share_refused_for_a_malformed_account_id_without_it(world):
    from django.core.exceptions import ValidationError

    from sharing.services import share_create

    image = make_image(world.acme, world.alice, visibility="Shared")
    with pytest.raises(ValidationError) as refused:
        share_create(image=image, target_account_id=NUL, actor=world.alice)
    assert refused.value.code == "malformed_account_id"
    (row,) = WorkHistory.objects.filter(event_topic="CreateImageMember")
    assert row.result == "Failure"
    assert "\x00" not in row.work_details
    assert row.work_details.startswith("Refused to share: Enter a valid account ID")
