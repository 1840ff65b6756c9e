"""The ledgers district offices really send: title rows, cover sheets, 序号, merged districts,
合计 rows, their own words for columns and stages, GBK CSV, files saved by WPS.

Each file is built here the way an office makes it, then imported through the admin upload
(the preview a clerk reads) and through the service (what is written).
"""

import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from tracker.ledger import parsers
from tracker.ledger.reader import read_upload
from tracker.ledger.safety import UnsafeFile
from tracker.models import Project
from tracker.services.ledger import project_import

IMPORT = "admin:tracker_project_import"
CONFIRM = "admin:tracker_project_process_import"

OFFICE_HEADERS = [
    "序号",
    "项目名称",
    "所属区域",
    "项目阶段",
    "项目状态",
    "投资额",
    "签约时间",
    "合作单位",
    # A move into 在建 needs its date (the stage table), so the office's sheet has one.
    "开工时间",
]


def office_workbook(*, cover=True, unit_note="单位：亿元", headers=OFFICE_HEADERS) -> Workbook:
    """A cover sheet, then the ledger: title, 填报单位/单位 note, header on row 3, 序号,
    解放区 merged over its three rows, a 小计 and a 合计 with =SUM, a blank row between."""
    book = Workbook()
    if cover:
        book.active.title = "封面"
        book.active["A1"] = "2021年重点招商项目台账"
        book.active["A3"] = "报送单位：解放区商务局"
        sheet = book.create_sheet("项目台账")
    else:
        sheet = book.active
        sheet.title = "项目台账"
    sheet.append(["2021年重点招商项目台账"])
    sheet.merge_cells("A1:H1")
    sheet.append([f"填报单位：解放区商务局        {unit_note}"])
    sheet.merge_cells("A2:H2")
    sheet.append(headers)
    sheet.append(
        [
            1,
            "碳纤维产业园项目",
            "解放区",
            "在建",
            "正常推进",
            2,
            date(2021, 3, 5),
            "甲公司",
            "2021年6月",
        ]
    )
    sheet.append([2, "智能装备项目", None, "已签", "正常", "约1.5", "2021年4月", "乙公司"])
    sheet.append([3, "数字经济产业园", None, "储备", None, None, None, None])
    sheet.merge_cells("C4:C6")
    sheet.append(["小计", None, None, None, None, "=SUM(F4:F6)"])
    sheet.merge_cells("A7:B7")
    sheet.append(
        [4, "新材料项目", "山阳区", "开工", "正常", 3, "2021-05-01", "丙公司", "2021-08-01"]
    )
    sheet.append([])
    sheet.append(["合计", None, None, None, None, "=SUM(F4:F8)"])
    return book


def saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_wps(data: bytes) -> bytes:
    """The file as WPS saves it: a <dimension> of one cell whatever the sheet holds."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', content)
            target.writestr(item, content)
    return out.getvalue()


def upload(client, data: bytes, name: str):
    return client.post(reverse(IMPORT), {"import_file": SimpleUploadedFile(name, data)})


def plan_of(data: bytes, name="台账.xlsx"):
    return project_import(rows=read_upload(name, data), file_name=name, dry_run=True).plan


# --- Finding the table -------------------------------------------------------------------------


def test_the_ledger_after_a_cover_sheet_and_a_title_is_found_and_the_preview_says_where(
    staff, world
):
    page = upload(staff, saved(office_workbook()), "解放区台账.xlsx").content.decode()
    assert "读取了工作表“项目台账”，表头在第 3 行。" in page
    assert "缺少必需的列" not in page
    assert "确认导入" in page


def test_a_unit_note_above_the_header_gives_bare_amounts_their_unit(world):
    plan = plan_of(saved(office_workbook()))
    assert plan.ok, [r.errors for r in plan.rows]
    investments = {row.name: row.values.get("investment") for row in plan.rows}
    assert investments["碳纤维产业园项目"] == Decimal("20000")
    assert investments["智能装备项目"] == Decimal("15000")  # 约1.5 in 亿元


def test_a_unit_in_the_header_wins_over_the_note(world):
    headers = [*OFFICE_HEADERS[:5], "投资额(万元)", *OFFICE_HEADERS[6:]]
    plan = plan_of(saved(office_workbook(unit_note="单位：亿元", headers=headers)))
    assert {row.name: row.values.get("investment") for row in plan.rows}["新材料项目"] == Decimal(
        "3"
    )


def test_a_workbook_without_the_ledger_header_says_where_it_looked(world):
    book = Workbook()
    book.active.append(["2021年重点招商项目台账"])
    book.active.append(["名称", "地方"])
    plan = plan_of(saved(book))
    assert "缺少必需的列" in plan.file_errors[0]
    assert plan.file_errors[1] == (
        "前 20 行中没有同时含“项目名称”和“所属区域”的表头行（每个工作表都找过）。"
    )


def test_a_tab_separated_file_with_a_title_line_is_read(world):
    lines = ["2021年重点招商项目台账", "项目名称\t所属区域\t项目阶段", "物流园项目\t山阳区\t在谈"]
    plan = plan_of("\n".join(lines).encode("utf-8"), name="台账.txt")
    assert plan.header_row == 2
    assert [(r.name, r.values["stage"]) for r in plan.rows] == [("物流园项目", "negotiating")]


# --- Rows that are not projects, merged cells ---------------------------------------------------


def test_totals_and_blank_rows_are_skipped_with_the_reason(world):
    plan = plan_of(saved(office_workbook()))
    assert [(s.number, s.reason) for s in plan.skipped] == [
        (7, "合计行"),
        (9, "空行"),
        (10, "合计行"),
    ]
    assert [row.number for row in plan.rows] == [4, 5, 6, 8]
    assert "序号" not in plan.ignored_columns


def test_the_templates_example_row_and_rows_with_only_a_serial_number_are_skipped(world):
    book = office_workbook(cover=False)
    sheet = book.active
    sheet.append(["示例", "示例：某某智能装备产业园项目", "解放区", "已签约", "正常", 5])
    sheet.append([6, None, None, None, None, None])
    plan = plan_of(saved(book))
    assert (11, "示例行") in [(s.number, s.reason) for s in plan.skipped]
    assert (12, "空行（没有项目内容）") in [(s.number, s.reason) for s in plan.skipped]
    assert plan.ok


def test_a_district_merged_over_its_rows_is_the_district_of_each_row(world):
    plan = plan_of(saved(office_workbook()))
    regions = {row.name: row.values["region_id"] for row in plan.rows}
    assert regions == {
        "碳纤维产业园项目": world.jiefang.pk,
        "智能装备项目": world.jiefang.pk,
        "数字经济产业园": world.jiefang.pk,
        "新材料项目": world.shanyang.pk,
    }


def test_a_merge_reaching_far_below_the_data_adds_no_rows(world):
    book = office_workbook(cover=False)
    book.active.unmerge_cells("C4:C6")
    book.active.merge_cells("C4:C200000")
    plan = plan_of(saved(book))
    assert [row.number for row in plan.rows] == [4, 5, 6, 8]


def test_a_sheet_with_more_merged_ranges_than_a_ledger_has_is_refused(world, monkeypatch):
    from tracker.ledger import xlsx

    monkeypatch.setattr(xlsx, "MAX_MERGES", 3)
    with pytest.raises(UnsafeFile, match="合并单元格过多"):
        plan_of(saved(office_workbook()))


# --- The office's words ------------------------------------------------------------------------


def test_office_headers_and_stage_words_are_read_as_the_ledger_columns(world):
    plan = plan_of(saved(office_workbook()))
    assert plan.ignored_columns == []
    by_name = {row.name: row for row in plan.rows}
    assert by_name["碳纤维产业园项目"].values["stage"] == "construction"  # 在建
    assert by_name["碳纤维产业园项目"].values["signed_on"] == date(2021, 3, 5)  # 签约时间
    assert by_name["碳纤维产业园项目"].partners == [("甲公司", "signatory")]  # 合作单位
    assert by_name["智能装备项目"].values["stage"] == "signed"  # 已签
    assert by_name["数字经济产业园"].values["stage"] == "lead"  # 储备
    assert by_name["新材料项目"].values["stage"] == "construction"  # 开工


@pytest.mark.parametrize(
    ("word", "stage"),
    [
        ("开工", "construction"),
        ("已开工", "construction"),
        ("在建", "construction"),
        ("落地", "construction"),
        ("在谈", "negotiating"),
        ("签约", "signed"),
        ("已签", "signed"),
        ("投产", "operating"),
        ("竣工", "operating"),
        ("储备", "lead"),
        ("谋划", "negotiating"),  # tracker/verbs.py: 谋划 supports no more than 洽谈
    ],
)
def test_stage_words_offices_use_are_read(world, word, stage):
    book = office_workbook(cover=False)
    book.active["D4"] = word
    plan = plan_of(saved(book))
    assert plan.rows[0].values["stage"] == stage, plan.rows[0].errors


def test_status_words_offices_use_are_read(world):
    book = office_workbook(cover=False)
    book.active["E4"] = "暂停"
    book.active["D4"] = "已签约"
    book.active.append([5, "停工项目", "山阳区", "已签约", "搁置", 1, "2021-05-01", "丁公司", ""])
    plan = plan_of(saved(book))
    statuses = {row.name: row.values.get("status") for row in plan.rows}
    assert statuses["碳纤维产业园项目"] == statuses["停工项目"] == "stalled"


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("约2亿元", parsers.Amount(investment=Decimal("20000"), approximate=True)),
        ("近1亿", parsers.Amount(investment=Decimal("10000"), approximate=True)),
        ("2亿元左右", parsers.Amount(investment=Decimal("20000"), approximate=True)),
        ("超5000万", parsers.Amount(low=Decimal("5000"))),
        ("逾2亿元", parsers.Amount(low=Decimal("20000"))),
        ("2亿多元", parsers.Amount(low=Decimal("20000"))),
        ("1000余万元", parsers.Amount(low=Decimal("1000"))),
        ("约2亿元以上", parsers.Amount(low=Decimal("20000"))),
        ("不超过1亿元", parsers.Amount(high=Decimal("10000"))),
    ],
)
def test_approximate_amounts_are_read(written, amount):
    assert parsers.parse_amount(written) == amount


def test_an_unknown_header_that_looks_like_a_known_one_is_a_warning_before_confirming(staff, world):
    headers = [*OFFICE_HEADERS, "主要建设内容及规模"]
    page = upload(staff, saved(office_workbook(headers=headers)), "台账.xlsx").content.decode()
    assert "表头“主要建设内容及规模”未能识别，看起来像“建设内容”" in page
    assert "确认前请先查看上面的提示" in page and "确认导入" in page


def test_a_header_one_typing_slip_from_a_known_one_is_a_warning(world):
    headers = [*OFFICE_HEADERS[:6], "签约日起", "合作单位"]
    plan = plan_of(saved(office_workbook(headers=headers)))
    assert plan.warnings == [
        "表头“签约日起”未能识别，看起来像“签约日期”：这一列不会导入；"
        "如需导入，请把表头改为“签约日期”后重新上传。"
    ]


def test_an_unrelated_extra_column_is_ignored_without_a_warning(world):
    plan = plan_of(saved(office_workbook(headers=[*OFFICE_HEADERS, "备注"])))
    assert (plan.ignored_columns, plan.warnings) == (["备注"], [])


# --- Whole files, through the admin and the service ---------------------------------------------


def test_an_office_workbook_imports_through_the_admin(staff, world):
    response = upload(staff, saved(office_workbook()), "解放区台账.xlsx")
    page = response.content.decode()
    assert "第 7 行：合计行" in page and "第 9 行：空行" in page
    batch = response.context["batch"]
    staff.post(reverse(CONFIRM), {"token": str(batch.token)})
    projects = {p.name: p for p in Project.objects.select_related("region")}
    assert set(projects) == {"碳纤维产业园项目", "智能装备项目", "数字经济产业园", "新材料项目"}
    assert projects["数字经济产业园"].region == world.jiefang
    assert projects["智能装备项目"].investment == Decimal("15000")
    assert projects["智能装备项目"].signed_on == date(2021, 4, 1)


def test_a_workbook_saved_by_wps_imports_through_the_service(world, boss):
    data = as_wps(saved(office_workbook()))
    outcome = project_import(rows=read_upload("台账.xlsx", data), file_name="台账.xlsx", user=boss)
    assert outcome.applied, [r.errors for r in outcome.plan.rows]
    assert Project.objects.count() == 4
    assert outcome.batch.created_count == 4


def gbk_csv() -> bytes:
    lines = [
        "2021年重点招商项目台账,,,,,,,",
        "填报单位：山阳区商务局  单位：万元,,,,,,,",
        "序号,项目名称,所属区域,项目阶段,总投资（亿元）,签约时间,合作方,开工时间",
        "1,光伏组件项目,山阳区,已开工,2,2021-06-01,戊公司,2021-09-01",
        "2,物流园项目,山阳区,在谈,近1,,,",
        "合计,,,,3,,,",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def test_a_gbk_csv_with_a_title_line_imports_through_the_admin(staff, world):
    response = upload(staff, gbk_csv(), "山阳区.csv")
    page = response.content.decode()
    assert "表头在第 3 行。" in page and "第 6 行：合计行" in page
    staff.post(reverse(CONFIRM), {"token": str(response.context["batch"].token)})
    stored = dict(Project.objects.values_list("name", "investment"))
    # The header's 亿元 wins over the note's 万元.
    assert stored == {"光伏组件项目": Decimal("20000"), "物流园项目": Decimal("10000")}
    assert Project.objects.get(name="物流园项目").stage == "negotiating"


def test_a_gbk_csv_with_a_title_line_imports_through_the_service(world, boss):
    outcome = project_import(rows=read_upload("山阳区.csv", gbk_csv()), file_name="山阳区.csv")
    assert outcome.applied
    assert outcome.plan.header_row == 3
    assert [s.number for s in outcome.plan.skipped] == [6]
    assert outcome.batch.row_count == 2


def test_the_import_command_reports_the_sheet_the_skipped_rows_and_the_warnings(world, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "解放区台账.xlsx"
    path.write_bytes(saved(office_workbook(headers=[*OFFICE_HEADERS, "主要建设内容及规模"])))
    out = io.StringIO()
    call_command("import_ledger", str(path), "--dry-run", stdout=out)
    report = out.getvalue()
    assert "工作表：项目台账，表头在第 3 行" in report
    assert "第 7 行\t跳过\t合计行" in report
    assert "注意：表头“主要建设内容及规模”未能识别" in report
