"""Every page and dialog at 1440 and 390 px: no serious or critical axe-core violation,
and no page wider than the screen."""

from dataclasses import dataclass

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from images.models import Image
from images.pipeline.errors import PRIVATE_ADDRESS
from servers.models import GpuServer
from tests.conftest import DEMO_PASSWORD
from tests.support.a11y import DESKTOP, PHONE, assert_accessible, assert_fits
from tests.support.factories import add_history, make_image, make_server
from tests.support.images import MIB
from tests.support.sharing import make_share

pytestmark = pytest.mark.browser

WIDTHS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])


@dataclass
class Sample:
    active: Image
    failed: Image
    importing: Image
    received: Image
    pending: Image
    server: GpuServer


@pytest.fixture
def sample(world) -> Sample:
    active = make_image(
        world.acme,
        creator=world.alice,
        name="ubuntu-2404-cuda-12-with-a-rather-long-name",
        visibility="Shared",
        tags=[("env", "production"), ("team", "research")],
    )
    add_history(active, "CreateImage", "Image created", actor=world.alice)
    make_share(active, world.beta.id, status="Pending")
    failed = make_image(world.acme, creator=world.alice, name="broken-import", status="Error")
    failed.set_failure(PRIVATE_ADDRESS())
    failed.save()
    importing = make_image(
        world.acme,
        name="rocky-importing",
        status="Importing",
        size=None,
        progress_done=300 * MIB,
        progress_total=1024 * MIB,
        checksum_md5="",
        os_hash_value="",
    )
    for n in range(3):
        make_image(world.acme, name=f"alma-{n}", os_type="alma", protected=n == 1)
    theirs = make_image(world.beta, creator=world.bob, name="beta-shared", visibility="Shared")
    make_share(theirs, world.acme.id, status="Accepted")
    offered = make_image(world.beta, creator=world.bob, name="beta-offered", visibility="Shared")
    make_share(offered, world.acme.id, status="Pending")
    server = make_server(world.acme, "train-01", image=active)
    return Sample(active, failed, importing, theirs, offered, server)


def _page_at(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return context, page, errors


def _sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click(".form-stack button[type=submit]")
    page.wait_for_url("**/gpu-server/**")


def _check(page, where: str, problems: list[str]) -> None:
    """Every problem of every page is reported at once, not only the first."""
    for check in (assert_fits, assert_accessible):
        try:
            check(page, where)
        except AssertionError as error:
            problems.append(str(error).split("\nassert")[0])


@WIDTHS
def test_it_passes_axe_and_fits_the_screen_on_every_page(browser, live_server, sample, viewport):
    context, page, errors = _page_at(browser, live_server, viewport)
    problems: list[str] = []
    try:
        page.goto("/accounts/login/")
        _check(page, "sign-in", problems)
        _sign_in(page, "alice")
        detail = reverse("images:detail", args=[sample.active.pk])
        pages = {
            "image list": reverse("images:list"),
            "image list filtered empty": reverse("images:list") + "?name=nothing-like-this",
            "create image": reverse("images:create"),
            "detail": detail,
            "detail tags": detail + "?tab=tags",
            "detail history": detail + "?tab=history",
            "failed detail": reverse("images:detail", args=[sample.failed.pk]),
            "importing detail": reverse("images:detail", args=[sample.importing.pk]),
            "received detail": reverse("images:detail", args=[sample.received.pk]),
            "share": reverse("sharing:share", args=[sample.active.pk]),
            "get image share": reverse("sharing:receive"),
            "pending shares": reverse("sharing:pending"),
            "accept share": reverse("sharing:accept", args=[sample.pending.pk]),
            "reject share": reverse("sharing:reject", args=[sample.pending.pk]),
            "stop share": reverse(
                "sharing:stop", args=[sample.active.pk, sample.active.shares.get().pk]
            ),
            "servers": reverse("servers:list"),
            "server": reverse("servers:detail", args=[sample.server.pk]),
            "server create image": reverse("servers:create_image", args=[sample.server.pk]),
            "activity history": reverse("activity:history"),
            "language and time zone": reverse("preferences"),
            "API keys": reverse("api_keys:list"),
            "not found": "/gpu-server/images/00000000-0000-0000-0000-000000000000/",
        }
        for where, url in pages.items():
            page.goto(url)
            _check(page, where, problems)
        page.goto(reverse("images:list"))
        page.locator("input[name=image_ids]").first.check()
        page.get_by_role("button", name="Delete", exact=True).click()
        expect(page.get_by_role("heading", name="Delete 1 image?")).to_be_visible()
        _check(page, "bulk delete confirmation", problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    assert not errors, errors


@WIDTHS
def test_it_passes_axe_in_every_dialog(browser, live_server, sample, viewport):
    context, page, errors = _page_at(browser, live_server, viewport)
    problems: list[str] = []
    try:
        _sign_in(page, "alice")
        page.goto(reverse("images:list"))
        page.get_by_role("link", name="Get Image Share").click()
        expect(page.locator("#get-share-dialog")).to_be_visible()
        _check(page, "Get Image Share dialog", problems)
        page.keyboard.press("Escape")

        page.goto(reverse("images:detail", args=[sample.active.pk]))
        page.get_by_role("link", name="Delete Image").click()
        expect(page.locator("#delete-dialog")).to_be_visible()
        _check(page, "Delete Image dialog", problems)
        page.keyboard.press("Escape")
        page.get_by_role("link", name="Delete the share", exact=False).click()
        expect(page.locator("dialog[open]")).to_be_visible()
        _check(page, "Stop sharing dialog", problems)
        page.keyboard.press("Escape")

        page.goto(reverse("images:detail", args=[sample.active.pk]) + "?tab=tags")
        page.get_by_role("button", name="Delete tag env").click()
        expect(page.locator("dialog[open]")).to_be_visible()
        _check(page, "Delete tag dialog", problems)
        page.keyboard.press("Escape")

        page.goto(reverse("images:detail", args=[sample.received.pk]))
        page.get_by_role("link", name="Remove from my list").click()
        expect(page.locator("#remove-share-dialog")).to_be_visible()
        _check(page, "Remove from my list dialog", problems)
        page.keyboard.press("Escape")

        page.goto(reverse("sharing:pending"))
        page.get_by_role("button", name="Reject beta-offered").click()
        expect(page.locator("dialog[open]")).to_be_visible()
        _check(page, "Reject share dialog", problems)
        page.keyboard.press("Escape")

        page.goto(reverse("servers:detail", args=[sample.server.pk]))
        page.get_by_role("link", name="Create Image").click()
        expect(page.locator("#create-image-dialog")).to_be_visible()
        _check(page, "server Create Image dialog", problems)
        page.keyboard.press("Escape")

        page.goto(reverse("images:list"))
        if viewport == PHONE:
            page.get_by_role("button", name="Menu").click()
        page.locator(".user-menu > summary").click()
        expect(page.locator(".user-menu-panel")).to_be_visible()
        _check(page, "user menu", problems)
        page.locator(".user-menu > summary").click()

        if viewport == PHONE:
            expect(page.get_by_role("link", name="Activity history")).to_be_visible()
            _check(page, "open navigation menu", problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    assert not errors, errors
