"""Cell parsers: what staff type into a ledger cell, as domain values.

Every parser takes the raw cell value (a ``str`` from CSV; ``str``, ``int``,
``float``, ``bool`` or ``datetime`` from openpyxl) and returns a domain value,
or raises ``CellError`` whose message says, in Chinese, what is wrong. No
parser touches the database. Amounts are ``Decimal`` in 万元 throughout: a
float from an Excel numeric cell goes through ``repr`` (the shortest string
that round-trips), so 10.5 stays 10.5 and never becomes 10.4999….
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import gettext as _

from tracker.choices import DatePrecision, PartnerRole
from tracker.formatting import join_items

# The export's formula escape is the one rule of every spreadsheet (re-exported for the ledger).
from tracker.spreadsheets import FORMULA_PREFIXES, escape_formula, unescape_formula  # noqa: F401

# Unit multipliers into 万元.
WAN = Decimal("1")
YI = Decimal("10000")
YUAN = Decimal("0.0001")
_UNITS = {
    "亿元": YI,
    "亿": YI,
    "千万元": Decimal("1000"),
    "千万": Decimal("1000"),
    "百万元": Decimal("100"),
    "百万": Decimal("100"),
    "万元": WAN,
    "万": WAN,
    "元": YUAN,
}
UNITS = _UNITS
_QUANTUM = Decimal("0.0001")  # the model stores 万元 with four decimals: exact to the 元
_MAX = Decimal("999999999999.9999")  # max_digits=16, decimal_places=4

UNDISCLOSED_WORDS = frozenset({"未披露", "未公开", "不详", "-", "--", "—", "——", "/"})
_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_AMOUNT = re.compile(rf"^(?P<number>{_NUMBER})(?P<unit>{_UNIT})?$")
_BAND = re.compile(rf"^(?P<low>{_NUMBER}(?:{_UNIT})?)(?:至|到|~|-)(?P<high>{_NUMBER}(?:{_UNIT})?)$")
_FLOOR = re.compile(r"^(?:不低于|不少于|至少)(?P<amount>.+)$|^(?P<amount2>.+?)(?:以上|及以上)$")
_CEILING = re.compile(r"^(?:不超过|不高于|最多)(?P<amount>.+)$|^(?P<amount2>.+?)(?:以下|以内)$")
# 约2亿元, 近1亿, 2亿元左右: the figure as written (a ledger's figures are round anyway).
_ABOUT = re.compile(r"^(?:大约|约合|约为|约|将近|接近|近|预计|估算|估计)|(?:左右|上下)$")
# 超5000万, 逾2亿, 2亿多元, 1000余万元: more than the figure, a floor like 以上.
_OVER_PREFIX = re.compile(r"^(?:超过|超|逾|突破)")
_OVER_MARK = re.compile(r"(?<=[\d亿万千百])(?:余|多)")
_CURRENCY_PREFIX = re.compile(r"^(?:人民币|rmb|cny|¥)", re.IGNORECASE)
_FOREIGN = re.compile(r"美元|美金|欧元|日元|英镑|港币|港元|usd|eur|\$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


class CellError(ValueError):
    """A cell that cannot be read; ``message`` is for the person who typed it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@lru_cache(maxsize=8192)
def fold(value: str) -> str:
    """NFKC (full-width → half-width, ¥ → ¥), no white space, case-folded: a comparison key."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).casefold()


def text(value) -> str:
    """A cell as text: numbers without a spurious ``.0``, stripped, ``None`` → ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value).strip()


# --- Amounts ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Amount:
    """A parsed 总投资 cell: a single figure, a band, or undisclosed (all None)."""

    investment: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    approximate: bool = False  # 约2亿元, 近1亿, 2亿元左右: a single figure written as about


UNDISCLOSED = Amount()


def _number(value) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("无法识别的金额。"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(_("无法识别的金额。"))
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    raise TypeError(value)


def _checked(amount: Decimal, *, allow_zero: bool = False) -> Decimal:
    if amount < 0:
        raise CellError(_("金额不能为负数。"))
    if amount == 0 and not allow_zero:
        raise CellError(_("总投资必须大于 0；未披露请留空或填“未披露”。"))
    if amount > _MAX:
        raise CellError(_("金额过大。"))
    quantized = amount.quantize(_QUANTUM)
    if quantized != amount:
        raise CellError(_("金额最多精确到元（0.0001 万元）。"))
    return quantized


def _one(token: str, unit: Decimal) -> Decimal:
    match = _AMOUNT.match(token)
    if not match:
        raise CellError(
            _(
                "无法识别的金额“%(value)s”；可写 5亿元、10.5亿、1000万元、1000万元至1亿元 或 未披露。"
            )
            % {"value": token}
        )
    multiplier = _UNITS[match["unit"]] if match["unit"] else unit
    return Decimal(match["number"]) * multiplier


def parse_amount(value, *, unit: Decimal = WAN) -> Amount:
    """A 总投资 cell in 万元. A bare number is in ``unit`` (the header's unit).

    ``5亿元``, ``10.5亿``, ``1000万元``, ``1,000万``, ``142 亿元``, ``¥5亿``,
    ``500000000元``; bands ``1000万元至1亿元`` / ``1000万-1亿`` / ``1-2亿`` (a bare
    lower figure takes the upper figure's unit); ``不低于1000万元`` and
    ``不超过1亿元`` (one-sided bands); approximate figures as offices write them:
    ``约2亿元``, ``近1亿``, ``2亿元左右`` → the figure; ``超5000万``, ``逾2亿``,
    ``2亿多元``, ``1000余万元`` → a floor, as ``2亿元以上``; empty or ``未披露`` →
    undisclosed.
    """
    if value is None:
        return UNDISCLOSED
    if not isinstance(value, str):
        return Amount(investment=_checked(_number(value) * unit))
    token = fold(value).replace(",", "")
    if not token or token in UNDISCLOSED_WORDS:
        return UNDISCLOSED
    if _FOREIGN.search(token):
        raise CellError(_("只接受人民币金额。"))
    token = _CURRENCY_PREFIX.sub("", token)
    if token.startswith("-"):
        raise CellError(_("金额不能为负数。"))
    about = _ABOUT.sub("", token)
    approximate, token = about != token, about
    over = _OVER_PREFIX.sub("", token)
    over = _OVER_MARK.sub("", over, count=1)
    if over != token:
        return Amount(low=_checked(_one(over, unit)))
    if match := _BAND.match(token):
        low_text, high_text = match["low"], match["high"]
        high_match = _AMOUNT.match(high_text)
        low_match = _AMOUNT.match(low_text)
        # "1-2亿": the bare lower figure shares the upper figure's unit.
        if low_match and not low_match["unit"] and high_match and high_match["unit"]:
            low = Decimal(low_match["number"]) * _UNITS[high_match["unit"]]
        else:
            low = _one(low_text, unit)
        high = _one(high_text, unit)
        low, high = _checked(low, allow_zero=True), _checked(high)
        if low > high:
            raise CellError(_("金额区间的下限大于上限。"))
        return Amount(low=low, high=high)
    if match := _FLOOR.match(token):
        return Amount(low=_checked(_one(match["amount"] or match["amount2"], unit)))
    if match := _CEILING.match(token):
        return Amount(high=_checked(_one(match["amount"] or match["amount2"], unit)))
    return Amount(investment=_checked(_one(token, unit)), approximate=approximate)


# --- Dates ---------------------------------------------------------------------------

_DAY = re.compile(
    r"^(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})(?:[-/.]|月)(?P<d>\d{1,2})日?(?:\s*0{1,2}:00(?::00)?)?$"
)
_MONTH = re.compile(r"^(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})月?$")
_YEAR = re.compile(r"^(?P<y>\d{4})年?$")
_MIN_YEAR, _MAX_YEAR = 1900, 2100


def _date(year: int, month: int, day: int) -> date:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise CellError(_("年份应在 1900 至 2100 之间。"))
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(_("日期不存在。")) from None


def parse_date(value) -> tuple[date | None, str]:
    """A 签约日期 cell as (first day of the period, precision).

    ``2020-10-12``, ``2020/10/12``, ``2020.10.12``, ``2020年10月12日`` → day;
    ``2020年10月`` / ``2020-10`` → month; ``2020年`` / ``2020`` → year; an Excel
    date cell → day. Empty → (None, day).
    """
    if value is None:
        return None, DatePrecision.DAY
    if isinstance(value, datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, date):
        return value, DatePrecision.DAY
    if isinstance(value, bool):
        raise CellError(_("无法识别的日期。"))
    if isinstance(value, int | float):
        # A year typed into a numeric cell.
        if float(value).is_integer() and _MIN_YEAR <= value <= _MAX_YEAR:
            return _date(int(value), 1, 1), DatePrecision.YEAR
        raise CellError(_("无法识别的日期；请写成 2020-10-12、2020年10月 或 2020年。"))
    token = unicodedata.normalize("NFKC", value).strip()
    if not token:
        return None, DatePrecision.DAY
    if match := _DAY.match(token):
        return _date(int(match["y"]), int(match["m"]), int(match["d"])), DatePrecision.DAY
    if match := _MONTH.match(token):
        month = int(match["m"])
        if not 1 <= month <= 12:
            raise CellError(_("日期不存在。"))
        return _date(int(match["y"]), month, 1), DatePrecision.MONTH
    if match := _YEAR.match(token):
        return _date(int(match["y"]), 1, 1), DatePrecision.YEAR
    raise CellError(
        _("无法识别的日期“%(value)s”；请写成 2020-10-12、2020年10月 或 2020年。") % {"value": token}
    )


# --- Booleans and choices ----------------------------------------------------------------

_TRUE = frozenset({"是", "true", "1", "yes", "y", "公开", "√", "✓"})
_FALSE = frozenset({"否", "false", "0", "no", "n", "不公开", "×"})


def parse_bool(value) -> bool | None:
    """是/否, true/false, 1/0 (and yes/no, 公开/不公开); empty → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    token = fold(text(value))
    if not token:
        return None
    if token in _TRUE:
        return True
    if token in _FALSE:
        return False
    raise CellError(_("应填“是”或“否”（也可填 true/false、1/0）。"))


def choice_index(choices) -> dict[str, str]:
    """Folded label and code → code, for ``parse_choice``."""
    index = {}
    for code, label in choices:
        index[fold(str(code))] = code
        index[fold(str(label))] = code
    return index


def parse_choice(value, index: dict[str, str], labels) -> str | None:
    """A label or a code from ``index``; empty → None; unknown → error listing the labels."""
    token = fold(text(value))
    if not token:
        return None
    try:
        return index[token]
    except KeyError:
        raise CellError(
            _("“%(value)s”不是可选值；可选：%(choices)s。")
            % {"value": text(value), "choices": join_items(labels)}
        ) from None


# --- Partners ----------------------------------------------------------------------------

_PARTNER_SPLIT = re.compile(r"[、；;\n\r]+")
_TRAILING_ROLE = re.compile(r"^(?P<name>.+?)\s*[（(](?P<role>[^（）()]+)[）)]\s*$")
_ROLES = choice_index(PartnerRole.choices)
NAME_MAX = 200


def parse_partners(value) -> list[tuple[str, str]]:
    """``名称（角色）`` items separated by 、 ； ; or new lines, as (name, role code).

    The role is optional (default 签约方) and may be the Chinese label or the
    code. A trailing bracket that is not a role belongs to the name, so
    ``某某（集团）`` is a name. Repeated (name, role) pairs are dropped.
    """
    raw = text(value)
    if not raw:
        return []
    partners, seen = [], set()
    for item in _PARTNER_SPLIT.split(raw):
        item = item.strip()
        if not item:
            continue
        name, role = item, PartnerRole.SIGNATORY.value
        if match := _TRAILING_ROLE.match(item):
            code = _ROLES.get(fold(match["role"]))
            if code:
                name, role = match["name"].strip(), code
        if not name:
            raise CellError(_("合作方名称不能为空。"))
        if len(name) > NAME_MAX:
            raise CellError(_("合作方名称过长（最多 200 字）：%(name)s") % {"name": name[:20]})
        key = (fold(name), role)
        if key not in seen:
            seen.add(key)
            partners.append((name, role))
    return partners


# --- Text -----------------------------------------------------------------------------------


def parse_text(value, *, max_length: int | None = None) -> str:
    result = unescape_formula(text(value))
    if max_length is not None and len(result) > max_length:
        raise CellError(
            _("内容过长：最多 %(max)s 字，这里有 %(length)s 字。")
            % {"max": max_length, "length": len(result)}
        )
    return result
