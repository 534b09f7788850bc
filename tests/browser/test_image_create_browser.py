import re

import pytest
from playwright.sync_api import expect

from tests.support.images import MIB, qcow2_bytes

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def _row(page, name: str):
    return page.locator("#images tbody tr", has=page.get_by_role("link", name=name, exact=True))


def test_it_creates_images_from_a_url_and_an_upload_and_watches_them_become_active(
    world, page, sign_in, http_server, celery_worker, settings, tmp_path
):
    settings.CONSOLE_IMPORT_ALLOW_HOSTS = ["127.0.0.1"]
    url = http_server.serve_bytes(
        "/ubuntu.qcow2", qcow2_bytes(virtual_size=512 * MIB, data_bytes=2 * MIB)
    )
    disk = tmp_path / "rocky.qcow2"
    disk.write_bytes(qcow2_bytes(virtual_size=256 * MIB, data_bytes=MIB, seed=5))
    sign_in("alice")

    page.get_by_role("link", name="Create Image").click()
    expect(page.get_by_role("heading", name="Create Image")).to_be_visible()
    page.get_by_label("Image name").fill("ubuntu from url")
    page.get_by_placeholder("https://storage.example.com/ubuntu.qcow2").fill(url)
    page.get_by_label("OS type").select_option(label="Ubuntu")
    page.get_by_label("Minimum Disk").fill("40")
    page.get_by_label("Minimum RAM").fill("16")
    page.get_by_role("button", name="Add tag").click()
    page.locator("input[name=tag_key]").first.fill("team")
    page.locator("input[name=tag_value]").first.fill("ml")
    page.get_by_role("button", name="Create Image").click()

    expect(page).to_have_url(re.compile(r"/gpu-server/images/$"))
    expect(page.locator(".toast")).to_contain_text("ubuntu from url")
    row = _row(page, "ubuntu from url")
    # The row refreshes itself: no reload between Queued and Active.
    page.evaluate("window.__notReloaded = true")
    expect(row.locator(".badge")).to_have_text("Active", timeout=30_000)
    assert page.evaluate("window.__notReloaded") is True
    expect(row).to_contain_text("Ubuntu")

    page.get_by_role("link", name="Create Image").click()
    page.get_by_label("Image name").fill("rocky upload")
    page.get_by_text("Upload a file").click()
    expect(page.get_by_placeholder("https://storage.example.com/ubuntu.qcow2")).to_be_hidden()
    page.locator("input[type=file]").set_input_files(str(disk))
    page.get_by_label("OS type").select_option(label="Rocky Linux")
    page.get_by_role("button", name="Create Image").click()
    expect(page).to_have_url(re.compile(r"/gpu-server/images/$"))
    page.evaluate("window.__notReloaded = true")
    expect(_row(page, "rocky upload").locator(".badge")).to_have_text("Active", timeout=30_000)
    assert page.evaluate("window.__notReloaded") is True


def test_it_shows_errors_next_to_the_fields(world, page, sign_in):
    sign_in("alice")
    page.goto("/gpu-server/images/create/")
    page.get_by_label("Image name").fill("bad/name")
    page.get_by_placeholder("https://storage.example.com/ubuntu.qcow2").fill("ftp://x/y.img")
    page.get_by_role("button", name="Create Image").click()
    expect(page.locator("#field-name")).to_contain_text("English letters, digits")
    expect(page.get_by_text("must start with http:// or https://")).to_be_visible()
    expect(page.locator("#field-os_type")).to_contain_text("Select an OS type.")
    expect(page.get_by_label("Image name")).to_have_value("bad/name")


def test_it_hides_create_image_from_viewers(world, page, sign_in):
    sign_in("carol")
    expect(page.get_by_role("heading", name="Image", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Create Image")).to_have_count(0)
