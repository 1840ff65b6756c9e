"""Domain values as ledger cells: what export writes and what the import preview shows.

Every renderer is the inverse of a parser in ``parsers``: rendering a value
and parsing the cell gives the value back, which is what makes an unedited
export → import round trip report every row unchanged. Labels are always the
Chinese ones (the ledger is a Chinese document whatever the UI language).
"""

from datetime import date

from django.utils import translation

from tracker.choices import DatePrecision, PartnerRole, Stage, Status
from tracker.formatting import UNDISCLOSED, format_band, format_wan, plain_decimal

from .parsers import escape_formula

LEDGER_LANGUAGE = "zh-hans"


def labels(choices) -> dict[str, str]:
    with translation.override(LEDGER_LANGUAGE):
        return {code: str(label) for code, label in choices.choices}


def stage_labels() -> dict[str, str]:
    return labels(Stage)


def status_labels() -> dict[str, str]:
    return labels(Status)


def role_labels() -> dict[str, str]:
    return labels(PartnerRole)


def amount_cell(investment, low, high, *, native: bool, approximate: bool = False):
    """The 总投资（万元） cell: a number in 万元, a band as text, or 未披露.

    An approximate figure is text, ``约20000``, so that it reads back as one.
    ``native`` (xlsx) writes the figure as a number, so Excel can sum it; a
    float carries every 万元 figure the model can hold to the 元 up to 10¹¹.
    """
    if investment is not None:
        text = plain_decimal(investment)
        if approximate:
            return f"约{text}"
        if native:
            if investment == investment.to_integral_value():
                return int(investment)
            number = float(text)
            # Beyond a double's precision the figure stays text, never rounded.
            return number if repr(number) == text else text
        return text
    if low is not None or high is not None:
        return format_band(low, high)
    return UNDISCLOSED


def amount_display(investment, low, high, approximate: bool = False) -> str:
    if investment is not None:
        return ("约" if approximate else "") + format_wan(investment)
    return format_band(low, high)


def date_cell(value: date | None, precision: str, *, native: bool):
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year}年"
    if precision == DatePrecision.MONTH:
        return f"{value.year}年{value.month}月"
    return value if native else value.isoformat()


def date_display(value: date | None, precision: str) -> str:
    if value is None:
        return ""
    return str(date_cell(value, precision, native=False))


def partners_cell(partners, roles: dict[str, str]) -> str:
    """(name, role) pairs as ``名称（角色）、名称（角色）``."""
    return "、".join(f"{name}（{roles.get(role, role)}）" for name, role in partners)


def bool_cell(value: bool) -> str:
    return "是" if value else "否"


def text_cell(value: str) -> str:
    return escape_formula(value) if value else ""
