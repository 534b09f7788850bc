"""In-place updates leave the whole page true: counters, Clear filters and the selection
follow the table, and an expired session leads to the sign-in page, not into the table."""

import re
from urllib.parse import quote

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.support.factories import make_image

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1440, 390])
def test_it_updates_the_count_clear_filters_and_selection_with_the_table(
    world, page, sign_in, width
):
    page.set_viewport_size({"width": width, "height": 900})
    for n in range(12):
        make_image(world.acme, name=f"img-{n:02d}", tags=[("env", "prod" if n < 3 else "dev")])
    sign_in("alice")
    page.goto(reverse("images:list") + "?per_page=10")
    expect(page.locator("#image-count")).to_have_text("12 images")
    page.locator("input[name=image_ids]").first.check()
    expect(page.locator(".selection-count")).to_have_text("1 selected")
    delete = page.locator("#bulk-form button[data-needs-selection]")
    expect(delete).to_be_enabled()

    page.locator('.pagination a[aria-label="Next page"]').click()
    expect(page).to_have_url(re.compile(r"after="))
    expect(page.locator(".selection-count")).to_have_text("")
    expect(delete).to_be_disabled()

    page.get_by_label("Tag").fill("env=prod")
    page.get_by_label("Tag").press("Enter")
    expect(page).to_have_url(re.compile(r"tag=env%3Dprod"))
    expect(page.locator("#image-count")).to_have_text("3 images match the filters")
    expect(page.locator("#images tbody tr")).to_have_count(3)
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
    page.get_by_label("Tag").fill("nothing")
    page.get_by_label("Tag").press("Enter")
    expect(page.locator("#image-count")).to_have_text("0 images match the filters")
    expect(page.get_by_role("heading", name="No images match")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("#image-count")).to_have_text("12 images")


def test_it_sends_an_expired_session_to_the_sign_in_page_with_the_way_back(world, page, sign_in):
    make_image(world.acme, name="img-a")
    make_image(world.acme, name="img-b")
    sign_in("alice")
    page.goto(reverse("images:list") + "?status=Active")
    page.context.clear_cookies()  # the session expires
    page.locator("#images th a", has_text="Image name").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator(".topbar")).to_have_count(0)  # a whole page, not inside the table
    assert quote(reverse("images:list") + "?status=Active", safe="/") in page.url
    page.fill("#id_username", "alice")
    page.fill("#id_password", "demo-password-1")
    page.click(".form-stack button[type=submit]")
    expect(page).to_have_url(re.compile(r"/gpu-server/images/\?status=Active$"))
