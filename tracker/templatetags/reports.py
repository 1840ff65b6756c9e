"""Cells of the staff reports (月报): plain numbers, dates in ISO, nothing shown as 0 that is unknown."""

from datetime import date
from decimal import Decimal

from django import template

from ..formatting import plain_decimal

register = template.Library()


@register.filter
def report_cell(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        whole, _dot, fraction = plain_decimal(value).partition(".")
        return f"{int(whole):,}" + (f".{fraction}" if fraction else "")
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return value


@register.filter
def is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
