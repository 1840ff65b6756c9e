"""Issue 12's must-show screenshots: office ledgers imported through the admin, and a rollback.

Not collected by pytest (no ``test_`` prefix); run it by hand against a server on a
scratch database that holds the article fixtures and a superuser:

    export SQLITE_PATH=/tmp/shots.sqlite3
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py createcachetable
    .venv/bin/python manage.py load_articles
    .venv/bin/python manage.py createsuperuser --username boss   # password: see --password
    .venv/bin/python manage.py runserver 127.0.0.1:8417 --noreload &
    .venv/bin/python -m tests.browser.screenshots_12_office_files --base-url http://127.0.0.1:8417

The script reads the same database (``SQLITE_PATH``) to print the project counts and the
history rows before and after the rollback. Screenshots go to docs/screenshots/12-*.png.

Files are made with openpyxl the way district offices make them: a cover sheet before the
data sheet, a merged title row "2021年重点招商项目台账", a "填报单位：…  单位：万元" note, a
序号 column, 所属县区 merged over a district's rows, 小计/合计 rows with =SUM(), the office's
own headers (签约时间, 合作单位, 计划总投资, 推进阶段 …), amounts like 约2亿元, blank cells
and （清空）; the second sending has no codes and matches the projects the first created.
"""

import argparse
import io
import os
import sys
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

VIEWPORT = {"width": 1366, "height": 900}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADERS = [
    "序号",
    "项目名称",
    "所属县区",
    "产业类别",
    "推进阶段",
    "项目状态",
    "计划总投资",
    "签约时间",
    "合作单位",
    "开工时间",
    "主要建设内容",
    "是否公开",
    "备注",
]


def office_book(title: str, rows: list[list], *, month: str) -> bytes:
    """A cover sheet, then the ledger: title, note, header on row 3, data, 小计 and 合计.

    ``rows`` are data rows without 序号; the first three are 解放区's (its cell merged
    over them), the rest one district each.
    """
    book = Workbook()
    cover = book.active
    cover.title = "封面"
    cover["A1"] = title
    cover["A1"].font = Font(size=16, bold=True)
    cover["A3"] = "报送单位：解放区商务局"
    cover["A4"] = f"报送时间：{month}"
    sheet = book.create_sheet("项目台账")
    last = chr(ord("A") + len(HEADERS) - 1)
    sheet.append([title])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["填报单位：解放区商务局（盖章）            单位：万元"])
    sheet.merge_cells(f"A2:{last}2")
    sheet.append(HEADERS)
    for serial, row in enumerate(rows[:3], start=1):
        sheet.append([serial, *row])
    sheet.merge_cells("C4:C6")  # 所属县区: 解放区 over its three rows
    for cell in ("C5", "C6"):
        assert sheet[cell].value is None
    sheet.append(["小计", None, None, None, None, None, "=SUM(G4:G6)"])
    sheet.merge_cells("A7:B7")
    for serial, row in enumerate(rows[3:], start=4):
        sheet.append([serial, *row])
    sheet.append([])
    sheet.append(["合计", None, None, None, None, None, f"=SUM(G4:G{sheet.max_row - 1})"])
    widths = (6, 24, 10, 12, 10, 10, 12, 12, 40, 12, 30, 8, 10)
    for column, width in zip("ABCDEFGHIJKLM", widths, strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def first_sending() -> bytes:
    """June: four projects, none in the tracker yet; no codes (offices never have them)."""
    rows = [
        # 项目名称, 所属县区, 产业类别, 推进阶段, 项目状态, 计划总投资, 签约时间, 合作单位,
        # 开工时间, 主要建设内容, 是否公开, 备注
        [
            "碳纤维复合材料产业园项目",
            "解放区",
            "新材料",
            "在建",
            "正常推进",
            "约2亿元",
            "2021年3月",
            "河南碳科新材料有限公司（投资方）、河南理工大学（科研合作方）",
            date(2021, 5, 10),
            "年产3000吨碳纤维复合材料及制品",
            "是",
            None,
        ],
        [
            "智慧物流园区项目",
            None,
            "现代服务业",
            "已签",
            "正常",
            15000,
            date(2021, 4, 18),
            "焦作顺达物流有限公司",
            None,
            "建设智能仓储、分拣中心",
            "否",
            "待公开",
        ],
        [
            "工业互联网标识解析二级节点",
            None,
            "数字经济",
            "在谈",
            None,
            8000,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "生物医药中试基地",
            "山阳区",
            "生物医药",
            "储备",
            None,
            "1亿至3亿元",
            None,
            None,
            None,
            None,
            "否",
            None,
        ],
    ]
    return office_book("2021年重点招商项目台账", rows, month="2021年6月30日")


def second_sending(*, with_error: bool = False) -> bytes:
    """July: the same sheet re-sent without codes, a few cells moved on, one project added.

    Blank cells keep what is stored; （清空） clears 建设内容. ``with_error`` adds a row of a
    district the tracker does not have.
    """
    rows = [
        [  # as in June, partners left blank: kept
            "碳纤维复合材料产业园项目",
            "解放区",
            "新材料",
            "在建",
            "正常推进",
            "约2亿元",
            "2021年3月",
            None,
            date(2021, 5, 10),
            None,
            "是",
            None,
        ],
        [  # started, a little late; 建设内容 being rewritten: cleared
            "智慧物流园区项目",
            None,
            "现代服务业",
            "开工",
            "滞后",
            16000,
            date(2021, 4, 18),
            "焦作顺达物流有限公司",
            date(2021, 7, 1),
            "（清空）",
            None,
            "7月开工",
        ],
        [
            "工业互联网标识解析二级节点",
            None,
            "数字经济",
            "拟签约",
            "正常",
            "约1亿元",
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        ["生物医药中试基地", "山阳区", None, None, None, None, None, None, None, None, None, None],
        [
            "新能源汽车零部件项目",
            "解放区",
            "装备制造",
            "签约",
            "正常",
            "3亿元",
            "2021-07-08",
            "焦作市恒力汽车零部件有限公司（投资方）",
            None,
            "年产50万套新能源汽车电驱系统零部件",
            "否",
            "新增",
        ],
    ]
    if with_error:
        rows.append(["修武县文旅康养项目", "修武县", "大健康", "洽谈", "正常", 5000] + [None] * 6)
    return office_book("2021年重点招商项目台账（7月更新）", rows, month="2021年7月31日")


# --- The database the server uses, read for the report --------------------------------------


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop; the reads are sync
    import django

    django.setup()


def project_count() -> int:
    from tracker.models import Project

    return Project.objects.count()


def batch_codes(batch_id: int) -> list[str]:
    from tracker.models import Project

    written = Project.history.filter(import_batch_id=batch_id)
    return sorted(set(written.values_list("code", flat=True)))


def history_rows(codes) -> list[str]:
    from tracker.models import Project, StageChange

    lines = []
    for row in (
        Project.history.filter(code__in=codes)
        .order_by("code", "history_id")
        .values_list(
            "code",
            "history_type",
            "stage",
            "investment",
            "import_batch_id",
            "history_change_reason",
        )
    ):
        code, kind, stage, investment, batch, reason = row
        lines.append(
            f"  {code} {kind} stage={stage} investment={investment} batch={batch} "
            f"reason={reason or ''}"
        )
    stage_log = StageChange.objects.filter(project__code__in=codes).count()
    lines.append(f"  stage changes left on these projects: {stage_log}")
    return lines


# --- The browser ----------------------------------------------------------------------------


def shot(page, out: Path, name: str) -> None:
    target = out / f"12-{name}.png"
    page.screenshot(path=str(target), full_page=True)
    print(target)


def upload(page, base: str, name: str, data: bytes) -> None:
    page.goto(base + "/admin/tracker/project/import/")
    page.set_input_files(
        "input[name=import_file]", files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    page.click("form[enctype='multipart/form-data'] input[type=submit]")
    page.wait_for_selector("h2")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8417")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--username", default="boss")
    parser.add_argument("--password", default="boss-pass-12")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.base_url.rstrip("/")
    django_setup()
    from tracker.models import ImportBatch

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

        def logged_in(language: str):
            context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
            context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            page = context.new_page()
            page.goto(base + "/admin/login/")
            page.fill("input[name=username]", args.username)
            page.fill("input[name=password]", args.password)
            page.click("input[type=submit]")
            page.wait_for_selector("#content")
            return page

        june, july = first_sending(), second_sending()

        # The June sheet previewed in English, then discarded.
        english = logged_in("en")
        upload(english, base, "2021年重点招商项目台账（解放区）.xlsx", june)
        shot(english, args.out, "office-file-preview-en")
        english.click("input[name=discard]")
        english.context.close()

        page = logged_in("zh-hans")
        # The June sheet: cover sheet, title, note, merged district, 小计/合计, synonyms.
        upload(page, base, "2021年重点招商项目台账（解放区）.xlsx", june)
        shot(page, args.out, "office-file-preview")
        before_june = project_count()
        page.click("input[name=confirm]")
        page.wait_for_selector(".messagelist")
        print("June imported:", page.inner_text(".messagelist"))
        print(f"projects: {before_june} → {project_count()}")

        # The July sheet with one row of a district the tracker lacks: only the errors.
        upload(
            page, base, "2021年重点招商项目台账（7月更新）.xlsx", second_sending(with_error=True)
        )
        page.click("[data-ledger-filter] button[data-show=error]")
        shot(page, args.out, "preview-only-errors")

        # The July sheet re-sent without codes: matched by name, changes, one new row.
        upload(page, base, "2021年重点招商项目台账（7月更新）.xlsx", july)
        shot(page, args.out, "resent-sheet-preview")
        page.click("[data-ledger-filter] button[data-show=change]")
        shot(page, args.out, "resent-sheet-only-changes")
        before_july = project_count()
        page.click("input[name=confirm]")
        page.wait_for_selector(".messagelist")
        print("July imported:", page.inner_text(".messagelist"))
        after_july = project_count()
        print(f"projects: {before_july} → {after_july}")

        # Roll the July batch back: its page, the confirmation, the result.
        batch = ImportBatch.objects.filter(status="applied").latest("pk")
        codes = batch_codes(batch.pk)
        page.goto(f"{base}/admin/tracker/importbatch/{batch.pk}/change/")
        shot(page, args.out, "rollback-batch-page")
        page.click("text=整批撤销")
        page.wait_for_selector("form input[type=submit]")
        shot(page, args.out, "rollback-confirm")
        page.click("form input[type=submit].default")
        page.wait_for_selector(".messagelist")
        shot(page, args.out, "rollback-done")
        print("Rollback:", page.inner_text(".messagelist"))
        print(f"projects after the rollback: {after_july} → {project_count()}")
        print(f"history rows of the batch's projects {codes}:")
        print("\n".join(history_rows(codes)))
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
