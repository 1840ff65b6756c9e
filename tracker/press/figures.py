"""Amounts, bands, counts and dates as printed, in the ledger's units (万元, date + precision)."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"(亿元|万元|亿|万|元)"
AMOUNT = re.compile(_NUM + r"\s*" + _UNIT)
# "1000万元至1亿元", "200万元至500万元": a band, both ends with their units.
BAND = re.compile(_NUM + r"\s*" + _UNIT + r"?\s*(?:至|到|-|—|～|~)\s*" + _NUM + r"\s*" + _UNIT)
# "签约项目 14 个，总投资额达 142 亿元", "推介项目10个，总投资额达1180亿元"
DECLARED = re.compile(
    r"(?P<kind>签约|推介)项目\s*(?P<count>\d+)\s*个[，,]?\s*总投资(?:额)?(?:达|约|为|超)?\s*"
    + r"(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>亿元|万元|亿|万)"
)
_TO_WAN = {"亿元": Decimal(10000), "亿": Decimal(10000), "万元": Decimal(1), "万": Decimal(1)}
_TO_WAN["元"] = Decimal("0.0001")


def to_wan(number: str, unit: str) -> Decimal:
    """The amount in 万元, without exponent or trailing zeros (142亿元 → 1420000)."""
    value = Decimal(number) * _TO_WAN[unit]
    return Decimal(format(value.normalize(), "f"))


@dataclass(frozen=True)
class Band:
    low: Decimal
    high: Decimal


def band_in(text: str) -> Band | None:
    m = BAND.search(text)
    if not m:
        return None
    low_unit = m.group(2) or m.group(4)
    return Band(to_wan(m.group(1), low_unit), to_wan(m.group(3), m.group(4)))


@dataclass(frozen=True)
class DateGuess:
    value: date
    precision: str  # day | month | year
    printed: str


_FULL = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_MONTH_DAY = re.compile(r"(去年|今年)?(\d{1,2})月(\d{1,2})日")
_MONTH = re.compile(r"(去年|今年)?(\d{1,2})月(?:底|初|中旬|上旬|下旬|份)?(?!\d|日)")
_YEAR_MONTH = re.compile(r"(\d{4})年(\d{1,2})月(?!\d|日)")


def date_in(text: str, *, year: int | None) -> DateGuess | None:
    """The first date printed in ``text``, at the precision written.

    A month or day without a year resolves against ``year`` (the report's
    publication year; "去年" one less). Without a year known, such a date is
    not guessed.
    """
    for pattern, precision in ((_FULL, "day"), (_YEAR_MONTH, "month")):
        m = pattern.search(text)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            d = int(m.group(3)) if precision == "day" else 1
            return _safe(y, mo, d, precision, m.group(0))
    for pattern, precision in ((_MONTH_DAY, "day"), (_MONTH, "month")):
        m = pattern.search(text)
        if m and year:
            y = year - 1 if m.group(1) == "去年" else year
            d = int(m.group(3)) if precision == "day" else 1
            return _safe(y, int(m.group(2)), d, precision, m.group(0))
    return None


def _safe(y, mo, d, precision, printed) -> DateGuess | None:
    try:
        return DateGuess(date(y, mo, d), precision, printed)
    except ValueError:
        return None
