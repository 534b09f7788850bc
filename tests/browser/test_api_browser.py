import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_it_shows_the_api_docs_under_the_strict_csp(world, page):
    page.goto("/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/v1/images/{image_id}/members/{member_id}").first).to_be_visible()
