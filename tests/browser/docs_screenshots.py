"""Refresh docs/screenshots/ from a running server that holds the article fixtures.

SQLITE_PATH=/tmp/docs.sqlite3 .venv/bin/python manage.py migrate
SQLITE_PATH=/tmp/docs.sqlite3 .venv/bin/python manage.py load_articles
SQLITE_PATH=/tmp/docs.sqlite3 .venv/bin/python manage.py runserver 127.0.0.1:8004 &
.venv/bin/python -m tests.browser.docs_screenshots --base-url http://127.0.0.1:8004
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE

MAX_PHONE_HEIGHT = 2200
PAGES = {
    "overview": "/",
    "projects": "/projects/",
    "project": "/projects/JZ-2020-0070/",
    "event": "/events/2020-shenzhen-education-equipment-signing/",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8004")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for device, viewport, scale in (("desktop", DESKTOP, 1), ("phone", PHONE, 2)):
            context = browser.new_context(
                viewport=viewport, locale="zh-CN", device_scale_factor=scale
            )
            page = context.new_page()
            for name, path in PAGES.items():
                response = page.goto(args.base_url + path)
                assert response.status == 200, path
                target = args.out / f"{name}-{device}.png"
                # A phone page can be very long; its first screens show the design.
                height = min(page.evaluate("document.body.scrollHeight"), MAX_PHONE_HEIGHT)
                clip = {"x": 0, "y": 0, "width": viewport["width"], "height": height}
                page.screenshot(
                    path=str(target), full_page=True, clip=None if device == "desktop" else clip
                )
                print(target)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
