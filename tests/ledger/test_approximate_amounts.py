"""约2亿元 is stored as 20,000 万元 with an "approximate" flag and read 约… wherever it is shown."""

from decimal import Decimal

import pytest
from django.utils import translation

from tests.factories import csv_bytes, ledger_row, make_project
from tracker.exports import project_rows
from tracker.formatting import format_project_amount
from tracker.ledger import exporter
from tracker.ledger.parsers import parse_amount
from tracker.ledger.reader import read_upload
from tracker.models import Project
from tracker.services.ledger import project_import


@pytest.mark.parametrize("written", ["约2亿元", "近2亿", "2亿元左右", "大约2亿元"])
def test_approximate_figures_keep_the_figure_and_say_so(written):
    amount = parse_amount(written)
    assert (amount.investment, amount.approximate) == (Decimal("20000"), True)


@pytest.mark.parametrize("written", ["2亿元", "20000", "超2亿元", "1-2亿"])
def test_exact_figures_and_bands_are_not_approximate(written):
    assert parse_amount(written).approximate is False


def _import(table):
    outcome = project_import(rows=read_upload("台账.csv", csv_bytes(table)), file_name="台账.csv")
    assert outcome.applied, [row.errors for row in outcome.plan.rows]
    return outcome


def test_an_imported_approximate_amount_is_stored_flagged_and_shown_as_about(world):
    _import([ledger_row(name="约数项目", investment="约2亿元")])
    project = Project.objects.get(name="约数项目")
    assert (project.investment, project.investment_approximate) == (Decimal("20000"), True)
    assert format_project_amount(project) == "约2亿元"
    with translation.override("en"):
        assert format_project_amount(project) == "about 200 million yuan"


def test_the_ledger_export_writes_the_figure_as_about_and_reimports_unchanged(world):
    make_project(
        world, code="JZ-2020-0001", investment=Decimal("20000"), investment_approximate=True
    )
    make_project(world, code="JZ-2020-0002", investment=Decimal("30000"))
    rows = list(exporter.ledger_rows(Project.objects.all(), native=True))
    assert [row[6] for row in rows] == ["约20000", 30000]
    before = Project.history.count()
    outcome = _import([[str(cell) for cell in row] for row in rows])
    assert outcome.plan.counts["unchanged"] == 2 and Project.history.count() == before


def test_changing_only_the_approximate_mark_is_a_change_the_preview_shows(world):
    make_project(world, code="JZ-2020-0001", investment=Decimal("20000"))
    project = Project.objects.get()
    outcome = _import([ledger_row(code=project.code, name=project.name, investment="约2亿元")])
    [change] = [c for c in outcome.plan.rows[0].changes if c.column == "总投资（万元）"]
    assert (change.old, change.new) == ("2亿元", "约2亿元")
    assert Project.objects.get().investment_approximate


def test_the_open_data_file_reads_about_in_its_amount_text(world):
    make_project(
        world, code="JZ-2020-0001", investment=Decimal("20000"), investment_approximate=True
    )
    [row] = list(project_rows(Project.objects.all()))
    assert "约2亿元" in row
