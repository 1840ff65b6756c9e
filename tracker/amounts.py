"""Amounts as people write them. Values are ``Decimal`` in 万元; ``None`` is undisclosed."""

from decimal import Decimal

UNDISCLOSED = "未披露"
_YI = Decimal("10000")  # 1 亿元 = 10000 万元


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 10.50 → 10.5, 1E+2 → 100."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_wan(amount: Decimal | None, *, undisclosed: str = UNDISCLOSED) -> str:
    """142亿元, 10.5亿元, 1000万元; ``undisclosed`` when the amount is None.

    Whole-万元 amounts of 1亿元 or more read in 亿元; the rest in 万元, so no
    reading ever rounds.
    """
    if amount is None:
        return undisclosed
    if amount >= _YI and amount == amount.quantize(Decimal("1")):
        return f"{_plain(amount / _YI)}亿元"
    return f"{_plain(amount)}万元"


def format_band(low: Decimal | None, high: Decimal | None) -> str:
    """ "1000万元至1亿元" for a band; one side alone reads "不低于…" / "不超过…"."""
    if low is not None and high is not None:
        return f"{format_wan(low)}至{format_wan(high)}"
    if low is not None:
        return f"不低于{format_wan(low)}"
    if high is not None:
        return f"不超过{format_wan(high)}"
    return UNDISCLOSED
