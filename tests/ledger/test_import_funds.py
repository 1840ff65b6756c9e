"""到位资金 through a second sheet of the ledger: same parsing, same preview, same all-or-nothing."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.factories import HEADERS, ledger_row, make_project, make_user
from tracker.ledger.reader import read_upload
from tracker.models import FundsArrival, ImportBatch, Project
from tracker.permissions import EDITOR_GROUP
from tracker.services.ledger import project_import
from tracker.services.ledger_rollback import import_batch_rollback

FUNDS_HEADERS = ["项目编号", "项目名称", "到位时间", "到位金额（万元）", "资金来源", "备注"]


def workbook(ledger_rows, funds_rows, *, funds_headers=FUNDS_HEADERS, cover=False) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "项目台账"
    sheet.append(list(HEADERS))
    for row in ledger_rows:
        sheet.append(row)
    funds = book.create_sheet("到位资金")
    funds.append(["2021年到位资金情况"])  # a title row, as offices write one
    funds.append(funds_headers)
    for row in funds_rows:
        funds.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(data, user=None, dry_run=False):
    return project_import(
        rows=read_upload("台账.xlsx", data), file_name="台账.xlsx", user=user, dry_run=dry_run
    )


def errors(outcome):
    return [
        (row.number, column, message)
        for row in outcome.plan.funds
        for column, message in row.errors
    ]


@pytest.fixture
def project(world):
    return make_project(world, code="JZ-2021-0001", investment=Decimal("20000"))


def test_funds_rows_are_written_with_the_projects_and_point_at_the_batch(world, boss, project):
    data = workbook(
        [ledger_row(code="JZ-2021-0009", name="同表新项目", signed_on="2021-02-01")],
        [
            ["JZ-2021-0001", "", "2021年6月", "3000", "市外省内", "首笔"],
            ["JZ-2021-0001", "", "2021-07", "0.2亿元", "境外", ""],
            ["JZ-2021-0009", "同表新项目", date(2021, 8, 15), 500, "本市", ""],
        ],
    )
    outcome = run(data, user=boss)
    assert outcome.applied, errors(outcome)
    rows = sorted(
        FundsArrival.objects.values_list("project__code", "month", "origin", "amount", "note")
    )
    assert rows == [
        ("JZ-2021-0001", date(2021, 6, 1), "province", Decimal("3000"), "首笔"),
        ("JZ-2021-0001", date(2021, 7, 1), "foreign", Decimal("2000"), ""),
        ("JZ-2021-0009", date(2021, 8, 1), "city", Decimal("500"), ""),
    ]
    assert set(FundsArrival.objects.values_list("import_batch", flat=True)) == {outcome.batch.pk}
    assert FundsArrival.history.filter(import_batch=outcome.batch).count() == 3


def test_a_resent_sheet_updates_a_figure_instead_of_adding_it(world, boss, project):
    first = workbook([], [["JZ-2021-0001", "", "2021年6月", "3000", "省外", ""]])
    assert run(first, user=boss).applied
    again = workbook([], [["JZ-2021-0001", "", "2021年6月", "3500", "省外", "更正"]])
    outcome = run(again, user=boss)
    assert outcome.applied and [r.action for r in outcome.plan.funds] == ["update"]
    assert list(FundsArrival.objects.values_list("amount", "note")) == [(Decimal("3500"), "更正")]
    unchanged = run(again, user=boss)
    assert [r.action for r in unchanged.plan.funds] == ["unchanged"]


@pytest.mark.parametrize(
    "cells,column,words",
    [
        (["JZ-2099-0001", "", "2021年6月", "3000", "省外", ""], "项目编号", "没有编号"),
        (["", "", "2021年6月", "3000", "省外", ""], "项目编号", "请填写项目编号"),
        (["JZ-2021-0001", "", "2021年", "3000", "省外", ""], "到位月份", "写到月份"),
        (
            ["JZ-2021-0001", "", "2021年6月", "1000万至2000万", "省外", ""],
            "到位金额（万元）",
            "一个金额",
        ),
        (["JZ-2021-0001", "", "2021年6月", "3000", "火星", ""], "资金来源", "市内"),
    ],
)
def test_a_bad_funds_row_refuses_the_whole_file_naming_row_and_column(
    world, boss, project, cells, column, words
):
    before = Project.objects.count()
    data = workbook([ledger_row(name="好的新项目")], [cells])
    outcome = run(data, user=boss)
    assert not outcome.applied and outcome.batch.status == ImportBatch.Status.REJECTED
    [(number, found_column, message)] = errors(outcome)
    assert (number, found_column) == (3, column) and words in message
    assert Project.objects.count() == before and not FundsArrival.objects.exists()


def test_the_same_project_month_and_origin_twice_is_an_error(world, boss, project):
    row = ["JZ-2021-0001", "", "2021年6月", "3000", "省外", ""]
    outcome = run(workbook([], [row, row]), user=boss)
    assert not outcome.applied
    assert [number for number, _c, _m in errors(outcome)] == [4]


def test_an_editor_records_funds_only_for_their_district(world, project):
    other = make_project(world, code="JZ-2021-0002", region=world.shanyang)
    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])
    data = workbook(
        [],
        [
            ["JZ-2021-0001", "", "2021年6月", "3000", "省外", ""],
            [other.code, "", "2021年6月", "3000", "省外", ""],
        ],
    )
    outcome = run(data, user=editor)
    assert [(n, "无权" in m) for n, _c, m in errors(outcome)] == [(4, True)]


def test_the_preview_lists_the_funds_rows_and_their_errors(staff, world, project):
    data = workbook(
        [],
        [
            ["JZ-2021-0001", "", "2021年6月", "3000", "省外", ""],
            ["JZ-2021-0001", "", "2021年7月", "3000", "火星", ""],
        ],
    )
    page = staff.post(
        reverse("admin:tracker_project_import"),
        {"import_file": SimpleUploadedFile("台账.xlsx", data)},
    ).content.decode()
    assert "到位资金（工作表“到位资金”）第 4 行 · 资金来源" in page
    assert 'id="funds-preview"' in page and "2021年6月" in page and "3000万元" in page


def test_rolling_the_batch_back_removes_its_funds_and_restores_the_changed_ones(
    world, boss, project
):
    first = run(workbook([], [["JZ-2021-0001", "", "2021年6月", "3000", "省外", ""]]), user=boss)
    second = run(
        workbook(
            [],
            [
                ["JZ-2021-0001", "", "2021年6月", "3500", "省外", ""],
                ["JZ-2021-0001", "", "2021年7月", "800", "市内", ""],
            ],
        ),
        user=boss,
    )
    assert first.applied and second.applied
    counts = import_batch_rollback(batch=second.batch, user=boss)
    assert counts["funds"] == 2
    assert list(FundsArrival.objects.values_list("month", "amount")) == [
        (date(2021, 6, 1), Decimal("3000"))
    ]


def test_the_template_carries_an_empty_funds_sheet_and_explains_it(staff, world):
    response = staff.get(reverse("admin:tracker_project_ledger_template"))
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book["到位资金"][1]][:4] == [
        "项目编号",
        "项目名称",
        "到位月份",
        "到位金额（万元）",
    ]
    notes = " ".join(
        str(c) for row in book["填写说明"].iter_rows(values_only=True) for c in row if c
    )
    assert "到位资金" in notes and "市外省内" in notes
    # Filled in as it comes, the template imports (its funds sheet has no rows yet).
    assert run(response.content, dry_run=True).plan.funds == []
