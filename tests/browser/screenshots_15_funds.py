"""Issue 15's funds-through-the-ledger screenshots: a workbook with a 到位资金 sheet, previewed.

Not collected by pytest; run it by hand against a server on a scratch database with the
article fixtures and a superuser, as ``screenshots_12_office_files`` describes:

    .venv/bin/python -m tests.browser.screenshots_15_funds --base-url http://127.0.0.1:8417

Screenshots go to docs/screenshots/15-funds-*.png: the preview of a ledger whose second
sheet reports funds in place (one row for a project the ledger sheet creates), and the
same file with a bad row, refused with the row and column named.
"""

import argparse
import io
from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.screenshots_12_office_files import VIEWPORT, django_setup, upload


def workbook(*, bad: bool) -> bytes:
    from tracker.ledger.columns import HEADERS  # after django_setup()

    book = Workbook()
    ledger = book.active
    ledger.title = "项目台账"
    ledger.append(list(HEADERS))
    ledger.append(
        [
            "JZ-2021-0201",
            "高性能膜材料项目",
            "解放区",
            "新材料",
            "已签约",
            "正常",
            "6亿元",
            "2021年3月",
            "",
            "某某膜科技有限公司（投资方）",
            "建设膜材料生产线",
            "",
            "",
            "是",
        ]
    )
    funds = book.create_sheet("到位资金")
    funds.append(["2021年上半年到位资金情况（单位：万元）"])
    funds.append(["项目编号", "项目名称", "到位时间", "到位金额（万元）", "资金来源", "备注"])
    funds.append(["JZ-2021-0201", "高性能膜材料项目", "2021年5月", "3000", "省外", "首期注资"])
    funds.append(["JZ-2021-0201", "高性能膜材料项目", "2021-06", "约0.15亿元", "境外", ""])
    funds.append(
        ["JZ-2021-0201", "高性能膜材料项目", "2021年6月", "800", "本市" if not bad else "火星", ""]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8417")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--username", default="boss")
    parser.add_argument("--password", default="boss-pass-12")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    django_setup()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
        page.goto(base + "/admin/login/")
        page.fill("input[name=username]", args.username)
        page.fill("input[name=password]", args.password)
        page.click("input[type=submit]")
        page.wait_for_selector("#content")
        for name, bad in (("preview", False), ("refused", True)):
            upload(page, base, "台账与到位资金.xlsx", workbook(bad=bad))
            target = args.out / f"15-funds-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
            if not bad:
                page.click("input[name=discard]")
        browser.close()


if __name__ == "__main__":
    main()
