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


def _cell_name(raw, row, ctx):
    name = parsers.parse_text(raw, max_length=LIMITS["name"])
    if not name:
        raise CellError(_("项目名称不能为空。"))
    row.name = row.values["name"] = name


def _cell_region(raw, row, ctx):
    value = parsers.text(raw)
    if not value:
        raise CellError(_("所属区域不能为空。"))
    region_id = ctx.regions.find(value)
    if ctx.scope is not None and region_id not in ctx.scope:
        raise CellError(_("您无权录入“%(region)s”的项目。") % {"region": value})
    row.values["region_id"] = region_id


def _cell_industry(raw, row, ctx):
    value = parsers.text(raw)
    row.values["industry_id"] = ctx.industries.find(value) if value else None


def _cell_event(raw, row, ctx):
    value = parsers.text(raw)
    row.values["event_id"] = ctx.events.find(value) if value else None


def _cell_stage(raw, row, ctx):
    code = parsers.parse_choice(raw, ctx.stages, ctx.stage_labels.values())
    if code is not None:
        row.values["stage"] = code


def _cell_status(raw, row, ctx):
    code = parsers.parse_choice(raw, ctx.statuses, ctx.status_labels.values())
    if code is not None:
        row.values["status"] = code


def _cell_investment(raw, row, ctx):
    amount = parsers.parse_amount(raw, unit=ctx.layout.amount_unit)
    row.values["investment"] = amount.investment
    row.values["investment_low"] = amount.low
    row.values["investment_high"] = amount.high


def _cell_signed_on(raw, row, ctx):
    row.values["signed_on"], row.values["signed_on_precision"] = parsers.parse_date(raw)


def _cell_milestone(attribute, precision_attribute=None):
    """开工/投产 dates: a blank cell keeps what is stored (the sheet may just not know it)."""

    def read(raw, row, ctx):
        if parsers.text(raw) == "":
            return
        value, precision = parsers.parse_date(raw)
        row.values[attribute] = value
        if precision_attribute:
            row.values[precision_attribute] = precision

    return read


def _cell_partners(raw, row, ctx):
    row.partners = parsers.parse_partners(raw)


def _cell_text(attribute, key):
    limit = LIMITS.get(key)

    def read(raw, row, ctx):
        row.values[attribute] = parsers.parse_text(raw, max_length=limit)

    return read


def _cell_public(raw, row, ctx):
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
    "industry": _cell_industry,
    "stage": _cell_stage,
    "status": _cell_status,
    "investment": _cell_investment,
    "signed_on": _cell_signed_on,
    "event": _cell_event,
    "partners": _cell_partners,
    "summary": _cell_text("summary", "summary"),
    "leader": _cell_text("leader", "leader"),
    "unit": _cell_text("responsible_unit", "unit"),
    "public": _cell_public,
    "started_on": _cell_milestone("started_on", "started_on_precision"),
    "operating_on": _cell_milestone("operating_on", "operating_on_precision"),
    "planned_operation_on": _cell_milestone("planned_operation_on"),
}
