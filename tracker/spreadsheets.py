"""The one rule for every cell the app writes into a spreadsheet (CSV, TSV, XLSX).

Every writer goes through here: the ledger exporter and its template, the
public open data, the 推进效率 workbook, ``project_alerts --format csv``, and
django-import-export's admin exports (through the format classes below, which
``EXPORT_FORMATS`` in the settings names). Every file a view hands out is a
``download_response``.

- **Formulas**: text starting with ``= + - @``, tab or CR gets a leading
  apostrophe, so Excel, LibreOffice and Numbers show it instead of running it.
  The ledger importer strips the apostrophe again (``unescape_formula``), so an
  unedited export imports unchanged. Escaping twice changes nothing. Only text
  is touched: numbers and dates in an xlsx stay numbers and dates. The library's
  own ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` deletes the leading ``=``
  instead (and ignores ``+ - @``), so it stays off.
- **Characters XML cannot hold** (C0 controls other than tab, LF and CR, which
  openpyxl refuses with ``IllegalCharacterError``) are removed from xlsx cells,
  not replaced with U+FFFD: they are invisible junk pasted from other programs,
  and removing them keeps an export → import round trip free of a visible "�"
  that would then be saved as data. CSV keeps them: it can carry any character.
"""

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from itertools import islice
from pathlib import PurePath

import tablib
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from import_export.formats import base_formats

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE, kept here so importing the rule stays cheap.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

CSV_BOM = "\ufeff"  # lets Excel read UTF-8
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CHUNK = 2_000


def escape_formula(value: str) -> str:
    """Prefix a text cell that a spreadsheet would run (= + - @ tab CR) with a single quote."""
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Undo ``escape_formula``: ``'=1+1`` → ``=1+1`` (any other quote is kept)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def csv_value(value):
    """A CSV cell: text escaped, anything else as ``csv.writer`` writes it."""
    if isinstance(value, str):
        return escape_formula(value)
    if isinstance(value, Promise):  # a lazy translation is text too
        return escape_formula(str(value))
    return value


def xlsx_value(value):
    """An xlsx cell: text without XML-illegal characters, then escaped; numbers and dates as is."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        if ILLEGAL_CHARACTERS_RE.search(value) is not None:
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        return escape_formula(value)
    return value


# --- CSV -------------------------------------------------------------------------------------


class _Echo:
    """A write-only file that hands back what ``csv.writer`` wrote, for streaming."""

    def write(self, value):
        return value


def csv_lines(
    header: Iterable,
    rows: Iterable[Iterable],
    *,
    bom: bool = True,
    lineterminator: str = "\r\n",
    chunk: int = CSV_CHUNK,
) -> Iterator[str]:
    """The CSV as text pieces (BOM, header, then rows a chunk at a time), every cell escaped."""
    writer = csv.writer(_Echo(), lineterminator=lineterminator)
    yield (CSV_BOM if bom else "") + writer.writerow([csv_value(v) for v in header])
    rows, prefixes = iter(rows), FORMULA_PREFIXES
    while batch := list(islice(rows, chunk)):
        # csv_value inlined for plain text, the common cell: a quarter of the writing time.
        yield "".join(
            writer.writerow(
                [
                    ("'" + v if v.startswith(prefixes) else v)
                    if v.__class__ is str
                    else csv_value(v)
                    for v in row
                ]
            )
            for row in batch
        )


# --- XLSX ------------------------------------------------------------------------------------


def workbook():
    """A write-only workbook: rows go to disk as they come, never piling up in memory."""
    from openpyxl import Workbook

    return Workbook(write_only=True)


def append_sheet(book, title: str, header, rows, *, widths=(), freeze: bool = True):
    """Add a sheet: ``header`` in bold (``None``: no header), then ``rows``, every cell made safe."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(xlsx_value(str(title)))
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    if freeze:
        sheet.freeze_panes = "A2"
    if header is not None:
        bold = Font(bold=True)
        cells = []
        for title_ in header:
            cell = WriteOnlyCell(sheet, value=xlsx_value(str(title_)))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    for row in rows:
        sheet.append([xlsx_value(v) for v in row])
    return sheet


# --- Downloads -------------------------------------------------------------------------------

CONTENT_TYPES = {".csv": CSV_CONTENT_TYPE, ".xlsx": XLSX_CONTENT_TYPE}


def download_response(
    filename: str,
    *,
    lines: Iterable[str] | None = None,
    write: Callable[[BytesIO], None] | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """A file to save as ``filename`` (any language), its type from the extension.

    ``lines`` (text pieces, as ``csv_lines`` gives) stream as they are produced, so
    memory stays flat however many rows; ``write(stream)`` writes a whole file (an
    xlsx workbook), sent once it is complete. Exactly one of the two.
    """
    if (lines is None) == (write is None):
        raise TypeError("download_response() takes either lines or write")
    content_type = CONTENT_TYPES[PurePath(filename).suffix.lower()]
    if lines is not None:
        response = StreamingHttpResponse(lines, content_type=content_type)
    else:
        buffer = BytesIO()
        write(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- django-import-export formats ------------------------------------------------------------


class SafeExportFormat:
    """A django-import-export format whose cells pass through this module's rule first."""

    cell = staticmethod(csv_value)

    def export_data(self, dataset, **kwargs):
        headers = [self.cell(h) for h in dataset.headers] if dataset.headers else None
        safe = tablib.Dataset(headers=headers, title=dataset.title)
        for row in dataset:
            safe.append([self.cell(v) for v in row])
        return super().export_data(safe, **kwargs)


class CSV(SafeExportFormat, base_formats.CSV):
    pass


class TSV(SafeExportFormat, base_formats.TSV):
    pass


class HTML(SafeExportFormat, base_formats.HTML):
    """Excel opens an HTML table as a sheet and runs its formulas, so HTML is escaped too."""


class XLSX(SafeExportFormat, base_formats.XLSX):
    cell = staticmethod(xlsx_value)


# What the admin's exports offer (settings ``EXPORT_FORMATS``): the library's
# defaults, each spreadsheet format replaced by its safe twin; JSON is data and
# stays verbatim.
EXPORT_FORMATS = [fmt for fmt in (CSV, XLSX, TSV, base_formats.JSON, HTML) if fmt.is_available()]
