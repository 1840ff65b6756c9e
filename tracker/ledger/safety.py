"""Refuse files that are not what they claim, before any heavy parsing.

``check_upload`` reads only the first bytes of the file and the zip central
directory (plus the first few kilobytes of each XML part); nothing is
decompressed in full and no workbook is opened. A file that passes may still
be refused row by row later; a file that fails never reaches openpyxl.

A few kilobytes of xlsx can still describe millions of rows (a row numbered
43,000,000 makes openpyxl yield every row before it), so ``ReadBudget`` is
what the reader may spend while it streams rows: rows, cells and, when
asked, wall time, checked row by row before any row is planned.
"""

import re
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePath

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# Excel keeps formatted blank rows below the data; this many in a row end the sheet.
BLANK_RUN = 1_000
# Cells read, blank ones included: 50,000 rows of the 14 ledger columns and as many again.
MAX_CELLS = 50_000 * 28
# Excel's tallest sheet and widest row: a file with more was not saved by a spreadsheet.
EXCEL_ROWS = 1_048_576
MAX_COLUMNS = 16_384
# One CSV line; a ledger row is a few hundred characters, a long 建设内容 a few thousand.
MAX_LINE = 100_000
# A genuine 10 MB ledger unpacks to well under this; a zip bomb does not.
MAX_UNCOMPRESSED = 256 * 1024 * 1024
# Spreadsheet XML compresses 5-30×; a part that claims far more is a bomb.
MAX_RATIO = 150
RATIO_FLOOR = 1024 * 1024  # small parts may compress arbitrarily well
MAX_MEMBERS = 2_000
PROLOG_LIMIT = 64 * 1024

XLSX, CSV = "xlsx", "csv"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PDF_MAGIC = b"%PDF"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_COMPLETE_MARKUP = re.compile(rb"<\?.*?\?>|<!--.*?-->", re.S)
_OPEN_MARKUP = re.compile(rb"<!--|<\?")


class LedgerError(Exception):
    """An import refused as a whole; ``message`` says why, for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnsafeFile(LedgerError):
    """The file is not what it claims to be, too big, or unreadable."""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def check_upload(name: str, data: bytes) -> str:
    """The kind of a safe upload (``"xlsx"`` or ``"csv"``); raises ``UnsafeFile`` otherwise."""
    check_size(len(data))
    if not data:
        raise UnsafeFile(_("文件是空的。"))
    suffix = PurePath(name or "").suffix.lower()
    if suffix == ".xls" or data.startswith(_OLE_MAGIC):
        raise UnsafeFile(_("不支持旧版 Excel（.xls）文件；请在 Excel 中另存为 .xlsx 后再上传。"))
    if suffix == ".xlsx":
        check_xlsx(data)
        return XLSX
    if suffix in (".csv", ".txt"):
        check_csv(data)
        return CSV
    if suffix == ".xlsm":
        raise UnsafeFile(_("不接受含宏的工作簿（.xlsm）；请另存为 .xlsx。"))
    raise UnsafeFile(_("只接受 .xlsx 或 .csv 文件。"))


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise UnsafeFile(
            _("文件过大（%(size)s MB）；上限为 10 MB，请分批导入。") % {"size": _mb(size)}
        )


def check_csv(data: bytes) -> None:
    head = data[:8192]
    if head.startswith(_PDF_MAGIC):
        raise UnsafeFile(_("这不是 CSV 文件（内容是 PDF）。"))
    if head.startswith(_ZIP_MAGIC):
        raise UnsafeFile(
            _("这不是 CSV 文件（内容是 xlsx 或其他压缩包）；xlsx 文件请以 .xlsx 结尾。")
        )
    nul = data.find(b"\x00")
    if nul == -1:
        return
    if nul < len(head):
        raise UnsafeFile(_("这不是文本 CSV 文件（含有二进制内容）。"))
    # PostgreSQL refuses NUL in text: one further down would pass the preview and fail
    # the confirm.
    line = data.count(b"\n", 0, nul) + 1
    raise UnsafeFile(
        _(
            "CSV 文件第 %(line)s 行含有空字符（NUL），文件可能已损坏；"
            "请在 Excel 中打开后重新另存为 CSV 再上传。"
        )
        % {"line": f"{line:,}"}
    )


def check_xlsx(data: bytes) -> None:
    """A real xlsx: a complete zip, the workbook parts present, no bomb, no DTD/entities."""
    if data.startswith(_PDF_MAGIC):
        raise UnsafeFile(_("这不是 xlsx 文件（内容是 PDF），只是扩展名被改成了 .xlsx。"))
    if not data.startswith(_ZIP_MAGIC):
        raise UnsafeFile(_("这不是有效的 xlsx 文件（不是 Excel 工作簿格式）。"))
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise UnsafeFile(_("xlsx 文件已损坏或不完整（可能在上传或复制时被截断）。")) from None
    with archive:
        members = archive.infolist()
        _check_members(members)
        names = {m.filename for m in members}
        sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names or not sheets:
            raise UnsafeFile(_("这不是有效的 xlsx 文件（缺少工作簿或工作表）。"))
        for member in members:
            if member.filename.endswith((".xml", ".rels", ".vml")):
                _check_prolog(archive, member)
        _check_content_types(archive.read("[Content_Types].xml"))
        for sheet in sheets:
            _check_dimension(archive, sheet)


def _check_members(members) -> None:
    if len(members) > MAX_MEMBERS:
        raise UnsafeFile(_("xlsx 文件结构异常（包含的部件过多）。"))
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise UnsafeFile(_("xlsx 文件已加密；请取消密码保护后再上传。"))
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise UnsafeFile(_("xlsx 文件解压后异常膨胀（疑似压缩炸弹），已拒绝。"))
    if total > MAX_UNCOMPRESSED:
        raise UnsafeFile(_("xlsx 文件解压后过大（疑似压缩炸弹），已拒绝。"))


def _check_prolog(archive, member) -> None:
    """Refuse a DOCTYPE (and so any entity) before the root element of an XML part.

    A DTD can only come before the root element, so reading up to the first
    element start is enough; Excel never writes one.
    """
    head = b""
    try:
        with archive.open(member) as stream:
            while len(head) < PROLOG_LIMIT:
                chunk = stream.read(4096)
                if not chunk:
                    break
                head += chunk
                stripped = _COMPLETE_MARKUP.sub(b"", head)
                if b"<!DOCTYPE" in stripped.upper() or b"<!ENTITY" in stripped.upper():
                    raise UnsafeFile(
                        _("xlsx 文件含有 DTD 或外部实体声明（可被用来读取服务器文件），已拒绝。")
                    )
                # Text after an unfinished comment or instruction is not markup yet.
                unfinished = _OPEN_MARKUP.search(stripped)
                if _ROOT_START.search(stripped[: unfinished.start()] if unfinished else stripped):
                    return
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, zlib.error):
        raise UnsafeFile(_("xlsx 文件已损坏或不完整（可能在上传或复制时被截断）。")) from None
    if len(head) >= PROLOG_LIMIT:
        raise UnsafeFile(_("xlsx 文件结构异常（XML 文件头过长）。"))


def _check_content_types(xml: bytes) -> None:
    try:
        root = safe_fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise UnsafeFile(
            _("xlsx 文件含有 DTD 或外部实体声明（可被用来读取服务器文件），已拒绝。")
        ) from None
    except Exception:
        raise UnsafeFile(_("这不是有效的 xlsx 文件（内容类型清单无法读取）。")) from None
    types = {el.get("ContentType") for el in root}
    if _MACRO_TYPE in types:
        raise UnsafeFile(_("不接受含宏的工作簿（.xlsm）；请另存为 .xlsx。"))
    if _SHEET_TYPE not in types:
        raise UnsafeFile(_("这不是有效的 xlsx 文件（不是 Excel 工作簿）。"))


def _check_dimension(archive, name: str) -> None:
    """An early refusal of sheets that declare more rows than a spreadsheet can hold.

    The declared range takes in formatted blank cells (Excel keeps them below
    the data), so a range past ``MAX_ROWS`` is not yet too many rows: the
    reader counts the rows that hold data.
    """
    with archive.open(name) as stream:
        head = stream.read(4096)
    match = _DIMENSION.search(head)
    if match and match.group(1) and int(match.group(1)) > EXCEL_ROWS:
        raise UnsafeFile(too_many_rows_message())


def too_many_rows_message() -> str:
    return _("数据行超过 %(max)s 行；请分批导入。") % {"max": f"{MAX_ROWS:,}"}


def _at_row(number: int) -> dict:
    return {"row": f"{number:,}"}


@dataclass
class ReadBudget:
    """What reading one upload may cost, counted row by row; ``charge`` refuses past a limit.

    Every row read counts, blank or not: blank rows cost as much to read as
    full ones. ``seconds`` (``None``: no deadline) bounds the wall time from
    the budget's creation, so a web request is refused with a message before
    the worker is killed; ``clock`` is there for tests.
    """

    seconds: float | None = None
    max_rows: int = MAX_ROWS
    max_cells: int = MAX_CELLS
    blank_run: int = BLANK_RUN
    clock: Callable[[], float] = time.monotonic
    rows: int = 0  # data rows
    scanned: int = 0  # every row read, the header and blank ones included
    cells: int = 0  # row widths as read, blank cells included
    xml_cells: int = 0  # cell elements in an xlsx sheet's XML, counted before they are parsed
    blanks: int = 0  # the current run of blank rows
    started: float = field(default=0.0, init=False)

    def __post_init__(self):
        self.started = self.clock()

    def charge(self, number: int, width: int) -> None:
        """Count row ``number`` (``width`` cells) as read."""
        self.scanned += 1
        self.cells += width
        if self.cells > self.max_cells:
            raise UnsafeFile(self._too_many_cells(number))
        if self.seconds is not None and self.clock() - self.started > self.seconds:
            raise UnsafeFile(
                _(
                    "读取文件超过 %(seconds)s 秒仍未读完（读到第 %(row)s 行）；"
                    "请拆成较小的文件分批导入，或请管理员用 import_ledger 命令导入。"
                )
                % {**_at_row(number), "seconds": f"{self.seconds:g}"}
            )

    def charge_xml(self, cells: int, *, widest: int) -> None:
        """Count ``cells`` cell elements of a sheet's XML; ``widest``: the current row's so far."""
        self.xml_cells += cells
        if widest > MAX_COLUMNS:
            raise UnsafeFile(
                _(
                    "工作表中有一行超过 %(max)s 个单元格（Excel 每行最多 %(max)s 列），"
                    "文件可能已损坏；请在 Excel 中打开后重新保存再上传。"
                )
                % {"max": f"{MAX_COLUMNS:,}"}
            )
        if self.xml_cells > self.max_cells:
            raise UnsafeFile(self._too_many_cells())

    def _too_many_cells(self, number: int | None = None) -> str:
        limit = {"max": f"{self.max_cells:,}"}
        if number is None:
            return (
                _(
                    "文件的单元格过多（超过 %(max)s 个）；"
                    "请删除右侧多余的列（或清除其格式），或分批导入。"
                )
                % limit
            )
        return _(
            "文件的单元格过多（读到第 %(row)s 行时已超过 %(max)s 个）；"
            "请删除右侧多余的列（或清除其格式），或分批导入。"
        ) % {**_at_row(number), **limit}

    def blank(self) -> bool:
        """Count a blank row; True once the run is long enough to end the sheet."""
        self.blanks += 1
        return self.blanks >= self.blank_run

    def data_row(self) -> None:
        self.blanks = 0
        self.rows += 1
        if self.rows > self.max_rows:
            raise UnsafeFile(too_many_rows_message())


def line_too_long_message(number: int) -> str:
    return _(
        "CSV 文件第 %(row)s 行过长（超过 %(max)s 个字符）；请检查分隔符和引号，或文件是否完整。"
    ) % {**_at_row(number), "max": f"{MAX_LINE:,}"}
