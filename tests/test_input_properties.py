"""Property-based checks of every form and service that takes what a user typed: names,
tags, URLs, sizes, dates, account and image IDs, in any script, with control and NUL
characters. Whatever comes in, the answer is never a 500, and every refusal names the
field it is about.

Bounded and deterministic: a fixed number of examples per property, derived from the
test itself (``derandomize``), no example database; CI sees the same inputs every run.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from images import services
from images.forms import NAME_RE
from images.models import Image, Tag, url_without_secrets
from sharing import services as sharing_services
from tests.support.factories import make_image
from tests.support.images import new_image

PROPERTY = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Strings a hostile or careless user sends: any script (no lone surrogates, which no
# browser can send), control characters and NUL included, plus known troublemakers.
TRICKY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\r\n",
    "\u202egnp.exe",
    "\U0001d518\U0001d52b\U0001d526",  # mathematical letters outside the BMP
    "名前",
    "'; DROP TABLE images_image; --",
    "%00",
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "a" * 300,
    "9999-12-31",
    "0001-01-01",
    "-1",
    "99999999999999999999999",
]
any_char = st.characters(blacklist_categories=("Cs",))
text = st.one_of(st.sampled_from(TRICKY), st.text(any_char, max_size=300))
short_text = st.one_of(st.sampled_from(TRICKY), st.text(any_char, max_size=40))
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str), short_text, st.just("1e3")
)
dates = st.one_of(st.dates().map(lambda d: d.isoformat()), short_text)
urls = st.one_of(
    text,
    st.builds(
        lambda scheme, host, path, query: f"{scheme}://{host}/{path}.qcow2{query}",
        st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript", ""]),
        short_text,
        short_text,
        st.one_of(st.just(""), short_text.map(lambda q: "?" + q)),
    ),
)


def _field_errors_only(form) -> None:
    """Every refusal is attached to a field of the form."""
    assert form.errors, "a refused form says why"
    assert set(form.errors) <= set(form.fields), form.errors


def _savepoint():
    """One example's changes, rolled back so that examples do not see each other."""

    class _Rollback:
        def __enter__(self):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def __exit__(self, *exc):
            transaction.set_rollback(True)
            return self.atomic.__exit__(*exc)

    return _Rollback()


@pytest.fixture
def owned(world) -> Image:
    return make_image(world.acme, world.alice, name="prop-image", visibility="Shared")


@PROPERTY
@given(
    name=text,
    file_url=urls,
    os_type=st.one_of(st.sampled_from(["ubuntu", "rocky"]), short_text),
    min_disk=numbers,
    min_ram=numbers,
    visibility=st.one_of(st.sampled_from(["Private", "Shared"]), short_text),
    tags=st.lists(st.tuples(short_text, text), max_size=4),
)
def test_create_image_answers_every_input(
    world, alice_client, name, file_url, os_type, min_disk, min_ram, visibility, tags
):
    data = {
        "name": name,
        "source": "url",
        "file_url": file_url,
        "os_type": os_type,
        "min_disk_gb": min_disk,
        "min_ram_gb": min_ram,
        "visibility": visibility,
        "tag_key": [k for k, _ in tags],
        "tag_value": [v for _, v in tags],
    }
    with _savepoint():
        response = alice_client.post(reverse("images:create"), data)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            _field_errors_only(response.context["form"])
            assert not Image.objects.exists()
        else:
            image = Image.objects.get()
            assert NAME_RE.fullmatch(image.name)
            assert "\x00" not in image.file_url


@PROPERTY
@given(key=text, value=text)
def test_the_tag_forms_answer_every_input(world, alice_client, owned, key, value):
    with _savepoint():
        add = alice_client.post(reverse("images:tag_add", args=[owned.pk]), {"key": key})
        assert add.status_code in (200, 302)
        tag = Tag.objects.create(image=owned, key="fixed", value="v")
        edit = alice_client.post(
            reverse("images:tag_edit", args=[owned.pk, tag.pk]), {"key": key, "value": value}
        )
        assert edit.status_code in (200, 302)
        for response in (add, edit):
            if response.status_code == 200:
                form = response.context.get("tag_form") or response.context.get("edit_form")
                assert set(form.errors) <= {"key", "value", "__all__"}
                for message in form.errors.get("__all__", []):
                    assert "tag" in message.lower(), message


@PROPERTY
@given(part=st.sampled_from(["key", "value"]), key=text, value=text)
def test_tag_suggestions_answer_every_input(world, alice_client, owned, part, key, value):
    response = alice_client.get(
        reverse("images:tag_suggestions", args=[part]), {"key": key, "value": value}
    )
    assert response.status_code == 200


@PROPERTY
@given(field=st.sampled_from(["min-disk", "min-ram", "visibility", "protected"]), value=numbers)
def test_the_detail_editors_answer_every_input(world, alice_client, owned, field, value):
    names = {
        "min-disk": "min_disk_gb",
        "min-ram": "min_ram_gb",
        "visibility": "visibility",
        "protected": "protected",
    }
    with _savepoint():
        response = alice_client.post(
            reverse("images:edit_field", args=[owned.pk, field]),
            {names[field]: value, "stop_shares": value},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200


@PROPERTY
@given(
    date_from=dates,
    date_to=dates,
    resource=text,
    topic=short_text,
    result=st.one_of(st.sampled_from(["Success", "Failure"]), short_text),
    page=numbers,
    per_page=numbers,
)
def test_activity_history_answers_every_filter(
    world, alice_client, owned, date_from, date_to, resource, topic, result, page, per_page
):
    params = {
        "date_from": date_from,
        "date_to": date_to,
        "resource": resource,
        "topic": topic,
        "result": result,
        "page": page,
        "per_page": per_page,
    }
    listing = alice_client.get(reverse("activity:history"), params)
    assert listing.status_code == 200
    form = listing.context["form"]
    assert set(form.errors) <= set(form.fields), form.errors
    for name in ("activity:csv", "activity:json"):
        download = alice_client.get(reverse(name), params)
        assert download.status_code in (200, 400)
        if download.status_code == 200:
            b"".join(download.streaming_content)
        else:
            assert download.content.startswith(b"Invalid filter")


@PROPERTY
@given(
    name=text,
    status=short_text,
    os_type=short_text,
    visibility=short_text,
    sort=short_text,
    page=numbers,
    per_page=numbers,
)
def test_the_image_list_answers_every_filter(
    world, alice_client, owned, name, status, os_type, visibility, sort, page, per_page
):
    params = {
        "name": name,
        "status": status,
        "os_type": os_type,
        "visibility": visibility,
        "sort": sort,
        "page": page,
        "per_page": per_page,
    }
    assert alice_client.get(reverse("images:list"), params).status_code == 200
    assert (
        alice_client.get(reverse("images:list"), params, headers={"HX-Request": "true"})
    ).status_code == 200


@PROPERTY
@given(target=text)
def test_share_to_another_account_answers_every_account_id(world, alice_client, owned, target):
    with _savepoint():
        response = alice_client.post(
            reverse("sharing:share", args=[owned.pk]), {"target_account_id": target}
        )
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            _field_errors_only(response.context["form"])


@PROPERTY
@given(image_id=st.one_of(text, st.uuids().map(str)))
def test_get_image_share_answers_every_image_id(world, bob_client, image_id):
    response = bob_client.post(reverse("sharing:receive"), {"image_id": image_id})
    assert response.status_code == 200
    assert b"No pending share of this image was found" in response.content


@PROPERTY
@given(username=text, password=text)
def test_sign_in_answers_every_input(world, client, username, password):
    with _savepoint():
        response = client.post(reverse("login"), {"username": username, "password": password})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


# --- The service boundary: a value is accepted, or refused with a ValidationError whose
# --- message names the field.


def _names_its_field(error: ValidationError, *words: str) -> None:
    message = " ".join(error.messages).lower()
    assert any(word in message for word in words), message


@PROPERTY
@given(key=text, value=text)
def test_tag_services_accept_or_name_the_field(world, owned, key, value):
    with _savepoint():
        try:
            tag = services.tag_create(image=owned, key=key, value=value, actor=world.alice)
        except ValidationError as error:
            _names_its_field(error, "tag")
        else:
            assert tag.key == key.strip() and "\x00" not in tag.key + tag.value
            assert 1 <= len(tag.key) <= 128 and len(tag.value) <= 256


@PROPERTY
@given(name=text, tags=st.lists(st.tuples(short_text, short_text), max_size=3))
def test_image_create_accepts_or_names_the_field(world, name, tags):
    with _savepoint():
        try:
            image = services.image_create(
                account=world.acme,
                actor=world.alice,
                new=new_image(name, file_url="https://images.example.com/a.qcow2", tags=tags),
            )
        except ValidationError as error:
            _names_its_field(error, "image name", "tag")
        else:
            assert NAME_RE.fullmatch(image.name)


@PROPERTY
@given(
    field=st.sampled_from(["min_disk_gb", "min_ram_gb", "visibility", "protected", "name"]),
    value=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), text, st.booleans()),
)
def test_image_update_accepts_or_names_the_field(world, owned, field, value):
    with _savepoint():
        try:
            services.image_update(
                image=owned, field=field, value=value, actor=world.alice, stop_shares=99
            )
        except ValidationError as error:
            labels = {
                "min_disk_gb": "minimum disk",
                "min_ram_gb": "minimum ram",
                "visibility": "visibility",
                "protected": "protected",
                "name": "name",
            }
            _names_its_field(error, labels[field])


@PROPERTY
@given(target=text)
def test_share_create_accepts_or_names_the_field(world, owned, target):
    with _savepoint():
        try:
            share = sharing_services.share_create(
                image=owned, target_account_id=target, actor=world.alice
            )
        except ValidationError as error:
            _names_its_field(error, "account")
        else:
            assert share.target_account_id == target.strip().lower()


@PROPERTY
@given(image_id=st.one_of(text, st.uuids(), st.uuids().map(str)))
def test_share_accept_accepts_or_refuses_neutrally(world, image_id):
    with _savepoint():
        with pytest.raises(ValidationError) as refused:
            sharing_services.share_accept(image_id=image_id, account=world.beta, actor=world.bob)
        assert refused.value.code == "no_pending_share"


@PROPERTY
@given(url=urls)
def test_url_without_secrets_never_fails(url):
    shown = url_without_secrets(url)
    assert "?" not in shown and "#" not in shown
    assert "@" not in shown.split("/")[2] if shown.count("/") >= 2 else True
