"""The console by keyboard: a skip link, focus that follows in-place updates, Escape in
inline editors, arrow keys on tabs, and an account switch that needs an explicit action."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from console.models import Membership
from tests.support.factories import make_image

pytestmark = pytest.mark.browser


def settled(page) -> None:
    """Wait until htmx has no request, swap or settle under way."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return (e.getAttribute('data-focus-key') || e.id || e.tagName.toLowerCase()); }"
    )


def test_it_offers_a_skip_link_as_the_first_tab_stop(world, page, sign_in):
    sign_in("alice")
    page.goto(reverse("images:list"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    # The next stop is inside the page's content, not the header or the menu.
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


def test_it_moves_focus_to_the_sorted_table_and_to_the_new_page(world, page, sign_in):
    for n in range(12):
        make_image(world.acme, name=f"img-{n:02d}")
    sign_in("alice")
    page.goto(reverse("images:list") + "?per_page=10")
    sort = page.locator("#images th a", has_text="Image name")
    sort.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page.locator("#images th a", has_text="Image name")).to_be_focused()
    page.locator('.pagination a[aria-label="Next page"]').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"after="))
    expect(page.locator("#image-table .table-wrap")).to_be_focused()


def test_it_focuses_the_opened_editor_and_escape_cancels_it(world, page, sign_in):
    image = make_image(world.acme, creator=world.alice, tags=[("env", "prod")])
    sign_in("alice")
    page.goto(reverse("images:detail", args=[image.pk]))
    page.get_by_role("link", name="Edit Minimum Disk").focus()
    page.keyboard.press("Enter")
    field = page.locator("#field-min-disk input[type=number]")
    expect(field).to_be_focused()
    page.keyboard.type("99")
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Edit Minimum Disk")).to_be_focused()
    image.refresh_from_db()
    assert image.min_disk_gb == 10

    # Saving moves focus back to the field's Edit link, next to its new value.
    page.keyboard.press("Enter")
    expect(field).to_be_focused()
    field.fill("20")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Edit Minimum Disk")).to_be_focused()
    expect(page.locator("#field-min-disk .value")).to_have_text("20 GB")

    page.get_by_role("tab", name=re.compile("Tags")).click()
    expect(page.locator("#tags-panel")).to_be_visible()
    settled(page)
    page.get_by_role("link", name="Edit tag env").focus()
    page.keyboard.press("Enter")
    expect(page.locator("tr.is-editing input[name=key]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Edit tag env")).to_be_focused()
    expect(page.locator("tr.is-editing")).to_have_count(0)


def test_it_moves_between_tabs_with_the_arrow_keys(world, page, sign_in):
    image = make_image(world.acme, creator=world.alice)
    sign_in("alice")
    page.goto(reverse("images:detail", args=[image.pk]))
    details = page.get_by_role("tab", name="Details")
    expect(details).to_have_attribute("tabindex", "0")
    expect(page.get_by_role("tab", name=re.compile("Tags"))).to_have_attribute("tabindex", "-1")
    details.focus()

    def press_and_land_on(key: str, name, panel: str) -> None:
        page.keyboard.press(key)
        tab = page.get_by_role("tab", name=name)
        expect(tab).to_have_attribute("aria-selected", "true")
        expect(tab).to_have_attribute("tabindex", "0")
        expect(tab).to_be_focused()  # once the new tab list has settled
        expect(page.locator(panel)).to_be_visible()

    press_and_land_on("ArrowRight", re.compile("Tags"), "#tags-panel")
    press_and_land_on("ArrowRight", "Work History", "#history-panel")
    expect(page).to_have_url(re.compile(r"tab=history"))
    press_and_land_on("ArrowRight", "Details", "#details-panel")  # wraps around
    press_and_land_on("End", "Work History", "#history-panel")
    press_and_land_on("Home", "Details", "#details-panel")
    press_and_land_on("ArrowLeft", "Work History", "#history-panel")


def test_it_switches_account_only_on_an_explicit_switch(world, page, sign_in):
    Membership.objects.create(user=world.alice, account=world.beta, role="viewer")
    sign_in("alice")
    page.goto(reverse("images:list"))
    select = page.locator("#account-select")
    select.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)
    expect(page.locator(".account-id")).to_have_text(world.acme.id)  # still Acme
    page.get_by_role("button", name="Switch").click()
    expect(page.locator(".account-id")).to_have_text(world.beta.id)
    expect(page.locator(".toast")).to_contain_text("Switched to account Beta Labs")
