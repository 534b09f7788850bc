"""Editing Minimum Disk, Minimum RAM, Visibility and Protected in place."""

import pytest
from django.urls import reverse
from django.utils import timezone

from console.models import WorkHistory
from images import services
from images.models import Image
from sharing.models import Share
from tests.support.factories import make_image
from tests.support.htmx import HTMX

CASES = [
    ("min-disk", "min_disk_gb", "20", 20, "Minimum Disk changed from 10 GB to 20 GB"),
    ("min-ram", "min_ram_gb", "64", 64, "Minimum RAM changed from 4 GB to 64 GB"),
    ("visibility", "visibility", "Shared", "Shared", "Visibility changed from Private to Shared"),
    ("protected", "protected", "on", True, "Protected changed from Off to On"),
]


def _edit_url(image, field: str) -> str:
    return reverse("images:edit_field", args=[image.pk, field])


def _history(image, topic="SetImage"):
    return list(WorkHistory.objects.filter(resource_id=str(image.pk), event_topic=topic))


@pytest.mark.parametrize(("slug", "name", "posted", "stored", "details"), CASES)
def test_it_saves_one_field_and_records_set_image(
    world, alice_client, slug, name, posted, stored, details
):
    image = make_image(world.acme)
    response = alice_client.post(_edit_url(image, slug), {name: posted})
    assert response.status_code == 302
    assert response["Location"] == reverse("images:detail", args=[image.pk]) + "?tab=details"
    image.refresh_from_db()
    assert getattr(image, name) == stored
    assert image.edited_by == world.alice
    assert image.edited_at is not None
    (row,) = _history(image)
    assert row.work_details == details
    assert row.result == "Success"
    assert row.worker_email == "alice@example.com"


def test_it_turns_protected_off_when_the_box_is_unchecked(world, alice_client):
    image = make_image(world.acme, protected=True)
    alice_client.post(_edit_url(image, "protected"), {})
    image.refresh_from_db()
    assert image.protected is False
    assert _history(image)[0].work_details == "Protected changed from On to Off"


def test_it_answers_htmx_saves_with_the_details_panel_and_the_header(world, alice_client):
    image = make_image(world.acme)
    response = alice_client.post(
        _edit_url(image, "visibility"), {"visibility": "Shared"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="details-panel"')
    assert "<html" not in html
    # Visibility now Shared: the header's share button is enabled in the same response.
    assert 'id="detail-actions" hx-swap-oob="true"' in html
    assert 'id="share-button"' in html
    assert "Alice Anders" in html  # Editor
    assert "Visibility is now Shared." in html  # toast


def test_it_shows_the_edit_form_in_place_for_htmx_and_as_a_page_without(world, alice_client):
    image = make_image(world.acme)
    fragment = alice_client.get(_edit_url(image, "min-disk"), headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<dd id="field-min-disk"')
    assert 'name="min_disk_gb"' in fragment and 'value="10"' in fragment
    assert "Save" in fragment and "Cancel" in fragment
    page = alice_client.get(_edit_url(image, "min-disk")).content.decode()
    assert "<html" in page and 'name="min_disk_gb"' in page


@pytest.mark.parametrize(
    ("slug", "data", "message"),
    [
        (
            "min-disk",
            {"min_disk_gb": "12289"},
            "Minimum Disk must be between 0 and 12,288 GB.",
        ),
        ("min-disk", {"min_disk_gb": "-1"}, "between 0 and 12,288"),
        ("min-disk", {"min_disk_gb": "abc"}, "whole number of GB"),
        ("min-disk", {"min_disk_gb": ""}, "Enter the Minimum Disk in GB."),
        ("min-ram", {"min_ram_gb": "2097152"}, "between 0 and 2,097,151"),
        ("visibility", {"visibility": "Public"}, "Choose Private or Shared."),
    ],
)
def test_it_re_renders_the_field_with_its_message_on_invalid_input(
    world, alice_client, slug, data, message
):
    image = make_image(world.acme)
    for headers in ({}, HTMX):
        response = alice_client.post(_edit_url(image, slug), data, headers=headers)
        html = response.content.decode()
        assert response.status_code == 200
        assert message in html
        assert f'id="field-{slug}" class="editable is-editing"' in html
    image.refresh_from_db()
    assert (image.min_disk_gb, image.min_ram_gb, image.visibility) == (10, 4, "Private")
    assert _history(image) == []


def test_it_records_nothing_when_the_value_is_unchanged(world, alice_client):
    image = make_image(world.acme)
    alice_client.post(_edit_url(image, "min-disk"), {"min_disk_gb": "10"})
    image.refresh_from_db()
    assert image.edited_at is None
    assert _history(image) == []


def test_it_answers_404_for_a_field_that_cannot_be_edited(world, alice_client):
    image = make_image(world.acme)
    assert alice_client.post(_edit_url(image, "name"), {"name": "x"}).status_code == 404
    assert alice_client.get(_edit_url(image, "os-type")).status_code == 404


def test_it_refuses_out_of_range_values_in_the_service_too(world):
    image = make_image(world.acme)
    for field, value in (("min_disk_gb", 99_999), ("min_ram_gb", -1), ("protected", "yes")):
        with pytest.raises(services.ValidationError):
            services.image_update(image=image, field=field, value=value, actor=world.alice)
    with pytest.raises(services.ValidationError):
        services.image_update(image=image, field="name", value="other", actor=world.alice)


def _shared_image(world, n: int) -> Image:
    image = make_image(world.acme, visibility=Image.Visibility.SHARED)
    for i in range(n):
        Share.objects.create(
            image=image,
            target_account_id=f"{i:032x}",
            status=Share.Status.ACCEPTED if i % 2 else Share.Status.PENDING,
            modified_at=timezone.now(),
        )
    return image


def test_it_asks_to_confirm_how_many_accounts_lose_access(world, alice_client):
    image = _shared_image(world, 3)
    for headers in ({}, HTMX):
        response = alice_client.post(
            _edit_url(image, "visibility"), {"visibility": "Private"}, headers=headers
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "3 accounts will lose access to this image." in html
        assert 'name="stop_shares" value="3"' in html
    image.refresh_from_db()
    assert image.visibility == "Shared"
    assert Share.objects.filter(image=image).count() == 3
    assert _history(image) == []


def test_it_stops_every_share_in_the_same_change_once_confirmed(world, alice_client):
    image = _shared_image(world, 2)
    targets = set(Share.objects.filter(image=image).values_list("target_account_id", flat=True))
    response = alice_client.post(
        _edit_url(image, "visibility"), {"visibility": "Private", "stop_shares": "2"}
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.visibility == "Private"
    assert not Share.objects.filter(image=image).exists()
    (set_row,) = _history(image)
    assert set_row.work_details == "Visibility changed from Shared to Private"
    stopped = _history(image, "DeleteImageMember")
    assert len(stopped) == 2
    assert {t for t in targets if any(t in row.work_details for row in stopped)} == targets
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Sharing with 2 accounts was stopped." in m for m in messages)


def test_it_asks_again_when_a_share_was_added_after_the_confirmation(world, alice_client):
    image = _shared_image(world, 1)
    Share.objects.create(
        image=image, target_account_id="c0ffee", status="Pending", modified_at=timezone.now()
    )
    response = alice_client.post(
        _edit_url(image, "visibility"), {"visibility": "Private", "stop_shares": "1"}
    )
    assert "2 accounts will lose access" in response.content.decode()
    image.refresh_from_db()
    assert image.visibility == "Shared"
    assert Share.objects.filter(image=image).count() == 2


def test_it_needs_no_confirmation_when_nothing_is_shared(world, alice_client):
    image = make_image(world.acme, visibility=Image.Visibility.SHARED)
    alice_client.post(_edit_url(image, "visibility"), {"visibility": "Private"})
    image.refresh_from_db()
    assert image.visibility == "Private"


@pytest.mark.parametrize(("slug", "name", "posted", "stored", "details"), CASES)
def test_it_forbids_viewers(world, carol_client, slug, name, posted, stored, details):
    image = make_image(world.acme)
    for headers in ({}, HTMX):
        assert (
            carol_client.post(_edit_url(image, slug), {name: posted}, headers=headers).status_code
            == 403
        )
        assert carol_client.get(_edit_url(image, slug), headers=headers).status_code == 403
    image.refresh_from_db()
    assert getattr(image, name) != stored
    assert _history(image) == []


def test_it_forbids_receivers_of_a_share(world, bob_client):
    image = make_image(world.acme, visibility=Image.Visibility.SHARED)
    Share.objects.create(
        image=image,
        target_account_id=world.beta.id,
        status=Share.Status.ACCEPTED,
        modified_at=timezone.now(),
    )
    for slug, name, posted, _, _ in CASES:
        assert bob_client.post(_edit_url(image, slug), {name: posted}).status_code == 403
    assert bob_client.get(_edit_url(image, "min-disk")).status_code == 403
