import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_it_shows_the_api_docs_under_the_strict_csp(world, page):
    page.goto("/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/v1/images/{image_id}/members/{member_id}").first).to_be_visible()


def test_it_creates_an_api_key_from_the_user_menu_and_revokes_it(world, page, sign_in):
    sign_in("alice")
    page.locator("summary[aria-label='User menu']").click()
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    page.get_by_label("Name").fill("ci-pipeline")
    page.get_by_role("button", name="Create API key").click()

    field = page.get_by_label("API key", exact=True)
    expect(field).to_have_value(re.compile(r"^gck_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$"))
    token = field.input_value()
    copy = page.get_by_role("button", name="Copy API key")
    copy.click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    row = page.locator("#api-keys tbody tr")
    expect(row).to_contain_text("ci-pipeline")
    expect(row).to_contain_text("Acme Research")
    expect(row).to_contain_text("Never")

    # Shown once: a reload lists the key without its secret.
    page.goto("/account/api-keys/")
    expect(page.get_by_label("API key", exact=True)).to_have_count(0)
    assert token.split("_", 2)[2] not in page.content()

    page.get_by_role("button", name="Revoke ci-pipeline").click()
    expect(page.locator(".toast")).to_contain_text("was revoked")
    expect(page.locator("#api-keys")).to_contain_text("No API keys yet")
