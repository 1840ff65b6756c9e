"""Read a checked upload into a header row and numbered data rows.

xlsx goes through openpyxl in read-only, values-only mode (streaming, with
defusedxml underneath); CSV is decoded as UTF-8 (with or without BOM) or, when
that fails, GB18030, the superset of the GBK that Excel on a Chinese Windows
saves. Row numbers are the spreadsheet's own (the header is row 1), so an
error message points at the row staff see in Excel. Blank rows are skipped, and
a long run of them (``safety.BLANK_RUN``) ends the sheet. Every row read is
charged to a ``safety.ReadBudget`` (rows, cells, wall time) as it streams,
before the importer plans anything.
"""

import csv
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

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


@dataclass
class Table:
    headers: tuple
    rows: Iterator[Row]
    encoding: str = ""
    budget: ReadBudget | None = None


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


def _limited(rows: Iterator[Row], budget: ReadBudget) -> Iterator[Row]:
    for number, values in rows:
        budget.charge(number, len(values))
        if not any(v is not None and v != "" for v in values):
            if budget.blank():
                return
            continue
        budget.data_row()
        yield number, values


def _read_xlsx(data: bytes, budget: ReadBudget) -> Table:
    from .xlsx import open_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about unsupported extensions (data validation, …).
            warnings.simplefilter("ignore")
            workbook = open_workbook(io.BytesIO(data), budget)
    except UnsafeFile:
        raise
    except Exception:
        raise UnsafeFile(_("xlsx 文件无法读取；请在 Excel 中打开后重新保存为 .xlsx。")) from None
    sheet = workbook.worksheets[0]
    # Some generators write a wrong <dimension>; read what the rows really hold.
    sheet.reset_dimensions()
    values = sheet.iter_rows(values_only=True)
    try:
        headers = next(values, ())
    except UnsafeFile:
        workbook.close()
        raise
    except Exception:
        workbook.close()
        raise UnsafeFile(_("xlsx 文件无法读取；请在 Excel 中打开后重新保存为 .xlsx。")) from None
    budget.charge(1, len(headers))

    def rows():
        try:
            yield from _limited(enumerate(values, start=2), budget)
        except UnsafeFile:
            raise
        except Exception:
            raise UnsafeFile(
                _("xlsx 文件无法读取；请在 Excel 中打开后重新保存为 .xlsx。")
            ) from None
        finally:
            workbook.close()

    return Table(headers=tuple(headers), rows=rows(), encoding="", budget=budget)


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
    first_line = decoded[: MAX_LINE + 1].split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(_lines(decoded), delimiter=delimiter)
    try:
        headers = next(reader, [])
    except csv.Error:
        raise UnsafeFile(_("CSV 文件格式有误（引号不匹配等）。")) from None
    budget.charge(1, len(headers))

    def rows():
        try:
            # Numbered by record, as Excel numbers the rows of a CSV it opens.
            yield from _limited(((n, tuple(v)) for n, v in enumerate(reader, start=2)), budget)
        except csv.Error:
            raise UnsafeFile(_("CSV 文件格式有误（引号不匹配等）。")) from None

    return Table(headers=tuple(headers), rows=rows(), encoding=encoding, budget=budget)
