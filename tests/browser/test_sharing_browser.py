import re

import pytest
from playwright.sync_api import expect

from tests.support.factories import make_image
from tests.support.personas import BETA_ID
from tests.support.sharing import make_share, shareable_image

pytestmark = pytest.mark.browser


def _row(page, name: str):
    return page.locator("#images tbody tr", has=page.get_by_role("link", name=name, exact=True))


def _switch_user(page, sign_in, username: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    sign_in(username)


def test_it_shares_an_image_receives_it_by_id_and_stops_sharing(world, page, sign_in):
    image = make_image(world.acme, world.alice, name="cuda-base-2404", visibility="Private")
    detail = f"/gpu-server/images/{image.pk}/"

    # alice makes the image Shared and shares it with Beta Labs' account ID.
    sign_in("alice")
    page.goto(detail)
    page.locator("#field-visibility .edit-link").click()
    page.locator("#field-visibility").get_by_label("Shared").check()
    page.locator("#field-visibility").get_by_role("button", name="Save").click()
    expect(page.locator("#field-visibility")).to_contain_text("Shared")
    page.get_by_role("link", name="Share to another Account").first.click()
    expect(page.get_by_role("heading", name="Share to another Account")).to_be_visible()
    expect(page.get_by_label("Image name")).to_have_value("cuda-base-2404")
    expect(page.get_by_label("Image ID", exact=True)).to_have_value(str(image.pk))
    page.get_by_label("Shared Account ID").fill(BETA_ID)
    page.get_by_role("button", name="Complete").click()
    expect(page).to_have_url(re.compile(re.escape(detail) + r"$"))
    share_row = page.locator("#sharing-status tbody tr", has_text=BETA_ID)
    expect(share_row).to_contain_text("Pending")

    # bob sees it pending, then uses "Get Image Share" with the Image ID.
    _switch_user(page, sign_in, "bob")
    page.goto("/gpu-server/images/")
    expect(page.get_by_role("link", name="Pending shares (1)")).to_be_visible()
    expect(_row(page, "cuda-base-2404")).to_have_count(0)
    page.get_by_role("link", name="Get Image Share").click()
    dialog = page.locator("#get-share-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Image ID").fill("00000000-0000-4000-8000-000000000000")
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog.locator(".receive-message")).to_contain_text("No pending share")
    dialog.get_by_label("Image ID").fill(str(image.pk))
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.locator(".toast")).to_contain_text("cuda-base-2404 shared by Acme Research")
    row = _row(page, "cuda-base-2404")
    expect(row).to_contain_text("Shared with you")
    expect(row).to_contain_text("Acme Research")
    expect(page.get_by_role("link", name="Pending shares (0)")).to_be_visible()

    # alice sees Accepted and stops sharing.
    _switch_user(page, sign_in, "alice")
    page.goto(detail)
    share_row = page.locator("#sharing-status tbody tr", has_text=BETA_ID)
    expect(share_row).to_contain_text("Accepted")
    share_row.get_by_role("link", name=re.compile("Delete")).click()
    stop_dialog = page.locator("dialog.confirm-dialog[open]")
    expect(stop_dialog).to_contain_text("loses access to cuda-base-2404 at once")
    stop_dialog.get_by_role("button", name="Stop sharing").click()
    expect(page.locator("#sharing-status")).to_contain_text("not shared with any account")
    expect(page.locator(".toast")).to_contain_text("Stopped sharing cuda-base-2404")

    # bob's list no longer has it.
    _switch_user(page, sign_in, "bob")
    page.goto("/gpu-server/images/")
    expect(page.get_by_role("heading", name="Image", exact=True)).to_be_visible()
    expect(_row(page, "cuda-base-2404")).to_have_count(0)
    assert page.goto(detail).status == 404


def test_it_accepts_from_pending_shares_and_removes_the_image_from_the_list(world, page, sign_in):
    first = shareable_image(world.acme, world.alice, name="first-offer")
    second = shareable_image(world.acme, world.alice, name="second-offer")
    make_share(first, BETA_ID)
    make_share(second, BETA_ID)
    sign_in("bob")

    page.goto("/gpu-server/images/")
    page.get_by_role("link", name="Pending shares (2)").click()
    pending = page.locator("#pending-shares")
    expect(pending).to_contain_text("first-offer")
    page.get_by_role("button", name="Accept first-offer").click()
    expect(page.locator("#pending-section .alert-success")).to_contain_text("Accepted first-offer")
    expect(page.get_by_role("link", name="Pending shares (1)")).to_be_visible()
    page.get_by_role("button", name="Reject second-offer").click()
    expect(page.locator("#pending-section")).to_contain_text("Rejected second-offer")
    expect(page.get_by_role("link", name="Pending shares (0)")).to_be_visible()
    expect(page.locator("#pending-shares")).to_contain_text("No pending shares")

    page.get_by_role("link", name="Images", exact=True).click()
    page.get_by_role("link", name="first-offer", exact=True).click()
    expect(page.get_by_role("heading", name="first-offer")).to_be_visible()
    page.get_by_role("link", name="Remove from my list").click()
    page.get_by_role("button", name="Remove from my list").click()
    expect(page).to_have_url(re.compile(r"/gpu-server/images/$"))
    expect(page.locator(".toast")).to_contain_text("first-offer was removed from your list")
    expect(_row(page, "first-offer")).to_have_count(0)
