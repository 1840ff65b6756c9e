"""The review path of issue 16 in Chromium, as docs/screenshots/16-*.png.

An editor (李青, 区域录入员 of 解放区) submits 已签约 with a contract, a manager
(王敏, 招商管理员) returns it with a reason, the editor fixes it, the manager
approves it, and the public list of signed projects changes only then.

    export SQLITE_PATH=/tmp/h7/docs.sqlite3 MEDIA_ROOT=/tmp/h7/media
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_articles
    # users liqing (区域录入员, 解放区, leader of JZ-2020-0002) and wangmin (招商管理员)
    .venv/bin/python manage.py runserver 127.0.0.1:8017 &
    .venv/bin/python -m tests.review.screenshots_16 --base-url http://127.0.0.1:8017
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP

# A minimal PDF (tests.review.helpers imports Django; this script runs without it).
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CODE = "JZ-2020-0002"
PASSWORD = "Docs-pass-2026"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default="http://127.0.0.1:8017")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    base, out = args.base_url, args.out
    files = Path("/tmp/h7/files")
    files.mkdir(parents=True, exist_ok=True)
    (files / "通航小镇投资合同（无盖章页）.pdf").write_bytes(PDF)
    (files / "通航小镇投资合同（盖章版）.pdf").write_bytes(PDF)

    def shot(page, name, *, full=True):
        path = out / f"16-{name}.png"
        page.screenshot(path=str(path), full_page=full)
        print(path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

        def session(user):
            context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
            page = context.new_page()
            page.goto(f"{base}/admin/login/")
            page.fill("#id_username", user)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.click("input[type=submit]")
            return page

        public = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
        public.goto(f"{base}/projects/?stage=signed&q=通航小镇")
        assert CODE not in public.content()
        shot(public, "1-public-before", full=False)
        totals = browser.new_context(viewport={"width": 1280, "height": 260}, locale="zh-CN")
        total_page = totals.new_page()

        def signed_total(name):
            total_page.goto(f"{base}/projects/?stage=signed")
            shot(total_page, name, full=False)
            return int(re.search(r"共\s*(\d+)\s*个项目", total_page.inner_text("body"))[1])

        before = signed_total("1b-public-signed-total-before")

        editor = session("liqing")
        change = f"{base}/admin/tracker/project/" + "{pk}/change/"
        editor.goto(f"{base}/admin/tracker/project/?q={CODE}")
        link = editor.locator("#result_list a", has_text=CODE).first
        pk = re.search(r"/project/(\d+)/change/", link.get_attribute("href"))[1]
        editor.goto(change.format(pk=pk))
        shot(editor, "2-editor-needs", full=False)

        def submit(file_name, note):
            editor.goto(change.format(pk=pk))
            editor.select_option("#id_stage", "signed")
            editor.fill("#id_signed_on", "2026-11-20")
            editor.fill("#id_change_note", note)
            editor.click("#evidence-group .add-row a")
            editor.select_option("#id_evidence-0-kind", "contract")
            editor.fill("#id_evidence-0-title", "通航小镇投资合同")
            editor.set_input_files("#id_evidence-0-upload", str(files / file_name))
            with editor.expect_navigation():
                editor.click("input[name=_continue]")

        submit("通航小镇投资合同（无盖章页）.pdf", "11月20日签约，合同已上传")
        if "待审核" not in editor.content():
            editor.screenshot(path="/tmp/h7/fail.png", full_page=True)
            raise SystemExit(editor.url)
        shot(editor, "3-editor-submitted", full=False)

        public.reload()
        assert CODE not in public.content()

        manager = session("wangmin")
        manager.goto(f"{base}/admin/tracker/project/review/")
        shot(manager, "4-queue")
        manager.click("#review-pending a.button")
        manager.fill("#id_reason", "合同缺少盖章页，请上传盖章版。")
        shot(manager, "5-manager-returns")
        with manager.expect_navigation():
            manager.click("input[name=_return]")

        editor.goto(f"{base}/admin/tracker/project/mine/")
        assert "合同缺少盖章页" in editor.content()
        shot(editor, "6-editor-sees-returned")

        submit("通航小镇投资合同（盖章版）.pdf", "已补盖章版合同")
        public.reload()
        assert CODE not in public.content()
        shot(public, "7-public-still-before", full=False)
        assert signed_total("7b-public-signed-total-still-before") == before

        manager.goto(f"{base}/admin/tracker/project/review/")
        manager.click("#review-pending a.button")
        manager.fill("#id_reason", "盖章版合同齐全，通过。")
        shot(manager, "8-manager-approves")
        with manager.expect_navigation():
            manager.click("input[name=_approve]")
        shot(manager, "9-approved", full=False)

        public.reload()
        assert CODE in public.content()
        shot(public, "10-public-after", full=False)
        # The list's total is a cached figure that a background job recomputes after a
        # write: run the queued jobs as the worker would.
        subprocess.run([sys.executable, "manage.py", "jobs_worker", "--batch"], check=True)
        for _ in range(30):
            if signed_total("10b-public-signed-total-after") == before + 1:
                break
            total_page.wait_for_timeout(1000)
        else:
            raise AssertionError("the signed total did not change after approval")

        manager.goto(change.format(pk=pk))
        story = manager.locator("#review-story")
        story.screenshot(path=str(out / "16-11-story.png"))
        print(out / "16-11-story.png")
        manager.locator("#stage_changes-group").screenshot(path=str(out / "16-11b-timeline.png"))
        public.goto(f"{base}/projects/{CODE}/")
        shot(public, "12-public-project")
        browser.close()


if __name__ == "__main__":
    main()
