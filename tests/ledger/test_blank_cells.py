"""One rule for blank cells in every column: blank keeps what is stored, （清空） clears it."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import add_partner, csv_bytes, ledger_row, make_project
from tracker.ledger.reader import read_upload
from tracker.models import Project
from tracker.services.ledger import project_import

OPTIONAL = [
    "industry",
    "investment",
    "signed_on",
    "event",
    "partners",
    "summary",
    "leader",
    "unit",
    "started_on",
    "operating_on",
    "planned_operation_on",
]


def run(table):
    return project_import(rows=read_upload("台账.csv", csv_bytes(table)), file_name="台账.csv")


@pytest.fixture
def stored(world):
    project = make_project(
        world,
        code="JZ-2020-0001",
        event=world.fair,
        started_on=date(2021, 3, 1),
        operating_on=date(2022, 3, 1),
        planned_operation_on=date(2022, 1, 1),
        stage="operating",
    )
    add_partner(project, world.mudu, role="investor")
    return project


def _state(project):
    project.refresh_from_db()
    return (
        project.industry_id,
        project.investment,
        project.signed_on,
        project.event_id,
        project.summary,
        project.leader,
        project.responsible_unit,
        project.started_on,
        project.operating_on,
        project.planned_operation_on,
        sorted(project.project_partners.values_list("organization_id", "role")),
    )


def test_a_sheet_with_every_optional_column_left_blank_changes_nothing(stored):
    before = _state(stored)
    row = ledger_row(
        code=stored.code,
        name=stored.name,
        stage="",
        status="",
        public="",
        **dict.fromkeys(OPTIONAL, ""),
    )
    outcome = run([row])
    assert outcome.applied and outcome.plan.counts["unchanged"] == 1
    assert _state(stored) == before


def test_the_clear_mark_empties_each_optional_column(stored):
    row = ledger_row(
        code=stored.code,
        name=stored.name,
        stage="已投产",
        **dict.fromkeys(OPTIONAL, "（清空）"),
    )
    outcome = run([row])
    assert outcome.applied, outcome.plan.rows[0].errors
    assert _state(stored) == (None, None, None, None, "", "", "", None, None, None, [])
    # An amount cleared is undisclosed, never 0.
    assert Project.objects.get(pk=stored.pk).investment_low is None


@pytest.mark.parametrize(
    "column,header",
    [
        ("name", "项目名称"),
        ("region", "所属区域"),
        ("stage", "项目阶段"),
        ("status", "项目状态"),
        ("public", "是否公开"),
    ],
)
def test_a_column_that_must_have_a_value_refuses_the_clear_mark(stored, column, header):
    outcome = run([ledger_row(code=stored.code, **{column: "（清空）"})])
    assert not outcome.applied
    assert [column_ for column_, _m in outcome.plan.rows[0].errors] == [header]


def test_a_new_row_with_blank_optional_cells_starts_from_the_defaults(world):
    outcome = run(
        [ledger_row(name="空白较多的新项目", stage="线索", **dict.fromkeys(OPTIONAL, ""))]
    )
    assert outcome.applied, outcome.plan.rows[0].errors
    project = Project.objects.get(name="空白较多的新项目")
    assert project.investment is None and project.summary == "" and project.event_id is None
    assert not project.project_partners.exists()


def test_a_half_width_clear_mark_counts_too(stored):
    row = ledger_row(code=stored.code, name=stored.name, stage="已投产", summary="(清空)")
    outcome = run([row])
    assert outcome.applied, outcome.plan.rows[0].errors
    stored.refresh_from_db()
    assert stored.summary == "" and stored.investment == Decimal("50000")


def test_the_template_states_the_blank_cell_rule(staff, world):
    response = staff.get(reverse("admin:tracker_project_ledger_template"))
    notes = load_workbook(io.BytesIO(response.content))["填写说明"]
    text = "\n".join(
        " ".join(str(c) for c in row if c) for row in notes.iter_rows(values_only=True)
    )
    assert "留空表示保留原有内容" in text and "（清空）" in text
