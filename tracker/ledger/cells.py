"""One reader per ledger column: a cell's raw value → the row's values, or a ``CellError``.

A reader sets ``row.values`` (model attributes), or ``row.code`` / ``row.name``
/ ``row.partners`` / ``row.note``; ``ctx`` holds the lookups and the user's
region scope (``importer._Context``). Reads nothing from the database itself.
"""

from django.utils.translation import gettext as _

from tracker.codes import CODE_FORMAT

from . import parsers
from .parsers import CellError, fold

# Text limits: the model fields' max_length.
LIMITS = {"name": 200, "leader": 50, "unit": 100}


def _cell_code(raw, row, ctx):
    code = fold(parsers.text(raw)).upper()
    if code and not CODE_FORMAT.match(code):
        raise CellError(_("项目编号格式应为 JZ-2020-0007；新项目请留空。"))
    row.code = code


# One rule for every column: a blank cell keeps what is stored (a sheet often leaves out
# what it does not track); the mark （清空） clears it. New rows start from the defaults.
CLEAR_MARKS = frozenset(fold(mark) for mark in ("（清空）", "【清空】", "清空"))
CLEAR_MARK = "（清空）"


def _blank(raw) -> bool:
    return parsers.text(raw) == ""


def _clears(raw) -> bool:
    return isinstance(raw, str) and fold(raw.strip()) in CLEAR_MARKS


def _refuse_clearing():
    # The error is shown under the column's own name.
    raise CellError(_("这一列不能清空。"))


# The two required columns are the exception: blank there is an error, not "keep".
def _cell_name(raw, row, ctx):
    if _clears(raw):
        _refuse_clearing()
    name = parsers.parse_text(raw, max_length=LIMITS["name"])
    if not name:
        raise CellError(_("项目名称不能为空。"))
    row.name = row.values["name"] = name


def _cell_region(raw, row, ctx):
    if _clears(raw):
        _refuse_clearing()
    value = parsers.text(raw)
    if not value:
        raise CellError(_("所属区域不能为空。"))
    region_id = ctx.regions.find(value)
    if ctx.scope is not None and region_id not in ctx.scope:
        raise CellError(_("您无权录入“%(region)s”的项目。") % {"region": value})
    row.values["region_id"] = region_id


def _cell_lookup(attribute, lookup):
    def read(raw, row, ctx):
        if _blank(raw):
            return
        row.values[attribute] = (
            None if _clears(raw) else getattr(ctx, lookup).find(parsers.text(raw))
        )

    return read


def _cell_choice(attribute, choices, labels):
    def read(raw, row, ctx):
        if _clears(raw):
            _refuse_clearing()
        code = parsers.parse_choice(raw, getattr(ctx, choices), getattr(ctx, labels).values())
        if code is not None:
            row.values[attribute] = code

    return read


def _cell_investment(raw, row, ctx):
    if _blank(raw):
        return
    amount = (
        parsers.UNDISCLOSED
        if _clears(raw)
        else parsers.parse_amount(raw, unit=ctx.layout.amount_unit)
    )
    row.values["investment"] = amount.investment
    row.values["investment_low"] = amount.low
    row.values["investment_high"] = amount.high
    row.values["investment_approximate"] = amount.approximate


def _cell_date(attribute, precision_attribute=None):
    def read(raw, row, ctx):
        if _blank(raw):
            return
        value, precision = (None, "day") if _clears(raw) else parsers.parse_date(raw)
        row.values[attribute] = value
        if precision_attribute:
            row.values[precision_attribute] = precision

    return read


def _cell_partners(raw, row, ctx):
    if _blank(raw):
        return  # ``row.partners`` stays None: the links are kept
    row.partners = [] if _clears(raw) else parsers.parse_partners(raw)


def _cell_text(attribute, key):
    limit = LIMITS.get(key)

    def read(raw, row, ctx):
        if _blank(raw):
            return
        row.values[attribute] = "" if _clears(raw) else parsers.parse_text(raw, max_length=limit)

    return read


def _cell_public(raw, row, ctx):
    if _clears(raw):
        raise CellError(_("是否公开只能填“是”或“否”。"))
    value = parsers.parse_bool(raw)
    if value is not None:
        row.values["is_public"] = value


def _cell_change_note(raw, row, ctx):
    row.note = parsers.parse_text(raw, max_length=1000)


READERS = {
    "change_note": _cell_change_note,
    "code": _cell_code,
    "name": _cell_name,
    "region": _cell_region,
    "industry": _cell_lookup("industry_id", "industries"),
    "stage": _cell_choice("stage", "stages", "stage_labels"),
    "status": _cell_choice("status", "statuses", "status_labels"),
    "investment": _cell_investment,
    "signed_on": _cell_date("signed_on", "signed_on_precision"),
    "event": _cell_lookup("event_id", "events"),
    "partners": _cell_partners,
    "summary": _cell_text("summary", "summary"),
    "leader": _cell_text("leader", "leader"),
    "unit": _cell_text("responsible_unit", "unit"),
    "public": _cell_public,
    "started_on": _cell_date("started_on", "started_on_precision"),
    "operating_on": _cell_date("operating_on", "operating_on_precision"),
    "planned_operation_on": _cell_date("planned_operation_on"),
}
