"""Read a checked upload into a header row and numbered data rows.

xlsx goes through openpyxl in read-only, values-only mode (streaming, with
defusedxml underneath); CSV is decoded as UTF-8 (with or without BOM) or, when
that fails, GB18030, the superset of the GBK that Excel on a Chinese Windows
saves. The table is found as a person finds it: the header row is the first
of the first ``HEADER_SEARCH`` rows that names the required columns, on the
first sheet that has one (a cover sheet before the data is passed over);
title and note rows above it are skipped, and a ``单位：亿元`` note among them
gives bare amounts their unit. Row numbers are the spreadsheet's own, so an
error message points at the row staff see in Excel. A vertically merged cell
(所属区域 over one district's rows) reads as its range's value. Blank rows are
skipped (those between data rows are listed), and a long run of them
(``safety.BLANK_RUN``) ends the sheet. Every row read is
charged to a ``safety.ReadBudget`` (rows, cells, wall time) as it streams,
before the importer plans anything.
"""

import csv
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from .columns import UNIT_NOTE, header_key
from .funds import read_funds_sheet
from .parsers import UNITS, fold
from .safety import (
    CSV,
    MAX_LINE,
    XLSX,
    ReadBudget,
    UnsafeFile,
    check_upload,
    line_too_long_message,
)

Row = tuple[int, tuple]
HEADER_SEARCH = 20
_REQUIRED = frozenset({"name", "region"})


@dataclass
class Table:
    headers: tuple
    rows: Iterator[Row]
    encoding: str = ""
    budget: ReadBudget | None = None
    sheet: str = ""  # the xlsx sheet read
    header_row: int = 1
    amount_unit: Decimal | None = None  # from a 单位：… note above the header
    blank_rows: list[int] = field(default_factory=list)  # blank rows between data rows
    rows_seen: bool = False
    header_found: bool = True  # False: no row in the first ones names the required columns
    funds: object = None  # a 到位资金 sheet of the same workbook (``ledger.funds.FundsSheet``)


def _blank(values) -> bool:
    return not any(v is not None and v != "" for v in values)


def _keys(values) -> set[str]:
    return {header_key(str(v))[0] for v in values if v is not None and str(v).strip()} - {None}


def _find_header(rows: Iterator[Row], budget: ReadBudget):
    """(header's row number, header, unit from a note above it), or None.

    Reads at most ``HEADER_SEARCH`` rows, each charged to ``budget``; ``rows``
    goes on after the header.
    """
    above: list[Row] = []
    for number, values in rows:
        budget.charge(number, len(values))
        if _keys(values) >= _REQUIRED:
            unit = None
            for _n, before in above:
                note = fold("".join(str(v) for v in before if v is not None))
                if match := UNIT_NOTE.search(note):
                    unit = UNITS[match["unit"]]
            return number, tuple(values), unit
        above.append((number, values))
        if len(above) >= HEADER_SEARCH:
            break
    return None


class _Merges:
    """Fills the cells of merged ranges with the value of the range's first cell, row by row."""

    def __init__(self, ranges, width: int):
        self.starts: dict[int, list[tuple[int, int, int]]] = {}
        for top, left, bottom, right in ranges:
            right = min(right, width)
            if left <= right and (top, left) != (bottom, right):
                self.starts.setdefault(top, []).append((bottom, left, right))
        self.active: list[tuple[int, int, int, object]] = []

    def __call__(self, number: int, values: tuple) -> tuple:
        if self.active:
            self.active = [a for a in self.active if a[0] >= number]
        for bottom, left, right in self.starts.pop(number, ()):
            value = values[left - 1] if left - 1 < len(values) else None
            self.active.append((bottom, left, right, value))
        if not self.active:
            return values
        filled = list(values)
        for _bottom, left, right, value in self.active:
            if len(filled) < right:
                filled.extend([None] * (right - len(filled)))
            for position in range(left - 1, right):
                if filled[position] is None or filled[position] == "":
                    filled[position] = value
        return tuple(filled)


def read_upload(name: str, data: bytes, budget: ReadBudget | None = None) -> Table:
    """Check an upload (``safety.check_upload``) and open it as a table.

    Without a ``budget`` the default limits apply and there is no deadline.
    """
    budget = budget or ReadBudget()
    return read_table(data, check_upload(name, data), budget)


def read_table(data: bytes, kind: str, budget: ReadBudget | None = None) -> Table:
    budget = budget or ReadBudget()
    if kind == XLSX:
        return _read_xlsx(data, budget)
    if kind == CSV:
        return _read_csv(data, budget)
    raise ValueError(kind)


def _limited(rows: Iterator[Row], table: Table, fill=None) -> Iterator[Row]:
    budget, pending = table.budget, []
    for number, values in rows:
        budget.charge(number, len(values))
        if _blank(values):
            if budget.blank():
                return
            if len(pending) < 100:
                pending.append(number)
            continue
        if pending:
            if table.rows_seen and len(table.blank_rows) < 100:
                table.blank_rows.extend(pending)
            pending.clear()
        table.rows_seen = True
        budget.data_row()
        yield number, (fill(number, values) if fill else values)


def _read_xlsx(data: bytes, budget: ReadBudget) -> Table:
    from .xlsx import merged_ranges, open_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about unsupported extensions (data validation, …).
            warnings.simplefilter("ignore")
            workbook = open_workbook(io.BytesIO(data), budget)
    except UnsafeFile:
        raise
    except Exception:
        raise UnsafeFile(_("xlsx 文件无法读取；请在 Excel 中打开后重新保存为 .xlsx。")) from None
    try:
        sheet, found = _header_sheet(workbook, budget)
    except UnsafeFile:
        workbook.close()
        raise
    except Exception:
        workbook.close()
        raise UnsafeFile(_("xlsx 文件无法读取；请在 Excel 中打开后重新保存为 .xlsx。")) from None
    number, headers, unit, values, header_found = found
    table = Table(
        headers=headers,
        rows=iter(()),
        budget=budget,
        sheet=sheet.title,
        header_row=number,
        amount_unit=unit,
        header_found=header_found,
    )

    def rows():
        try:
            ranges = merged_ranges(sheet)
            yield from _limited(values, table, _Merges(ranges, len(headers)) if ranges else None)
        except UnsafeFile:
            raise
        except Exception:
            raise UnsafeFile(
                _("xlsx 文件无法读取；请在 Excel 中打开后重新保存为 .xlsx。")
            ) from None
        finally:
            workbook.close()

    table.rows = rows()
    if header_found:
        try:
            table.funds = read_funds_sheet(workbook, skip_sheet=sheet.title, budget=budget)
        except UnsafeFile:
            workbook.close()
            raise
    return table


def _numbered(sheet) -> Iterator[Row]:
    # Some generators write a wrong <dimension>; read what the rows really hold.
    sheet.reset_dimensions()
    return enumerate(sheet.iter_rows(values_only=True), start=1)


def _header_sheet(workbook, budget: ReadBudget):
    """The first sheet whose first rows hold the ledger's header, else the first sheet."""
    for sheet in workbook.worksheets:
        rows = _numbered(sheet)
        if found := _find_header(rows, budget):
            return sheet, (*found, rows, True)
    sheet = workbook.worksheets[0]
    rows = _numbered(sheet)
    # No header anywhere: the first row that holds anything, so the error names its columns.
    for number, values in rows:
        budget.charge(number, len(values))
        if not _blank(values) or number >= HEADER_SEARCH:
            return sheet, (number, tuple(values), None, rows, False)
    return sheet, (1, (), None, iter(()), False)


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV upload and the encoding that read it."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    raise UnsafeFile(_("无法识别 CSV 文件的编码；请保存为 UTF-8 或 GBK（GB18030）编码。"))


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text``, refusing one so long that a single row would cost the budget."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE:
            raise UnsafeFile(line_too_long_message(number))
        yield line


def _read_csv(data: bytes, budget: ReadBudget) -> Table:
    decoded, encoding = decode_csv(data)
    # Judged on the rows the header may be in: a title line above it has no separator.
    sample = decoded[: MAX_LINE + 1].split("\n", HEADER_SEARCH)[:HEADER_SEARCH]
    tabs, commas = sum(line.count("\t") for line in sample), sum(line.count(",") for line in sample)
    delimiter = "\t" if tabs > commas else ","
    reader = csv.reader(_lines(decoded), delimiter=delimiter)
    # Numbered by record, as Excel numbers the rows of a CSV it opens.
    records = ((n, tuple(v)) for n, v in enumerate(reader, start=1))
    try:
        found = _find_header(records, budget)
        if found is None:
            again = csv.reader(_lines(decoded), delimiter=delimiter)
            records = ((n, tuple(v)) for n, v in enumerate(again, start=1))
            first = next(records, (1, ()))
            found = (first[0], first[1], None)
            table_found = False
        else:
            table_found = True
    except csv.Error:
        raise UnsafeFile(_("CSV 文件格式有误（引号不匹配等）。")) from None
    number, headers, unit = found
    table = Table(
        headers=headers,
        rows=iter(()),
        encoding=encoding,
        budget=budget,
        header_row=number,
        amount_unit=unit,
        header_found=table_found,
    )

    def rows():
        try:
            yield from _limited(records, table)
        except csv.Error:
            raise UnsafeFile(_("CSV 文件格式有误（引号不匹配等）。")) from None

    table.rows = rows()
    return table
