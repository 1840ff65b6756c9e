"""Values as people read them, in the reader's language: amounts, dates, lists.

Amounts are ``Decimal`` in 万元 and ``None`` when undisclosed. Chinese reads them
as written (142亿元, 10.5亿元, 1000万元, 未披露); English reads the same exact
value in yuan (14.2 billion yuan). Neither ever rounds. The ledger is a Chinese
document whatever the UI language, so it uses the Chinese readings
(``format_wan``, ``format_band``) directly. Template tags
(``tracker.templatetags.tracker``) only delegate here.
"""

from decimal import Decimal

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, pgettext

from .choices import DatePrecision

UNDISCLOSED = "未披露"
_YI = Decimal("10000")  # 1 亿元 = 10000 万元
_WAN_YI = Decimal(10) ** 8  # 1 万亿元 = 10^8 万元
_YUAN_PER_WAN = Decimal(10000)
_ENGLISH_UNITS = (
    (Decimal(10) ** 12, "trillion yuan"),
    (Decimal(10) ** 9, "billion yuan"),
    (Decimal(10) ** 6, "million yuan"),
)


def plain_decimal(value: Decimal | None) -> str | None:
    """A decimal without exponent or trailing zeros: 105000.0000 → "105000", 1E+2 → "100".

    How an amount is written as data (open data, the API, the ledger); None stays None.
    """
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- Amounts in Chinese (also the ledger's) ---------------------------------------------


def format_wan(amount: Decimal | None, *, undisclosed: str = UNDISCLOSED) -> str:
    """142亿元, 10.5亿元, 1000万元; ``undisclosed`` when the amount is None.

    Whole-万元 amounts of 1万亿元 or more read in 万亿元 (141.6万亿元, not
    1416000亿元), of 1亿元 or more in 亿元; the rest in 万元, so no reading ever
    rounds.
    """
    if amount is None:
        return undisclosed
    whole = amount == amount.quantize(Decimal("1"))
    if amount >= _WAN_YI and whole:
        return f"{plain_decimal(amount / _WAN_YI)}万亿元"
    if amount >= _YI and whole:
        return f"{plain_decimal(amount / _YI)}亿元"
    return f"{plain_decimal(amount)}万元"


def format_band(low: Decimal | None, high: Decimal | None) -> str:
    """ "1000万元至1亿元" for a band; one side alone reads "不低于…" / "不超过…"."""
    if low is not None and high is not None:
        return f"{format_wan(low)}至{format_wan(high)}"
    if low is not None:
        return f"不低于{format_wan(low)}"
    if high is not None:
        return f"不超过{format_wan(high)}"
    return UNDISCLOSED


def format_count(value) -> str:
    """A count grouped by thousands with "," in both languages (95,192), as Chinese
    statistical tables write it too; Django's zh-hans format would not group at all."""
    return f"{int(value):,}"


# --- Amounts in the reader's language -----------------------------------------------------


def _chinese() -> bool:
    return (translation.get_language() or "zh-hans").startswith("zh")


def _english(amount: Decimal) -> str:
    yuan = amount * _YUAN_PER_WAN
    for size, unit in _ENGLISH_UNITS:
        if yuan >= size:
            return f"{plain_decimal(yuan / size)} {unit}"
    whole = yuan == yuan.to_integral_value()
    return f"{int(yuan):,} yuan" if whole else f"{plain_decimal(yuan)} yuan"


def format_amount(amount, missing=None, *, approximate: bool = False) -> str:
    """An amount in 万元 in the reader's language; 未披露 (or ``missing``) when ``None``.

    Sums pass ``missing`` ("—"): a group with no disclosed amount has no total,
    which is not the same as one project keeping its amount undisclosed.
    """
    if amount is None or amount == "":
        return gettext("未披露") if missing is None else missing
    amount = Decimal(amount)
    if _chinese():
        return ("约" if approximate else "") + format_wan(amount)
    return ("about " if approximate else "") + _english(amount)


def format_amount_band(low, high) -> str:
    """A band ("1000万元至1亿元", "at least 10 million yuan"); "" when it has neither side."""
    if low is None and high is None:
        return ""
    if _chinese():
        return format_band(low, high)
    if low is not None and high is not None:
        return f"{_english(low)} to {_english(high)}"
    if low is not None:
        return f"at least {_english(low)}"
    return f"at most {_english(high)}"


def format_project_amount(project) -> str:
    """The project's own amount (约… when the source gives a round figure), else its band, else 未披露."""
    if project.investment is not None:
        return format_amount(
            project.investment, approximate=getattr(project, "investment_approximate", False)
        )
    return format_amount_band(project.investment_low, project.investment_high) or gettext("未披露")


# --- Dates at the precision their source gives ------------------------------------------

DATE_FORMATS = {
    DatePrecision.DAY: gettext_lazy("Y年n月j日"),
    DatePrecision.MONTH: gettext_lazy("Y年n月"),
    DatePrecision.YEAR: gettext_lazy("Y年"),
}


def format_date(value, precision) -> str:
    """A date to the precision its source states: 2020年9月28日, 2020年9月 or 2020年."""
    if value is None:
        return ""
    return date_format(value, str(DATE_FORMATS.get(precision, DATE_FORMATS[DatePrecision.DAY])))


def iso_date(value, precision) -> str:
    """The same date as ISO 8601 at its precision: 2020-09-28, 2020-09 or 2020."""
    if value is None:
        return ""
    return {DatePrecision.MONTH: value.strftime("%Y-%m"), DatePrecision.YEAR: str(value.year)}.get(
        precision, value.isoformat()
    )


# --- Lists and clauses ------------------------------------------------------------------
# Chinese joins list items with 、 and clauses with ；, and ends with 。; English uses
# ", ", "; " and ".". Translated here, once, rather than in every message.


def join_items(items) -> str:
    """``a、b、c`` in Chinese, ``a, b, c`` in English."""
    return pgettext("list separator", "、").join(str(item) for item in items)


def join_clauses(clauses) -> str:
    """``甲；乙`` in Chinese, ``A; B`` in English."""
    return pgettext("clause separator", "；").join(str(clause) for clause in clauses)


def full_stop() -> str:
    return pgettext("sentence end", "。")
