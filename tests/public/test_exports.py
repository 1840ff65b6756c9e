"""Open data: /projects/export.csv and .xlsx carry the list's rows under the list's filters."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests import factories as make

pytestmark = pytest.mark.django_db

HEADER = [
    "项目编号",
    "项目名称",
    "所属区县/功能区",
    "所属区域",
    "产业类别",
    "项目阶段",
    "项目状态",
    "总投资（万元）",
    "投资下限（万元）",
    "投资上限（万元）",
    "投资额",
    "签约日期",
    "开工日期",
    "投产日期",
    "签约活动",
    "合作方（角色）",
    "建设内容",
    # Each project's sources, as in the full open-data file (one source per line).
    "来源文章",
    "来源报道",
    "来源媒体",
    "来源日期",
    "原文引述",
]


@pytest.fixture
def ledger():
    return make.build_ledger()


def csv_rows(response) -> list[dict]:
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")  # Excel reads UTF-8 only with the BOM
    return list(csv.DictReader(io.StringIO(raw.removeprefix("\ufeff"))))


def test_csv_has_the_ledger_columns_and_every_public_project(client, ledger):
    response = client.get(reverse("tracker:project_export_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="zhaoshang-projects-' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert list(rows[0]) == HEADER
    assert sorted(r["项目编号"] for r in rows) == [
        "JZ-2019-0005",
        "JZ-2020-0001",
        "JZ-2020-0003",
        "JZ-2021-0002",
        "JZ-2021-0004",
    ]


def test_csv_amounts_are_numbers_in_wan_beside_the_reading(client, ledger):
    rows = {r["项目编号"]: r for r in csv_rows(client.get(reverse("tracker:project_export_csv")))}
    assert (rows["JZ-2020-0001"]["总投资（万元）"], rows["JZ-2020-0001"]["投资额"]) == (
        "105000",
        "10.5亿元",
    )
    centre = rows["JZ-2021-0004"]
    assert (centre["总投资（万元）"], centre["投资下限（万元）"], centre["投资上限（万元）"]) == (
        "",
        "1000",
        "10000",
    )
    assert rows["JZ-2020-0003"]["投资额"] == "未披露"


def test_csv_dates_keep_their_precision(client, ledger):
    rows = {r["项目编号"]: r for r in csv_rows(client.get(reverse("tracker:project_export_csv")))}
    assert rows["JZ-2020-0001"]["签约日期"] == "2020-10-12"
    assert rows["JZ-2021-0002"]["签约日期"] == "2021-03"
    assert rows["JZ-2021-0002"]["开工日期"] == "2021-09"
    assert rows["JZ-2019-0005"]["签约日期"] == "2019"


def test_csv_names_district_region_event_and_partners_with_roles(client, ledger):
    rows = {r["项目编号"]: r for r in csv_rows(client.get(reverse("tracker:project_export_csv")))}
    row = rows["JZ-2020-0001"]
    assert (row["所属区县/功能区"], row["所属区域"]) == ("解放区", "5G产业园")
    assert row["签约活动"] == "教育装备产业专题招商推介暨项目签约活动"
    assert (
        row["合作方（角色）"]
        == "深圳市腾讯计算机系统有限公司（投资方）；河南理工大学（科研合作方）"
    )


def test_exports_apply_the_lists_filters(client, ledger):
    params = {"region": "jiefang", "stage": ["signed", "operating"]}
    rows = csv_rows(client.get(reverse("tracker:project_export_csv"), params))
    assert [r["项目编号"] for r in rows] == ["JZ-2020-0001", "JZ-2019-0005"]


def test_exports_refuse_bad_filters_with_a_message(client, ledger):
    response = client.get(reverse("tracker:project_export_csv"), {"amount_min": "abc"})
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()
    assert "投资额不低于" in response.content.decode()


def test_csv_text_never_runs_as_a_spreadsheet_formula(client, db):
    make.project(region=make.region(), name="=HYPERLINK(1)", summary="+1", code="JZ-2020-0500")
    (row,) = csv_rows(client.get(reverse("tracker:project_export_csv")))
    assert row["项目名称"] == "'=HYPERLINK(1)"
    assert row["建设内容"] == "'+1"


def test_xlsx_holds_the_same_rows_with_numeric_amounts(client, ledger):
    response = client.get(reverse("tracker:project_export_xlsx"), {"ordering": "-amount"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert list(rows[0]) == HEADER
    assert [r[0] for r in rows[1:]] == [
        "JZ-2020-0001",
        "JZ-2021-0002",
        "JZ-2019-0005",
        "JZ-2021-0004",  # undisclosed last, newer code first
        "JZ-2020-0003",
    ]
    assert rows[1][7] == 105000
    assert rows[4][7] is None


def test_xlsx_text_never_becomes_a_formula(client, db):
    make.project(region=make.region(), name="=1+1", code="JZ-2020-0501")
    sheet = load_workbook(io.BytesIO(client.get(reverse("tracker:project_export_xlsx")).content))
    cell = sheet.active["B2"]
    # The same apostrophe as the CSV and the staff ledger: one rule for every file.
    assert (cell.value, cell.data_type) == ("'=1+1", "s")


def test_xlsx_is_refused_above_its_row_limit(client, ledger, monkeypatch):
    monkeypatch.setattr("tracker.exports.XLSX_MAX_ROWS", 3)
    response = client.get(reverse("tracker:project_export_xlsx"))
    assert response.status_code == 400
    assert "CSV" in response.content.decode()
