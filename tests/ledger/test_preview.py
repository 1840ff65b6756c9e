"""The import preview shows the result: a new row's values as they will be stored, filters for
errors and changes, errors and changes listed before unchanged rows, a summary of warnings."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import (
    add_partner,
    csv_bytes,
    ledger_row,
    make_project,
    make_user,
    xlsx_bytes,
)
from tracker.admin import ledger as admin_ledger
from tracker.ledger import preview
from tracker.ledger.reader import read_upload
from tracker.permissions import EDITOR_GROUP
from tracker.services.ledger import project_import

IMPORT = "admin:tracker_project_import"


def upload(client, data, name="台账.xlsx"):
    return client.post(reverse(IMPORT), {"import_file": SimpleUploadedFile(name, data)})


def values_of(page: str, name: str) -> dict[str, str]:
    """The stored values the preview lists for the row named ``name``: label → text."""
    row = re.search(
        rf"<tr[^>]*>(?:(?!</tr>).)*<td[^>]*>{re.escape(name)}</td>(.*?)</tr>", page, re.S
    )
    assert row, f"no preview row for {name}"
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", row.group(1), re.S)
    return {label: re.sub(r"<[^>]+>", "", text).strip() for label, text in pairs}


def stored(world, code: str, name: str):
    """A project that the row ``ledger_row(code=code, name=name)`` leaves unchanged."""
    project = make_project(world, code=code, name=name)
    add_partner(project, world.mudu)
    return project


def listed_names(page: str) -> list[str]:
    body = page.split('id="ledger-preview"', 1)[1].split("</table>", 1)[0]
    return re.findall(
        r'<tr class="[a-z]+" data-kind="[a-z]+">\s*<td>\d+</td>\s*<td[^>]*>[^<]*</td>'
        r"\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>([^<]*)</td>",
        body,
    )


# --- A new row's values as stored ---------------------------------------------------------------


def test_a_new_row_shows_every_value_as_it_will_be_stored(staff, world):
    row = ledger_row(
        name="碳纤维产业园",
        industry="新材料",
        stage="在建",
        investment="5亿元",
        signed_on="2021年3月",
        event="焦作市首届院（校）地科技合作洽谈会",
        partners="甲公司（投资方）、木铎（广州）教育科技有限公司",
        public="否",
        started_on="2021",
    )
    values = values_of(upload(staff, xlsx_bytes([row])).content.decode(), "碳纤维产业园")
    assert values["所属区域"] == "解放区"
    assert values["产业类别"] == "新材料"
    assert values["项目阶段"] == "在建/落地"
    assert values["项目状态"] == "正常"
    assert values["总投资"] == "5亿元（50,000 万元）"
    assert values["签约日期"] == "2021年3月"
    assert values["开工日期"] == "2021年"
    assert values["签约活动"] == "焦作市首届院（校）地科技合作洽谈会"
    assert values["合作方"] == "甲公司（投资方，新建）、木铎（广州）教育科技有限公司（签约方）"
    assert values["是否公开"] == "否"
    assert values["包联领导"] == "张三" and values["责任单位"] == "解放区商务局"


def test_an_editors_submitted_new_row_shows_its_values_and_marks_what_waits_for_review(
    client, world
):
    client.force_login(make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang]))
    page = upload(client, xlsx_bytes([ledger_row(name="待审新项目", public="否")])).content.decode()
    row = re.search(r'<tr class="submit" data-kind="change">(.*?)</tr>', page, re.S).group(1)
    held = dict(re.findall(r'<div class="(\w+) held"><dt>[^<]*</dt><dd>([^<]*)', row))
    assert held["stage"].strip() == "已签约 （待审核）"
    assert held["investment"].strip() == "5亿元（50,000 万元） （待审核）"
    assert "region" not in held and "所属区域" in row  # shown, not held


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("约2亿元", "约2亿元（20,000 万元）"),
        ("1000万至1亿", "1000万元至1亿元（1,000–10,000 万元）"),
        ("300", "300万元"),
        ("", "未披露"),
    ],
)
def test_a_new_rows_amount_reads_as_written_and_in_wan(staff, world, cell, shown):
    page = upload(staff, xlsx_bytes([ledger_row(name="金额", investment=cell)])).content.decode()
    assert values_of(page, "金额")["总投资"] == shown


def test_columns_a_sheet_leaves_out_show_the_default_a_new_project_takes(staff, world):
    data = csv_bytes([["物流园项目", "山阳区"]], headers=["项目名称", "所属区域"])
    values = values_of(upload(staff, data, name="台账.csv").content.decode(), "物流园项目")
    assert values["项目阶段"] == "线索（未填，取默认值）"
    assert values["项目状态"] == "正常（未填，取默认值）"
    assert values["是否公开"] == "否（未填，新项目默认不公开）"
    assert values["总投资"] == "未披露" and values["合作方"] == "无"
    assert "建设内容" not in values  # an empty optional field is left out


def test_a_changed_row_keeps_old_to_new_and_lists_no_stored_values(staff, world):
    stored(world, "JZ-2020-0001", "旧名")
    page = upload(
        staff, xlsx_bytes([ledger_row(code="JZ-2020-0001", name="新名", investment="6亿元")])
    ).content.decode()
    assert "项目名称：旧名 → 新名" in page
    assert "总投资（万元）：5亿元 → 6亿元" in page
    assert '<dl class="ledger-values">' not in page


def test_the_summary_at_the_top_gathers_the_warnings_and_what_the_rows_say(staff, world):
    make_project(world, code="JZ-2020-0001", name="已有项目", region=world.jiefang)
    data = xlsx_bytes(
        [
            ledger_row(name="已有项目", investment="约3亿元"),
            ledger_row(name="新项目甲", public="否"),
        ]
    )
    page = upload(staff, data).content.decode()
    summary = page.split('class="ledger-summary"', 1)[1].split("</section>", 1)[0]
    assert "确认前请看：3 条提示" in summary
    assert "按名称对应到本区已有项目" in summary  # the plan's own warning
    assert "1 行的总投资是约数" in summary
    assert "1 个新项目不公开" in summary
    assert page.index('class="ledger-summary"') < page.index('class="ledger-counts"')


# --- Filters and ordering -----------------------------------------------------------------------


def test_the_filters_are_in_the_page_hidden_until_the_script_shows_them(staff, world):
    stored(world, "JZ-2020-0001", "旧名")
    page = upload(
        staff, xlsx_bytes([ledger_row(code="JZ-2020-0001", name="旧名"), ledger_row(name="新")])
    ).content.decode()
    bar = re.search(r"<div class=\"ledger-filter\"[^>]*>(.*?)</div>", page, re.S)
    assert "hidden" in bar.group(0)  # without JavaScript every row shows, no dead buttons
    assert re.findall(r'data-show="(\w+)"', bar.group(1)) == ["all", "error", "change"]
    assert "只看错误（0）" in bar.group(1)
    assert "只看变更（新增、更新、提交审核）（1）" in bar.group(1)
    assert re.findall(r'data-kind="(\w+)"', page) == ["change", "unchanged"]
    script = "/static/tracker/js/ledger-preview.js"
    assert script in page
    js = (Path(settings.BASE_DIR) / "static/tracker/js/ledger-preview.js").read_text()
    assert "dataset.kind" in js and "http" not in js  # nothing fetched from a CDN


def test_errors_then_changes_are_listed_before_unchanged_rows(staff, world):
    stored(world, "JZ-2020-0001", "不变甲")
    stored(world, "JZ-2020-0002", "不变乙")
    stored(world, "JZ-2020-0003", "要改")
    data = xlsx_bytes(
        [
            ledger_row(code="JZ-2020-0001", name="不变甲"),
            ledger_row(code="JZ-2020-0002", name="不变乙"),
            ledger_row(name="新来的"),
            ledger_row(code="JZ-2020-0003", name="改好了"),
            ledger_row(name="错的", region="火星"),
        ]
    )
    page = upload(staff, data).content.decode()
    assert listed_names(page) == ["错的", "新来的", "改好了", "不变甲", "不变乙"]


def test_the_capped_list_leaves_out_unchanged_rows_first_and_says_how_many(
    staff, world, monkeypatch
):
    for n in range(1, 4):
        stored(world, f"JZ-2020-000{n}", f"不变{n}")
    data = xlsx_bytes(
        [
            *(ledger_row(code=f"JZ-2020-000{n}", name=f"不变{n}") for n in range(1, 4)),
            ledger_row(name="最后一行是新项目"),
        ]
    )
    monkeypatch.setattr(admin_ledger, "PREVIEW_ROWS", 2)
    page = upload(staff, data).content.decode()
    assert listed_names(page) == ["最后一行是新项目", "不变1"]
    assert "另有 2 行未变，未列出。" in page
    assert "超出显示上限" not in page


# --- English --------------------------------------------------------------------------------


def test_the_preview_in_english(staff, world):
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = xlsx_bytes([ledger_row(name="英文预览", investment="约5亿元", public="否")])
    page = upload(staff, data).content.decode()
    values = values_of(page, "英文预览")
    assert values["Total investment"] == "about 500 million yuan (50,000 × 10k yuan)"
    assert values["Public"] == "No"
    assert values["Partners"] == "木铎（广州）教育科技有限公司 (Signatory)"
    assert "Only errors (0)" in page
    assert "Only changes (new, updated, submitted for review) (1)" in page
    assert "1 row has an approximate total investment" in page
    assert "1 new project is not public" in page


# --- The module itself ------------------------------------------------------------------------


def test_the_preview_reads_names_in_one_query_per_table_whatever_the_rows(
    world, django_assert_num_queries
):
    rows = [
        ledger_row(name=f"项目{n}", industry="新材料", event="焦作市首届院（校）地科技合作洽谈会")
        for n in range(40)
    ]
    plan = project_import(
        rows=read_upload("台账.xlsx", xlsx_bytes(rows)), file_name="台账.xlsx", dry_run=True
    ).plan
    with django_assert_num_queries(3):  # regions, industries, events
        built = preview.build_preview(plan, limit=100)
    assert {cell.value for entry in built.rows for cell in entry.cells if cell.key == "region"} == {
        "解放区"
    }


def test_amount_text_keeps_every_digit():
    assert preview.amount_text(Decimal("12345.6789"), None, None) == "12345.6789万元"
    assert preview.amount_text(Decimal("1416000000"), None, None) == (
        "14.16万亿元（1,416,000,000 万元）"
    )
    assert preview.amount_text(None, Decimal("10000"), None) == "不低于1亿元（≥ 10,000 万元）"
