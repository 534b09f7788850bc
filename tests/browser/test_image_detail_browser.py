import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from images.models import Image
from sharing.models import Share
from tests.support.factories import make_image

pytestmark = pytest.mark.browser


def test_it_edits_tags_protects_and_deletes_through_the_detail_page_and_the_list(
    world, page, sign_in
):
    image = make_image(world.acme, creator=world.alice, name="ubuntu-main")
    make_image(world.acme, name="tagged-elsewhere", tags=[("environment", "staging")])
    old_a = make_image(world.acme, name="old-a")
    old_b = make_image(world.acme, name="old-b")
    sign_in("alice")
    page.goto(f"/gpu-server/images/{image.pk}/")
    expect(page.get_by_role("heading", name="ubuntu-main")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")

    # Minimum Disk, edited in place.
    page.click("#field-min-disk .edit-link")
    page.fill("#id_min_disk_gb", "40")
    page.click("#field-min-disk button[type=submit]")
    expect(page.locator("#field-min-disk .value")).to_have_text("40 GB")
    expect(page.locator(".toast").last).to_contain_text("Minimum Disk is now 40 GB.")

    # Tags: add two (the key input suggests keys of the account), remove one.
    page.click("#tab-tags")
    expect(page).to_have_url(re.compile(r"\?tab=tags$"))
    page.click("#tag-key")
    page.keyboard.type("env")
    expect(page.locator('#tag-key-suggestions option[value="environment"]')).to_be_attached()
    page.fill("#tag-key", "env")
    page.fill("#tag-value", "prod")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#tags-table")).to_contain_text("prod")
    page.fill("#tag-key", "team")
    page.fill("#tag-value", "ml")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#tags-remaining")).to_have_text("48 of 50 tags remaining")
    page.get_by_role("button", name="Delete tag team").click()
    expect(page.locator("#tags-table")).not_to_contain_text("team")
    expect(page.locator("#tags-remaining")).to_have_text("49 of 50 tags remaining")

    # Work History shows all of it, newest first.
    page.click("#tab-history")
    expect(page).to_have_url(re.compile(r"\?tab=history$"))
    details = page.locator("#history-table .details-cell")
    expect(details.nth(0)).to_have_text("Deleted tag team=ml")
    expect(details.nth(1)).to_have_text("Added tag team=ml")
    expect(details.nth(2)).to_have_text("Added tag env=prod")
    expect(details.nth(3)).to_have_text("Minimum Disk changed from 10 GB to 40 GB")
    assert page.evaluate("window.stillTheSamePage") is True  # no full page load so far

    # The back button returns to the Tags tab.
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?tab=tags$"))
    expect(page.locator("#tags-table")).to_contain_text("env")

    # Protected on: the deletion is refused.
    page.click("#tab-details")
    page.click("#field-protected .edit-link")
    page.check("#id_protected")
    page.click("#field-protected button[type=submit]")
    expect(page.locator("#field-protected .value")).to_have_text("On")
    page.get_by_role("link", name="Delete Image").click()
    dialog = page.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Delete image ubuntu-main?")
    expect(dialog).to_contain_text("cannot be recovered")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator(".toast-error")).to_contain_text("is protected and cannot be deleted")
    assert Image.objects.filter(pk=image.pk).exists()

    # Protected off again.
    page.click("#field-protected .edit-link")
    page.uncheck("#id_protected")
    page.click("#field-protected button[type=submit]")
    expect(page.locator("#field-protected .value")).to_have_text("Off")

    # Two images deleted from the list.
    page.get_by_role("navigation", name="Service menu").get_by_role("link", name="Image").click()
    page.check(f'input[name=image_ids][value="{old_a.pk}"]')
    page.check(f'input[name=image_ids][value="{old_b.pk}"]')
    page.locator("#bulk-form").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete 2 images?")).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    results = page.locator("#delete-results")
    expect(results.locator('[data-outcome="deleted"]')).to_have_count(2)
    expect(results).to_contain_text("old-a")
    expect(results).to_contain_text("old-b")
    assert not Image.objects.filter(pk__in=[old_a.pk, old_b.pk]).exists()
    assert Image.objects.filter(pk=image.pk).exists()


def test_it_follows_the_import_live_and_stops_shares_when_made_private(world, page, sign_in):
    image = make_image(
        world.acme,
        name="importing-now",
        status=Image.Status.IMPORTING,
        visibility=Image.Visibility.SHARED,
        size=None,
        os_hash_value="",
    )
    for target in (world.beta.id, "c0ffee00c0ffee00c0ffee00c0ffee00"):
        Share.objects.create(
            image=image, target_account_id=target, status="Pending", modified_at=timezone.now()
        )
    sign_in("alice")
    page.goto(f"/gpu-server/images/{image.pk}/")
    expect(page.locator("#image-status .badge")).to_have_text("Importing")
    expect(page.locator("#details-panel")).to_contain_text("Computed when the import completes")

    # The worker finishes: the badge settles and the open tab shows the new values.
    Image.objects.filter(pk=image.pk).update(
        status=Image.Status.ACTIVE, size=1_048_576, os_hash_value="ab" * 64
    )
    expect(page.locator("#image-status .badge")).to_have_text("Active", timeout=10_000)
    expect(page.locator("#details-panel")).to_contain_text("1 MiB")
    expect(page.locator("#image-status")).not_to_have_attribute("hx-get", re.compile(".+"))

    # Shared -> Private asks how many accounts lose access, then stops every share.
    page.click("#field-visibility .edit-link")
    page.check("#field-visibility input[value=Private]")
    page.click("#field-visibility button[type=submit]")
    expect(page.locator("#field-visibility")).to_contain_text(
        "2 accounts will lose access to this image."
    )
    page.get_by_role("button", name="Switch to Private and stop 2 shares").click()
    expect(page.locator("#field-visibility .value")).to_have_text("Private")
    expect(page.locator("#sharing-status")).not_to_contain_text(world.beta.id)
    expect(page.locator("#share-reason")).to_have_text(
        "Set Visibility to Shared to share this image"
    )
    assert not Share.objects.filter(image=image).exists()
