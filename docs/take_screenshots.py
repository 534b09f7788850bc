"""Take the README's screenshots from a running console (``make run``).

Usage: .venv/bin/python docs/take_screenshots.py [base-url] [page ...]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

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


def sign_in(page, username: str) -> None:
    page.goto(f"{BASE}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-password-1")
    page.click("button[type=submit]")


def main(pages: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{BASE}/accounts/login/")
        page.screenshot(path=OUT / "sign-in.png")
        sign_in(page, "alice")
        for spec in pages or ["/gpu-server/images/=image-list"]:
            path, _, name = spec.partition("=")
            page.goto(BASE + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / f"{name}.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[2:])
