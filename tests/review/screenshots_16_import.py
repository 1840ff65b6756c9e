"""A 区域录入员's ledger import under review, in Chromium, as docs/screenshots/16-import-*.png.

李青 (区域录入员 of 解放区) uploads a district ledger: the preview marks the rows
whose counted claims wait as 提交审核 (a signing, an amount, a new signed
project) and the rest as 更新/新增; after the confirm, 王敏 (招商管理员) finds
them in the 待审核 queue and the project list marks them 待审核.

    export SQLITE_PATH=/tmp/ha/docs.sqlite3 MEDIA_ROOT=/tmp/ha/media
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_articles
    # users liqing (区域录入员, 解放区) and wangmin (招商管理员), password below
    .venv/bin/python manage.py runserver 127.0.0.1:8031 &
    .venv/bin/python -m tests.review.screenshots_16_import --ledger /tmp/ha/解放区十一月台账.xlsx
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP

PASSWORD = "Docs-pass-2026"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default="http://127.0.0.1:8031")
    parser.add_argument("--ledger", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    base, out = args.base_url, args.out

    def shot(page, name, *, full=True):
        path = out / f"16-import-{name}.png"
        page.screenshot(path=str(path), full_page=full)
        print(path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

        def session(user):
            page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
            page.goto(f"{base}/admin/login/")
            page.fill("#id_username", user)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.click("input[type=submit]")
            return page

        editor = session("liqing")
        editor.goto(f"{base}/admin/tracker/project/import/")
        editor.set_input_files("input[type=file]", str(args.ledger))
        with editor.expect_navigation():
            editor.click("input[type=submit]")
        assert "提交审核" in editor.content(), editor.url
        shot(editor, "1-editor-preview")
        with editor.expect_navigation():
            editor.click("input[name=confirm]")
        assert "已提交审核" in editor.content()
        shot(editor, "2-editor-confirmed", full=False)

        manager = session("wangmin")
        manager.goto(f"{base}/admin/tracker/project/review/")
        shot(manager, "3-queue")
        # Wide enough for the list's last column, 审核.
        manager.set_viewport_size({"width": 1800, "height": 720})
        manager.goto(f"{base}/admin/tracker/project/?review=pending")
        shot(manager, "4-list-pending", full=False)
        browser.close()


if __name__ == "__main__":
    main()
