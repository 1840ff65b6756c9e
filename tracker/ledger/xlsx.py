"""openpyxl's read-only workbook, opened so that reading it stays within a ``ReadBudget``.

Two things in openpyxl cost work the reader's row-by-row budget never sees:

- a sheet without ``<dimension>`` is parsed in full when the workbook is
  opened, only to size it (every sheet, not just the one read); the reader
  ignores the stored size anyway, so the sheets here skip that;
- a row is built in memory, all its cells, before it is yielded, so a row of
  millions of cells costs gigabytes first. The sheet's XML is counted as
  openpyxl reads it, and a row or a sheet with too many cell elements is
  refused before openpyxl has built them.

Imported lazily by ``reader`` (openpyxl is slow to import).
"""

import re

from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string as column
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from .safety import ReadBudget, UnsafeFile

# A cell element, with or without a namespace prefix (<c …>, <c/>, <x:c …>).
_CELL = re.compile(rb"<(?:\w{1,20}:)?c[\s/>]")
_ROW_END = re.compile(rb"</(?:\w{1,20}:)?row\s*>")
# A tag cut by a read boundary is carried over; no tag counted here is longer.
_TAG_PEEK = 32


class _CountingStream:
    """A sheet part as openpyxl reads it, charging its cell elements to a budget."""

    def __init__(self, raw, budget: ReadBudget):
        self._raw = raw
        self._budget = budget
        self._pending = b""
        self._in_row = 0

    def read(self, size=-1):
        chunk = self._raw.read(size)
        data = self._pending + chunk
        cut = data.rfind(b"<") if chunk else -1
        if cut == -1 or len(data) - cut > _TAG_PEEK:
            cut = len(data)
        self._pending = data[cut:]
        self._count(data, cut)
        return chunk

    def _count(self, data: bytes, end: int) -> None:
        start = 0
        for row_end in _ROW_END.finditer(data, 0, end):
            self._add(len(_CELL.findall(data, start, row_end.start())))
            self._in_row = 0
            start = row_end.end()
        self._add(len(_CELL.findall(data, start, end)))

    def _add(self, cells: int) -> None:
        self._in_row += cells
        self._budget.charge_xml(cells, widest=self._in_row)

    def close(self):
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _BudgetedSheet(ReadOnlyWorksheet):
    budget: ReadBudget

    def _get_size(self):
        """Left unsized: openpyxl would parse a sheet without <dimension> in full here."""

    def _get_source(self):
        return _CountingStream(super()._get_source(), self.budget)


class _BudgetedReader(ExcelReader):
    def read_worksheets(self):
        # openpyxl's read-only branch, with the sheet class above; charts are not read.
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _BudgetedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.budget = self.budget
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def open_workbook(stream, budget: ReadBudget):
    """A read-only, values-only workbook whose sheets charge ``budget`` as they are read."""
    reader = _BudgetedReader(stream, read_only=True, data_only=True)
    reader.budget = budget
    reader.read()
    return reader.wb


# <mergeCell ref="A3:A9"/>, prefixed or not; a single-cell ref merges nothing.
_MERGE = re.compile(
    rb'<(?:\w{1,20}:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"'
)
_CHUNK = 1 << 16
MAX_MERGES = 20_000


def merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges as (first row, first column, last row, last column).

    Read-only openpyxl does not expose them, and ``<mergeCells>`` follows the
    rows in the sheet's XML, so the part is scanned for them (decompressed in
    chunks, never held whole) before its rows are streamed.
    """
    found, pending = [], b""
    with sheet.parent._archive.open(sheet._worksheet_path) as stream:
        while chunk := stream.read(_CHUNK):
            data = pending + chunk
            end = 0
            if b"mergeCell" in data:
                for match in _MERGE.finditer(data):
                    first, top, last, bottom = match.groups()
                    found.append(
                        (int(top), column(first.decode()), int(bottom), column(last.decode()))
                    )
                    end = match.end()
                if len(found) > MAX_MERGES:
                    raise UnsafeFile(
                        _("工作表中的合并单元格过多（超过 %(max)s 处）；请取消合并后再上传。")
                        % {"max": f"{MAX_MERGES:,}"}
                    )
            pending = data[max(end, len(data) - 256) :]
    return found
