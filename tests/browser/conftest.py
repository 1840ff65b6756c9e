"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

The browser tests skip, saying why, only when no Chromium is installed. Screenshots of
every page they visit go to ``test-artifacts/`` (git-ignored).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API keeps an event loop in this thread, which makes Django refuse
    ORM calls (database set-up, test data) as if they were async. They are synchronous
    here, so Django is told to allow them — only while the browser is up.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"No Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
            "or set CHROMIUM=/path/to/chromium to run the browser tests."
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(viewport=DESKTOP)`` gives a page in a fresh zh-CN browser context."""
    contexts = []

    def factory(viewport=DESKTOP, **options):
        context = browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            base_url=live_server.url,
            accept_downloads=True,
            device_scale_factor=2 if viewport["width"] < 500 else 1,
            **options,
        )
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


def screenshot(page, name: str, directory: Path = ARTIFACTS):
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
