import re

import pytest
from playwright.sync_api import expect

from console.models import Membership

pytestmark = pytest.mark.browser


def test_it_signs_in_opens_images_switches_account_and_signs_out(world, page, sign_in):
    Membership.objects.create(user=world.alice, account=world.beta, role="viewer")
    sign_in("alice")

    page.get_by_role("link", name="Image", exact=True).click()
    expect(page.get_by_role("heading", name="Image", exact=True)).to_be_visible()
    expect(page.locator(".account-id")).to_have_text(world.acme.id)
    expect(page.locator(".role-pill")).to_have_text("Member")

    page.select_option("#account-select", label="Beta Labs")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator(".account-id")).to_have_text(world.beta.id)
    expect(page.locator(".role-pill")).to_have_text("Viewer")
    expect(page.locator(".toast")).to_contain_text("Switched to account Beta Labs")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/gpu-server/images/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
