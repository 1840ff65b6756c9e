"""Exporting the ledger: canonical columns, cells that import back, formula escaping, CSV with BOM."""

import io
from datetime import date
from decimal import Decimal

import pytest

from tests.factories import add_partner, make_project, read_xlsx
from tracker.ledger import exporter
from tracker.ledger.columns import HEADERS
from tracker.models import Project, Region


def xlsx_rows(queryset=None):
    out = io.BytesIO()
    exporter.write_xlsx(exporter.ledger_rows(queryset or Project.objects.all(), native=True), out)
    return read_xlsx(out.getvalue())


def csv_text(queryset=None):
    return "".join(
        exporter.iter_csv(exporter.ledger_rows(queryset or Project.objects.all(), native=False))
    )


def test_xlsx_has_the_canonical_headers_and_native_numbers_and_dates(world):
    project = make_project(world, investment=Decimal("105000"), signed_on=date(2020, 10, 12))
    add_partner(project, world.mudu, role="investor")
    header, row = xlsx_rows()
    assert tuple(header) == HEADERS
    assert row[:6] == ["JZ-2020-0001", "项目JZ-2020-0001", "解放区", "数字经济", "已签约", "正常"]
    assert row[6] == 105000
    assert row[7].date() == date(2020, 10, 12)
    assert row[9] == "木铎（广州）教育科技有限公司（投资方）"
    assert row[13] == "是"


def test_bands_partial_dates_and_undisclosed_amounts_are_written_as_text(world):
    make_project(
        world,
        code="JZ-2020-0001",
        investment=None,
        investment_low=Decimal("1000"),
        investment_high=Decimal("10000"),
        signed_on=date(2020, 9, 1),
        signed_on_precision="month",
    )
    make_project(
        world,
        code="JZ-2020-0002",
        investment=None,
        signed_on=date(2020, 1, 1),
        signed_on_precision="year",
    )
    _header, first, second = xlsx_rows()
    assert (first[6], first[7]) == ("1000万元至1亿元", "2020年9月")
    assert (second[6], second[7]) == ("未披露", "2020年")


@pytest.mark.parametrize("text", ["=1+1", "+86-391", "-2", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_text_cells_a_spreadsheet_would_run_are_escaped(world, text):
    make_project(world, name=text, summary=text, leader=text, responsible_unit=text)
    row = xlsx_rows()[1]
    # XML reads a bare CR back as LF; the quote in front is what matters.
    expected = "'" + text.replace("\r", "\n")
    assert row[1] == row[10] == row[11] == row[12] == expected
    assert f"'{text}" in csv_text()


def test_a_partner_name_that_looks_like_a_formula_is_escaped(world):
    from tracker.models import Organization

    project = make_project(world)
    add_partner(project, Organization.objects.create(name="=HYPERLINK(1)"))
    assert xlsx_rows()[1][9].startswith("'=HYPERLINK")


def test_csv_is_utf8_with_bom_and_streams_in_pieces(world):
    for i in range(1, 4):
        make_project(world, code=f"JZ-2020-{i:04d}")
    pieces = list(exporter.iter_csv(exporter.ledger_rows(Project.objects.all(), native=False)))
    assert pieces[0].startswith("\ufeff项目编号,")
    assert len(pieces) == 2  # header, then one chunk of rows
    assert "2020-10-12" in pieces[1] and "50000" in pieces[1]


def test_csv_memory_does_not_hold_the_whole_export(world, monkeypatch):
    monkeypatch.setattr(exporter, "CHUNK", 2)
    for i in range(1, 6):
        make_project(world, code=f"JZ-2020-{i:04d}")
    pieces = list(exporter.iter_csv(exporter.ledger_rows(Project.objects.all(), native=False)))
    assert len(pieces) == 1 + 3


def test_a_region_name_shared_by_two_regions_is_exported_as_its_slug(world):
    twin = Region.objects.create(
        name="解放区", slug="jiefang-2", kind="district", parent=world.shanyang
    )
    make_project(world, code="JZ-2020-0001", region=twin)
    make_project(world, code="JZ-2020-0002", region=world.shanyang)
    rows = xlsx_rows()
    assert [r[2] for r in rows[1:]] == ["jiefang-2", "山阳区"]


def test_the_export_command_filters_by_region_subtree_stage_and_year(world, tmp_path):
    from django.core.management import call_command

    make_project(world, code="JZ-2020-0001", region=world.park, stage="signed")
    make_project(world, code="JZ-2020-0002", region=world.shanyang, stage="signed")
    make_project(
        world, code="JZ-2018-0001", region=world.jiefang, stage="lead", signed_on=date(2018, 3, 1)
    )
    target = tmp_path / "out.xlsx"
    call_command("export_ledger", str(target), region="解放区", stage="已签约", verbosity=0)
    assert [r[0] for r in read_xlsx(target.read_bytes())[1:]] == ["JZ-2020-0001"]
    call_command("export_ledger", str(target), year=2018, verbosity=0)
    assert [r[0] for r in read_xlsx(target.read_bytes())[1:]] == ["JZ-2018-0001"]
    csv_target = tmp_path / "out.csv"
    call_command("export_ledger", str(csv_target), region="jiaozuo", verbosity=0)
    assert csv_target.read_bytes().startswith("\ufeff项目编号".encode())
    assert len(csv_target.read_text(encoding="utf-8-sig").splitlines()) == 1 + 3
