"""Reading an upload stays within a budget: blank-row runs end a sheet; rows, cells, time are capped.

The hostile files are written here by hand, XML and all, as office suites and
small generators write them, and stay a few kilobytes to a few megabytes in
memory. No test times anything: each asserts how much was read (the
``ReadBudget``'s counters, or openpyxl's own parse calls) and what was said.
"""

import io
import itertools
import zipfile
from datetime import timedelta
from xml.sax.saxutils import escape

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from openpyxl.utils import get_column_letter

from tests.factories import csv_bytes, ledger_row, xlsx_bytes
from tracker.ledger import safety
from tracker.ledger.columns import HEADERS
from tracker.ledger.reader import read_upload
from tracker.ledger.safety import BLANK_RUN, ReadBudget, UnsafeFile
from tracker.models import ImportBatch
from tracker.services.ledger import project_import_preview

# --- Files written by hand --------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def row_xml(number: int, values) -> bytes:
    cells = "".join(
        f'<c r="{get_column_letter(i)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
        for i, v in enumerate(values, start=1)
        if v not in (None, "")
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def styled_blank_rows(first: int, count: int) -> bytes:
    """Rows Excel keeps after formatting a range: cells with a style and no value."""
    return b"".join(
        f'<row r="{r}">'.encode()
        + b"".join(f'<c r="{get_column_letter(c)}{r}" s="1"/>'.encode() for c in range(1, 15))
        + b"</row>"
        for r in range(first, first + count)
    )


def sheet_xlsx(*rows: bytes, dimension: str = "") -> bytes:
    """An xlsx whose only sheet holds ``rows`` (the XML of ``<row>`` elements) as given."""
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
        f"{head}<sheetData>".encode()
        + b"".join(rows)
        + b"</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in _PARTS.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>\n' + xml)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def ledger_xlsx(*tail: bytes, rows=1, dimension="") -> bytes:
    """The header, ``rows`` good ledger rows, then ``tail``."""
    body = [row_xml(1, HEADERS)]
    body += [row_xml(n, ledger_row(name=f"项目{n}")) for n in range(2, rows + 2)]
    return sheet_xlsx(*body, *tail, dimension=dimension)


def read_all(name: str, data: bytes, budget: ReadBudget | None = None):
    table = read_upload(name, data, budget)
    return list(table.rows), table.budget


def refused(name: str, data: bytes, budget: ReadBudget | None = None) -> str:
    with pytest.raises(UnsafeFile) as error:
        read_all(name, data, budget)
    return error.value.message


class ParseSpy:
    """Counts the XML rows openpyxl parses, opening the workbook included."""

    def __init__(self, monkeypatch):
        from openpyxl.worksheet._reader import WorkSheetParser

        self.rows = 0
        original = WorkSheetParser.parse_row

        def parse_row(parser, element):
            self.rows += 1
            return original(parser, element)

        monkeypatch.setattr(WorkSheetParser, "parse_row", parse_row)
        self.events = 0
        import openpyxl.worksheet._reader as sheet_reader

        real_iterparse = sheet_reader.iterparse

        def iterparse(source, *args, **kwargs):
            for event in real_iterparse(source, *args, **kwargs):
                self.events += 1
                yield event

        monkeypatch.setattr(sheet_reader, "iterparse", iterparse)


# --- Blank rows ---------------------------------------------------------------------------------


def test_a_row_numbered_43_million_ends_the_sheet_after_a_thousand_blank_rows():
    data = ledger_xlsx(row_xml(43_000_000, ["远处的一行"]))
    assert len(data) < 4096
    rows, budget = read_all("gap.xlsx", data)
    assert [number for number, _ in rows] == [2]
    # openpyxl fills the gap with empty rows; the reader stops a thousand in.
    assert budget.scanned == 1 + 1 + BLANK_RUN
    assert budget.blanks == BLANK_RUN


def test_styled_blank_rows_below_the_data_are_read_only_a_thousand_deep(monkeypatch):
    data = ledger_xlsx(styled_blank_rows(4, 20_000), rows=2)
    spy = ParseSpy(monkeypatch)
    rows, budget = read_all("formatted.xlsx", data)
    assert len(rows) == 2
    assert budget.scanned == 1 + 2 + BLANK_RUN
    # Opening the workbook does not parse the dimensionless sheet in full to size it.
    assert spy.rows < 2 * BLANK_RUN
    assert spy.events < 20_000


def test_millions_of_self_closing_rows_are_not_all_read(monkeypatch):
    blank = b"".join(b'<row r="%d"/>' % r for r in range(3, 500_000))
    data = ledger_xlsx(blank)
    assert len(data) < safety.MAX_BYTES
    spy = ParseSpy(monkeypatch)
    rows, budget = read_all("rows.xlsx", data)
    assert len(rows) == 1
    assert budget.scanned == 1 + 1 + BLANK_RUN
    assert spy.rows < 3 * BLANK_RUN


def test_a_declared_range_far_below_the_data_is_not_an_error():
    # Excel's used range takes in formatted blank cells: A1:N60000 is not 60,000 rows of data.
    data = ledger_xlsx(styled_blank_rows(3, 3_000), dimension="A1:N60000")
    rows, _budget = read_all("formatted.xlsx", data)
    assert len(rows) == 1


def test_a_declared_range_taller_than_excel_allows_is_refused_before_it_is_opened(monkeypatch):
    assert ledger_xlsx(dimension=f"A1:N{safety.EXCEL_ROWS}")  # the tallest Excel sheet passes
    data = ledger_xlsx(dimension="A1:N43000000")
    spy = ParseSpy(monkeypatch)
    assert "超过 50,000 行" in refused("lie.xlsx", data)
    assert spy.rows == 0


def test_data_after_a_thousand_blank_rows_is_past_the_end_of_the_sheet():
    data = ledger_xlsx(styled_blank_rows(3, BLANK_RUN), row_xml(BLANK_RUN + 3, ledger_row()))
    rows, _budget = read_all("gap.xlsx", data)
    assert [number for number, _ in rows] == [2]


@pytest.mark.django_db
def test_a_ledger_with_twenty_blank_rows_in_the_middle_and_many_below_imports_every_row(
    world, boss
):
    blank = [[None] * len(HEADERS)] * 20
    data = xlsx_bytes([ledger_row(name="甲"), *blank, ledger_row(name="乙")])
    outcome = project_import_preview(data=data, file_name="台账.xlsx", user=boss)
    assert outcome.plan.ok
    assert [(row.number, row.action) for row in outcome.plan.rows] == [(2, "new"), (23, "new")]

    trailing = ledger_xlsx(styled_blank_rows(5, 5_000), rows=3)
    outcome = project_import_preview(data=trailing, file_name="台账.xlsx", user=boss)
    assert outcome.plan.ok and len(outcome.plan.rows) == 3


# --- Cells ----------------------------------------------------------------------------------------


def test_a_row_wider_than_excel_allows_is_refused_before_openpyxl_builds_it(monkeypatch):
    cells = b"".join(b'<c s="%d"/>' % (n % 7) for n in range(safety.MAX_COLUMNS + 100))
    data = ledger_xlsx(b'<row r="3">' + cells + b"</row>")
    spy = ParseSpy(monkeypatch)
    message = refused("wide.xlsx", data)
    assert "超过 16,384 个单元格" in message and "重新保存" in message
    assert spy.rows <= 2  # the header and the good row; never the wide one


def test_more_cells_than_the_budget_are_refused_with_the_row_reached():
    data = csv_bytes([ledger_row(name=f"项目{n}") for n in range(30)])
    budget = ReadBudget(max_cells=200)
    message = refused("many.csv", data, budget)
    reached = 200 // len(HEADERS) + 1  # the header row counts: its cells are read too
    assert "单元格过多" in message and f"第 {reached} 行" in message
    assert budget.scanned == reached


def test_an_xlsx_with_more_cells_than_the_budget_is_refused_before_its_rows_are_parsed(
    monkeypatch,
):
    spy = ParseSpy(monkeypatch)
    message = refused("many.xlsx", ledger_xlsx(rows=30), ReadBudget(max_cells=200))
    assert "单元格过多" in message
    assert spy.rows == 0


def test_cells_repeated_in_the_xml_count_even_when_they_fold_into_one_column():
    repeated = b"".join(
        b'<row r="%d">' % r + b'<c r="A%d" s="1"/>' % r * 500 + b"</row>" for r in range(3, 40)
    )
    budget = ReadBudget(max_cells=5_000)
    assert "单元格过多" in refused("dup.xlsx", ledger_xlsx(repeated), budget)
    assert budget.xml_cells < 5_000 + 64 * 1024  # what openpyxl had read ahead, at most


def test_a_csv_row_with_a_million_columns_is_refused():
    data = csv_bytes([["甲"] + [""] * 1_000_000], headers=["项目名称"])
    assert "过长" in refused("wide.csv", data)


# --- Time ---------------------------------------------------------------------------------------


def test_reading_past_the_deadline_is_refused_with_the_row_reached():
    ticks = itertools.count()
    budget = ReadBudget(seconds=5, clock=lambda: next(ticks))
    data = csv_bytes([ledger_row(name=f"项目{n}") for n in range(100)])
    message = refused("slow.csv", data, budget)
    assert "超过 5 秒" in message and "分批导入" in message and "import_ledger" in message
    assert budget.scanned == 6


@pytest.mark.django_db
def test_the_admin_preview_reads_within_the_configured_deadline(world, boss, settings):
    settings.LEDGER_READ_SECONDS = 0
    data = csv_bytes([ledger_row()])
    with pytest.raises(UnsafeFile, match="超过 0 秒"):
        project_import_preview(data=data, file_name="台账.csv", user=boss)
    assert not ImportBatch.objects.exists()


# --- CSV ---------------------------------------------------------------------------------------------


def test_millions_of_blank_csv_lines_end_the_table_after_a_thousand():
    after = ",".join(ledger_row(name="空行之后")).encode()
    data = csv_bytes([ledger_row()]) + b"\r\n" * 2_000_000 + after
    rows, budget = read_all("blank.csv", data)
    assert len(rows) == 1
    assert budget.scanned == 1 + 1 + BLANK_RUN


def test_one_gigantic_csv_line_is_refused_before_it_is_split():
    data = csv_bytes([ledger_row(summary="很长" * 1_000_000)])
    assert len(data) < safety.MAX_BYTES
    message = refused("long.csv", data)
    assert "第 2 行过长" in message and "100,000" in message


def test_a_nul_after_the_first_eight_kilobytes_of_a_csv_is_refused_with_its_line():
    rows = [ledger_row(name=f"项目{n}") for n in range(200)]
    rows.append(ledger_row(summary="建设\x00内容"))
    data = csv_bytes(rows)
    assert data.index(b"\x00") > 8192
    message = refused("nul.csv", data)
    assert "第 202 行含有空字符" in message


@pytest.mark.django_db
def test_a_csv_with_a_nul_far_down_is_refused_at_preview_not_at_confirm(world, boss):
    rows = [ledger_row(name=f"项目{n}") for n in range(200)] + [ledger_row(leader="张\x00三")]
    with pytest.raises(UnsafeFile, match="空字符"):
        project_import_preview(data=csv_bytes(rows), file_name="台账.csv", user=boss)
    assert not ImportBatch.objects.exists()


# --- Stored previews ---------------------------------------------------------------------------------


def _preview(user, name="新项目"):
    data = xlsx_bytes([ledger_row(name=name)])
    return project_import_preview(data=data, file_name="台账.xlsx", user=user).batch


@pytest.mark.django_db
def test_an_upload_over_the_size_cap_is_neither_read_nor_stored(world, boss):
    with pytest.raises(UnsafeFile, match="上限为 10 MB"):
        project_import_preview(data=b"a" * (safety.MAX_BYTES + 1), file_name="台账.csv", user=boss)
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_user_keeps_at_most_three_open_previews_the_oldest_give_their_bytes_back(world, boss):
    from tests.factories import make_user
    from tracker.services.ledger import MAX_OPEN_PREVIEWS

    other = make_user("other-clerk", superuser=True)
    theirs = _preview(other)
    batches = [_preview(boss, name=f"第{n}版") for n in range(MAX_OPEN_PREVIEWS + 2)]
    open_ = ImportBatch.objects.filter(user=boss, status=ImportBatch.Status.PREVIEWED)
    assert sorted(open_.values_list("pk", flat=True)) == [b.pk for b in batches[-3:]]
    assert not ImportBatch.objects.filter(pk=batches[0].pk).exclude(content=None).exists()
    theirs.refresh_from_db()
    assert theirs.status == ImportBatch.Status.PREVIEWED and theirs.content


@pytest.mark.django_db
def test_purge_previews_discards_expired_previews_and_their_bytes(world, boss, capsys):
    old, fresh = _preview(boss, name="旧"), _preview(boss, name="新")
    ImportBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    call_command("purge_previews")
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.content) == (ImportBatch.Status.DISCARDED, None)
    assert fresh.status == ImportBatch.Status.PREVIEWED and fresh.content
    assert "1" in capsys.readouterr().out


def test_budget_refusals_read_english_in_the_english_ui():
    ticks = itertools.count()
    with translation.override("en"):
        slow = refused(
            "slow.csv", csv_bytes([ledger_row()] * 9), ReadBudget(2, clock=lambda: next(ticks))
        )
        nul = refused("nul.csv", csv_bytes([ledger_row()] * 200 + [ledger_row(leader="\x00")]))
    assert slow.startswith("Reading the file took over 2 seconds and stopped at row 3.")
    assert nul.startswith("Line 202 of the CSV file contains a NUL character")


@pytest.mark.django_db
def test_the_admin_import_page_says_which_limit_was_hit(staff, world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.LEDGER_READ_SECONDS = 0
    upload = SimpleUploadedFile("台账.csv", csv_bytes([ledger_row()]))
    page = staff.post(reverse("admin:tracker_project_import"), {"import_file": upload})
    assert page.status_code == 200
    assert "读取文件超过 0 秒仍未读完" in page.content.decode()
    assert not ImportBatch.objects.exists()
