import re

import pytest
from playwright.sync_api import expect

from servers.models import GpuServer
from tests.support.factories import make_image, make_server
from tests.support.images import MIB

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_it_creates_an_image_from_a_running_server_and_watches_it_become_active(
    world, page, sign_in, celery_worker
):
    base = make_image(world.acme, name="ubuntu-cuda", os_type="ubuntu")
    make_server(world.acme, "train-01", virtual_size=2048 * MIB, image=base)
    make_server(world.acme, "dev-01", status=GpuServer.Status.STOPPED)
    sign_in("alice")

    page.get_by_role("link", name="GPU Server", exact=True).click()
    servers = page.locator("#servers tbody tr")
    expect(servers).to_have_count(2)
    expect(servers.filter(has_text="train-01")).to_contain_text("H100 \u00d7 8")
    page.get_by_role("link", name="train-01").click()
    expect(page.get_by_role("heading", name="train-01")).to_be_visible()

    page.get_by_role("link", name="Create Image").click()
    dialog = page.locator("#create-image-dialog")
    expect(dialog).to_be_visible()  # a popup, not a page load
    expect(page).to_have_url(re.compile(r"/servers/[0-9a-f-]+/$"))
    expect(dialog).to_contain_text("Ubuntu")
    expect(dialog).to_contain_text("2 GB")
    dialog.get_by_label("Image name").fill("bad/name")
    dialog.get_by_role("button", name="Create Image").click()
    expect(dialog.locator(".errorlist")).to_contain_text("Use 1 to 255 characters")
    dialog.get_by_label("Image name").fill("train-01 snapshot")
    dialog.get_by_role("button", name="Create Image").click()

    expect(page).to_have_url(re.compile(r"/gpu-server/images/$"))
    expect(page.locator(".toast")).to_contain_text("train-01 snapshot")
    row = page.locator(
        "#images tbody tr", has=page.get_by_role("link", name="train-01 snapshot", exact=True)
    )
    page.evaluate("window.__notReloaded = true")
    expect(row.locator(".badge").first).to_have_text("Active", timeout=30_000)
    assert page.evaluate("window.__notReloaded") is True


def test_it_disables_create_image_on_a_stopped_server_with_the_reason(world, page, sign_in):
    make_server(world.acme, "dev-01", status=GpuServer.Status.STOPPED)
    sign_in("alice")

    page.goto("/gpu-server/servers/")
    page.get_by_role("link", name="dev-01").click()

    expect(page.locator("#create-image-button")).to_be_disabled()
    expect(page.get_by_text("Start the server to create an image from it")).to_be_visible()


def test_it_cancels_the_popup_without_creating_anything(world, page, sign_in):
    server = make_server(
        world.acme, "train-01", virtual_size=2048 * MIB, image=make_image(world.acme, name="base")
    )
    sign_in("alice")
    page.goto(f"/gpu-server/servers/{server.pk}/")

    page.get_by_role("link", name="Create Image").click()
    dialog = page.locator("#create-image-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("link", name="Cancel").click()

    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/servers/{server.pk}/$"))
