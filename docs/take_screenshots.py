"""Take the README's screenshots (English, and Korean at 1440 and 390 px wide) from a running
console with the demo data (``make run``).

Usage: .venv/bin/python docs/take_screenshots.py [base-url]
"""

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def sign_in(page: Page, username: str) -> None:
    page.goto(f"{BASE}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-password-1")
    page.click(".form-stack button[type=submit]")
    page.wait_for_url("**/gpu-server/**")


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    # caret="initial": hiding the caret would need an inline style, which the CSP refuses.
    page.screenshot(path=OUT / f"{name}.png", full_page=full_page, caret="initial")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{BASE}/accounts/login/")
        shot(page, "sign-in", full_page=False)

        sign_in(page, "alice")
        shot(page, "image-list", full_page=False)
        page.get_by_role("link", name="Create Image").click()
        shot(page, "create-image")
        page.goto(f"{BASE}/gpu-server/images/")
        page.get_by_role("link", name="ubuntu-22-04-cuda-12").click()
        shot(page, "image-detail")
        page.get_by_role("tab", name="Work History").click()
        shot(page, "image-work-history", full_page=False)
        page.get_by_role("link", name="GPU Server", exact=True).first.click()
        shot(page, "server-list", full_page=False)
        page.get_by_role("link", name="acme-train-01").click()
        shot(page, "server-detail", full_page=False)
        page.get_by_role("link", name="Activity history").click()
        shot(page, "activity-history", full_page=False)
        page.context.clear_cookies()

        sign_in(page, "bob")
        page.get_by_role("link", name="Pending shares").click()
        shot(page, "pending-shares", full_page=False)
        page.get_by_role("link", name="Get Image Share").click()
        page.get_by_role("textbox", name="Image ID").fill("3e493b18-23f5-4d4c-ab30-3756a5e5c4cc")
        shot(page, "get-image-share", full_page=False)

        # The console in Korean (the browser asks for it: nobody's saved choice changes),
        # on a wide screen and on a phone. Needs a Korean font (Debian: fonts-nanum).
        for width, height, suffix in ((1440, 900, ""), (390, 844, "-390")):
            context = browser.new_context(
                locale="ko-KR", viewport={"width": width, "height": height}
            )
            korean = context.new_page()
            korean.goto(f"{BASE}/accounts/login/")
            if suffix == "":
                shot(korean, "ko-sign-in", full_page=False)
            sign_in(korean, "alice")
            shot(korean, f"ko-image-list{suffix}", full_page=False)
            korean.get_by_role("link", name="ubuntu-22-04-cuda-12").click()
            shot(korean, f"ko-image-detail{suffix}", full_page=suffix == "")
            korean.get_by_role("tab", name="작업 이력").click()
            korean.locator("#history-table").wait_for()
            shot(korean, f"ko-image-work-history{suffix}", full_page=False)
            if suffix == "":
                korean.get_by_role("link", name="활동 이력", exact=True).click()
                shot(korean, "ko-activity-history", full_page=False)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
