"""The console from 360 to 1920 px: a Menu button opens the navigation, the account
switcher and Sign out on narrow screens; tables stay inside their card."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from console.models import Membership
from tests.support.a11y import assert_fits
from tests.support.factories import make_image

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 390])
def test_it_opens_the_navigation_account_switcher_and_sign_out_from_the_menu(
    world, page, sign_in, width
):
    Membership.objects.create(user=world.alice, account=world.beta, role="viewer")
    page.set_viewport_size({"width": width, "height": 800})
    sign_in("alice")
    page.goto(reverse("images:list"))
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Activity history")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    assert_fits(page)

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in ("GPU Server", "Image", "Activity history"):
        expect(page.locator("#sidenav").get_by_role("link", name=name, exact=True)).to_be_visible()
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_in_viewport()
    expect(page.get_by_label("Account")).to_be_visible()
    assert_fits(page)
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    menu.click()
    page.locator("#sidenav").get_by_role("link", name="Activity history").click()
    expect(page.get_by_role("heading", name="Activity history")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")

    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Account").select_option(label="Beta Labs")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator(".toast")).to_contain_text("Switched to account Beta Labs")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_it_keeps_the_image_table_inside_its_card_at_1440_and_scrolls_it_at_390(
    world, page, sign_in
):
    make_image(world.acme, name="a-long-image-name-that-is-still-valid-for-the-console-x")
    sign_in("alice")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(reverse("images:list"))
    wrap = page.locator("#image-table .table-wrap")
    sizes = wrap.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] <= sizes[1], f"the image table is {sizes[0]} px wide in a {sizes[1]} px card"
    expect(page.get_by_role("columnheader", name="Created")).to_be_in_viewport()

    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits(page)
    sizes = wrap.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] > sizes[1]  # the table scrolls inside its card
    expect(wrap).to_have_attribute("tabindex", "0")  # and can be scrolled by keyboard
    expect(wrap).to_have_attribute("aria-label", "Images")


def test_it_shows_everything_without_javascript_on_a_phone(world, browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", "demo-password-1")
        page.click(".form-stack button[type=submit]")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        expect(
            page.locator("#sidenav").get_by_role("link", name="Activity history")
        ).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert_fits(page)
    finally:
        context.close()
