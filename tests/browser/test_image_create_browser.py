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

    page.locator(".page-actions").get_by_role("link", name="Create Image").click()
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

    page.locator(".page-actions").get_by_role("link", name="Create Image").click()
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
    expect(page.locator("[data-source=url]")).to_contain_text("must start with http:// or https://")
    expect(page.locator("#form-errors")).to_contain_text("Image file URL: The image file URL must")
    expect(page.locator("#field-os_type")).to_contain_text("Select an OS type.")
    expect(page.get_by_label("Image name")).to_have_value("bad/name")


def test_it_hides_create_image_from_viewers(world, page, sign_in):
    sign_in("carol")
    expect(page.get_by_role("heading", name="Image", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Create Image")).to_have_count(0)


@pytest.mark.parametrize(
    "viewport", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}]
)
def test_it_shows_upload_progress_and_keeps_create_disabled_while_sending(
    world, page, sign_in, tmp_path, viewport
):
    page.set_viewport_size(viewport)
    disk = tmp_path / "big.qcow2"
    disk.write_bytes(qcow2_bytes(virtual_size=64 * MIB, data_bytes=6 * MIB, seed=5))
    sign_in("alice")
    page.goto("/gpu-server/images/create/")
    page.get_by_label("Image name").fill("slow-upload")
    page.get_by_text("Upload a file").click()
    page.locator("input[type=file]").set_input_files(str(disk))
    page.get_by_label("OS type").select_option("ubuntu")
    # A slow line (about 2 MiB/s up) so that the progress can be watched.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 2 * MIB},
    )
    submit = page.get_by_role("button", name="Create Image")
    submit.click()
    progress = page.locator("#upload-progress-text")
    expect(progress).to_contain_text(
        re.compile(r"Uploading [\d.]+ (KiB|MiB) of 6\.\d MiB \(\d+%\)")
    )
    expect(submit).to_be_disabled()
    submit.click(force=True)  # a second click sends nothing
    expect(page.locator("#upload-progress progress")).not_to_have_attribute("value", "0")
    seen = page.evaluate("() => document.querySelector('#upload-progress progress').value")
    assert 0 < seen <= 100
    expect(page).to_have_url(re.compile(r"/gpu-server/images/$"), timeout=30_000)
    expect(page.locator(".toast")).to_contain_text("Image slow-upload was created")
    from images.models import Image

    assert Image.objects.filter(name="slow-upload").count() == 1


def test_it_names_every_problem_at_the_top_even_for_hidden_inputs(world, page, sign_in):
    sign_in("alice")
    page.goto("/gpu-server/images/create/")
    page.get_by_label("Image name").fill("hidden-url")
    page.get_by_placeholder("https://storage.example.com/ubuntu.qcow2").fill("ftp://x/y.img")
    page.get_by_text("Upload a file").click()
    page.get_by_label("OS type").select_option("ubuntu")
    page.get_by_role("button", name="Create Image").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Image file: Give either an image file URL or a .qcow2 file")
    expect(page.locator("input[type=file]")).to_be_visible()
    expect(page.get_by_text("must start with http://")).to_have_count(0)
