"""Read a checked upload into a header row and numbered data rows.

xlsx goes through openpyxl in read-only, values-only mode (streaming, with
defusedxml underneath); CSV is decoded as UTF-8 (with or without BOM) or, when
that fails, GB18030, the superset of the GBK that Excel on a Chinese Windows
saves. Row numbers are the spreadsheet's own (the header is row 1), so an
error message points at the row staff see in Excel. Blank rows are skipped.
"""

import csv
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .safety import CSV, MAX_ROWS, XLSX, UnsafeFile, check_upload, too_many_rows_message

Row = tuple[int, tuple]


@dataclass
class Table:
    headers: tuple
    rows: Iterator[Row]
    encoding: str = ""


def read_upload(name: str, data: bytes) -> Table:
    """Check an upload (``safety.check_upload``) and open it as a table."""
    return read_table(data, check_upload(name, data))


def read_table(data: bytes, kind: str) -> Table:
    if kind == XLSX:
        return _read_xlsx(data)
    if kind == CSV:
        return _read_csv(data)
    raise ValueError(kind)


def _limited(rows: Iterator[Row]) -> Iterator[Row]:
    count = 0
    for number, values in rows:
        if not any(v is not None and v != "" for v in values):
            continue
        count += 1
        if count > MAX_ROWS:
            raise UnsafeFile(too_many_rows_message())
        yield number, values


def _read_xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about unsupported extensions (data validation, …).
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise UnsafeFile(_("xlsx 文件无法读取；请在 Excel 中打开后重新保存为 .xlsx。")) from None
    sheet = workbook.worksheets[0]
    # Some generators write a wrong <dimension>; read what the rows really hold.
    sheet.reset_dimensions()
    values = sheet.iter_rows(values_only=True)
    headers = next(values, ())

    def rows():
        try:
            yield from _limited(enumerate(values, start=2))
        except UnsafeFile:
            raise
        except Exception:
            raise UnsafeFile(
                _("xlsx 文件无法读取；请在 Excel 中打开后重新保存为 .xlsx。")
            ) from None
        finally:
            workbook.close()

    return Table(headers=tuple(headers), rows=rows(), encoding="")


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


def _read_csv(data: bytes) -> Table:
    decoded, encoding = decode_csv(data)
    first_line = decoded.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter)
    headers = next(reader, [])

    def rows():
        try:
            # Numbered by record, as Excel numbers the rows of a CSV it opens.
            yield from _limited((n, tuple(v)) for n, v in enumerate(reader, start=2))
        except csv.Error:
            raise UnsafeFile(_("CSV 文件格式有误（引号不匹配等）。")) from None

    return Table(headers=tuple(headers), rows=rows(), encoding=encoding)
