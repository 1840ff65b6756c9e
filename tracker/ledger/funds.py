"""到位资金 through the ledger: a sheet of its own in the same workbook, planned with the projects.

Offices report the money that arrived beside their 项目台账, one row per
project, month and origin. A sheet (any sheet but the ledger's) whose first
rows hold a header naming 项目编号, 到位月份 and 到位金额 is read as that table,
with the ledger's parsing rules: amounts as offices write them (a single
figure, in 万元 unless the header or the cell says otherwise), months at least
to the month, the four origins by their usual names. Each row names its
project by code, an existing one or one the ledger sheet creates. A row for a
project, month and origin already recorded updates that figure (a re-sent
sheet never adds twice); the same three twice in one file is an error. The
rows are checked and previewed with the ledger and written in the same
transaction (``services.ledger_funds``), or not at all.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from tracker.choices import DatePrecision
from tracker.formatting import join_items
from tracker.models import FundsArrival, FundsOrigin, Project

from .lookups import any_of
from .parsers import UNITS, WAN, CellError, fold, parse_amount, parse_date, parse_text, text
from .render import amount_display

HEADER_SEARCH = 20
# key → (header as written in the template, other ways offices write it)
COLUMNS = {
    "code": ("项目编号", ("项目代码",)),
    "name": ("项目名称", ("项目名",)),
    "month": ("到位月份", ("到位时间", "到位日期", "月份", "到账时间", "到账月份")),
    "amount": (
        "到位金额（万元）",
        ("到位金额", "到位资金", "实际到位资金", "到位额", "到账金额", "本月到位"),
    ),
    "origin": ("资金来源", ("来源", "资金类别", "来源地")),
    "note": ("说明", ("备注",)),
    "evidence": ("凭证", ("到位凭证", "凭证编号")),
}
HEADERS = tuple(header for header, _aliases in COLUMNS.values())
_REQUIRED = {"code", "month", "amount"}
_INDEX = {fold(name): key for key, (h, a) in COLUMNS.items() for name in (h, *a)}
ORIGIN_WORDS = {
    FundsOrigin.CITY: ("市内", "本市", "市本级"),
    FundsOrigin.PROVINCE: ("市外省内", "省内市外", "省内", "省内外市"),
    FundsOrigin.DOMESTIC: ("省外", "国内省外", "外省"),
    FundsOrigin.FOREIGN: ("境外", "外资", "国外", "港澳台"),
}
_ORIGINS = {fold(word): code for code, words in ORIGIN_WORDS.items() for word in words}
_ORIGINS.update({fold(code): code for code in FundsOrigin.values})
NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"


@dataclass
class FundsSheet:
    sheet: str
    header_row: int
    index: dict[str, int]  # column key → position
    unit: Decimal
    rows: list[tuple[int, tuple]]


@dataclass
class FundsRow:
    number: int
    code: str = ""
    month: object = None
    origin: str = ""
    amount: Decimal | None = None
    note: str = ""
    evidence: str = ""
    action: str = NEW
    errors: list[tuple[str, str]] = field(default_factory=list)
    existing: int | None = None  # the FundsArrival it updates
    old_amount: Decimal | None = None

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))
        self.action = ERROR


def _header_key(value) -> tuple[str | None, Decimal | None]:
    folded = fold(text(value))
    if folded in _INDEX:
        return _INDEX[folded], None
    name, _sep, rest = folded.partition("(")
    if rest.endswith(")") and name in _INDEX:
        return _INDEX[name], UNITS.get(rest[:-1])
    return None, None


def read_funds_sheet(workbook, *, skip_sheet: str, budget) -> FundsSheet | None:
    """The open workbook's 到位资金 sheet, read whole (it is small), or None when there is none.

    Its cells are charged to the upload's ``budget``, as the ledger's are.
    """
    if len(workbook.worksheets) < 2:
        return None
    for sheet in workbook.worksheets:
        if sheet.title == skip_sheet:
            continue
        sheet.reset_dimensions()
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        for number, values in rows:
            budget.charge(number, len(values))
            keys = {i: _header_key(v) for i, v in enumerate(values) if v is not None}
            found = {key: i for i, (key, _u) in keys.items() if key}
            if set(found) >= _REQUIRED:
                unit = keys[found["amount"]][1] or WAN
                body = []
                for row_number, cells in rows:
                    budget.charge(row_number, len(cells))
                    if any(c is not None and str(c).strip() for c in cells):
                        body.append((row_number, cells))
                return FundsSheet(sheet.title, number, found, unit, body)
            if number >= HEADER_SEARCH:
                break
    return None


def _parse(row: FundsRow, cells: tuple, sheet: FundsSheet) -> None:
    def cell(key):
        position = sheet.index.get(key)
        return cells[position] if position is not None and position < len(cells) else None

    label = {key: header for key, (header, _a) in COLUMNS.items()}
    row.code = fold(text(cell("code"))).upper()
    if not row.code:
        row.error(label["code"], _("请填写项目编号（新项目先在项目台账中编号）。"))
    try:
        month, precision = parse_date(cell("month"))
        if month is None or precision == DatePrecision.YEAR:
            raise CellError(_("请写到月份，例如 2021年6月 或 2021-06。"))
        row.month = month.replace(day=1)
    except CellError as exc:
        row.error(label["month"], exc.message)
    try:
        amount = parse_amount(cell("amount"), unit=sheet.unit)
        if amount.investment is None:
            raise CellError(_("请填写一个金额（到位资金不填区间或“未披露”）。"))
        row.amount = amount.investment
    except CellError as exc:
        row.error(label["amount"], exc.message)
    row.origin = _ORIGINS.get(fold(text(cell("origin"))), "")
    if not row.origin:
        row.error(
            label["origin"],
            _("资金来源应为：%(origins)s。") % {"origins": join_items(FundsOrigin.labels)},
        )
    try:
        row.note = parse_text(cell("note"), max_length=300)
        row.evidence = parse_text(cell("evidence"), max_length=300)
    except CellError as exc:
        row.error(label["note"], exc.message)


def plan_funds(sheet: FundsSheet, *, ledger_rows, scope, can_add: bool) -> list[FundsRow]:
    """What each 到位资金 row would write (see the module doc). Reads two queries; writes nothing.

    ``ledger_rows`` are the ledger sheet's planned rows (their codes may be new
    projects); ``scope`` the region ids the user may write (None: all).
    """
    rows = []
    for number, cells in sheet.rows:
        row = FundsRow(number=number)
        _parse(row, cells, sheet)
        rows.append(row)
    codes = sorted({row.code for row in rows if row.code})
    projects = {
        code: (pk, region_id)
        for code, pk, region_id in Project.objects.filter(code__in=any_of(codes)).values_list(
            "code", "pk", "region_id"
        )
    }
    from_file = {r.code: r.values.get("region_id") for r in ledger_rows if r.code}
    recorded = {
        (project_id, month, origin): (pk, amount, note, evidence)
        for pk, project_id, month, origin, amount, note, evidence in FundsArrival.objects.filter(
            project_id__in=any_of(sorted(pk for pk, _r in projects.values()), integer=True)
        ).values_list("pk", "project_id", "month", "origin", "amount", "note", "evidence")
    }
    seen: dict[tuple, int] = {}
    label = COLUMNS["code"][0]
    for row in rows:
        if not can_add:
            row.error("", _("您没有录入到位资金的权限。"))
        if row.action == ERROR:
            continue
        if row.code in projects:
            project_id, region_id = projects[row.code]
        elif row.code in from_file:
            project_id, region_id = None, from_file[row.code]
        else:
            row.error(label, _("没有编号为 %(code)s 的项目。") % {"code": row.code})
            continue
        if scope is not None and region_id not in scope:
            row.error(label, _("项目 %(code)s 属于您无权录入的区域。") % {"code": row.code})
            continue
        key = (row.code, row.month, row.origin)
        if key in seen:
            row.error(
                COLUMNS["month"][0],
                _("与第 %(row)s 行是同一项目、同一月份、同一来源；请合并。") % {"row": seen[key]},
            )
            continue
        seen[key] = row.number
        stored = recorded.get((project_id, row.month, row.origin)) if project_id else None
        if stored is not None:
            row.existing, row.old_amount = stored[0], stored[1]
            same = (stored[1], stored[2], stored[3]) == (row.amount, row.note, row.evidence)
            row.action = UNCHANGED if same else UPDATE
    return rows


def digest_part(rows: list[FundsRow]) -> bytes:
    return repr(
        [
            (r.number, r.action, r.code, r.month, r.origin, r.amount, r.note, r.evidence, r.errors)
            for r in rows
        ]
    ).encode()


@dataclass
class FundsPreview:
    counts: dict[str, int]
    rows: list[dict]  # changes first, as the ledger's preview lists them
    errors: list[FundsRow]
    hidden: int


def funds_preview(rows: list[FundsRow], *, limit: int) -> FundsPreview | None:
    """The 到位资金 rows as the import preview shows them; None when the file has no such sheet."""
    if not rows:
        return None
    labels = dict(FundsOrigin.choices)
    order = {ERROR: 0, NEW: 1, UPDATE: 1, UNCHANGED: 2}
    shown = sorted(rows, key=lambda r: (order[r.action], r.number))[:limit]
    counts = {action: sum(1 for r in rows if r.action == action) for action in order}
    return FundsPreview(
        counts=counts,
        rows=[
            {
                "number": r.number,
                "action": r.action,
                "code": r.code,
                "month": f"{r.month.year}年{r.month.month}月" if r.month else "",
                "origin": labels.get(r.origin, ""),
                "amount": amount_display(r.amount, None, None) if r.amount is not None else "",
                "old": amount_display(r.old_amount, None, None) if r.old_amount is not None else "",
                "note": r.note,
                "errors": r.errors,
            }
            for r in shown
        ],
        errors=[r for r in rows if r.action == ERROR],
        hidden=max(0, len(rows) - limit),
    )
