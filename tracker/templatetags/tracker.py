"""Template helpers of the public site: amounts and dates as people write them.

Chinese pages use ``tracker.amounts`` (142亿元, 10.5亿元, 1000万元, 未披露). English pages
read the same exact values in yuan (14.2 billion yuan) — never rounded, like the
Chinese reading.
"""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from tracker.amounts import format_band, format_wan
from tracker.choices import DatePrecision
from tracker.text import join_items

register = template.Library()

DATE_FORMATS = {
    DatePrecision.DAY: gettext_lazy("Y年n月j日"),
    DatePrecision.MONTH: gettext_lazy("Y年n月"),
    DatePrecision.YEAR: gettext_lazy("Y年"),
}
_YUAN_PER_WAN = Decimal(10000)
_ENGLISH_UNITS = ((Decimal(10) ** 9, "billion yuan"), (Decimal(10) ** 6, "million yuan"))


def _chinese() -> bool:
    return (translation.get_language() or "zh-hans").startswith("zh")


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _english(amount: Decimal) -> str:
    yuan = amount * _YUAN_PER_WAN
    for size, unit in _ENGLISH_UNITS:
        if yuan >= size:
            return f"{_plain(yuan / size)} {unit}"
    whole = yuan == yuan.to_integral_value()
    return f"{int(yuan):,} yuan" if whole else f"{_plain(yuan)} yuan"


@register.filter
def wan(amount, missing=None):
    """An amount in 万元 as people write it; 未披露 (or ``missing``) when ``None``.

    Sums pass ``missing`` ("—"): a group with no disclosed amount has no total,
    which is not the same as one project keeping its amount undisclosed.
    """
    if amount is None or amount == "":
        return gettext("未披露") if missing is None else missing
    amount = Decimal(amount)
    return format_wan(amount) if _chinese() else _english(amount)


@register.filter(name="join_items")
def join_items_filter(items):
    """``a、b`` in Chinese, ``a, b`` in English (``tracker.text.join_items``)."""
    return join_items(items)


@register.filter
def band(project):
    """A project's amount band ("1000万元至1亿元"), or an empty string when it has none."""
    low, high = project.investment_low, project.investment_high
    if low is None and high is None:
        return ""
    if _chinese():
        return format_band(low, high)
    if low is not None and high is not None:
        return f"{_english(low)} to {_english(high)}"
    if low is not None:
        return f"at least {_english(low)}"
    return f"at most {_english(high)}"


@register.filter
def project_amount(project):
    """The project's own amount, else its band, else 未披露."""
    if project.investment is not None:
        return wan(project.investment)
    return band(project) or gettext("未披露")


@register.simple_tag
def precise_date(value, precision):
    """A date to the precision its source states: 2020年9月28日, 2020年9月 or 2020年."""
    if value is None:
        return ""
    return date_format(value, str(DATE_FORMATS.get(precision, DATE_FORMATS[DatePrecision.DAY])))


@register.filter
def iso_precise(value, precision):
    """The same date as ISO 8601 at its precision: 2020-09-28, 2020-09 or 2020."""
    if value is None:
        return ""
    return {DatePrecision.MONTH: value.strftime("%Y-%m"), DatePrecision.YEAR: str(value.year)}.get(
        precision, value.isoformat()
    )


@register.simple_tag(takes_context=True)
def sort_header(context, param, label, first="asc", css=""):
    """A column header that sorts the list by ``param``; a second click reverses the order.

    ``first="desc"`` makes the first click sort largest or newest first.
    """
    query = context["request"].GET.copy()
    current = query.get("ordering", "")
    if current == param:
        state, target = "ascending", f"-{param}"
    elif current == f"-{param}":
        state, target = "descending", param
    else:
        state, target = "", f"-{param}" if first == "desc" else param
    query["ordering"] = target
    query.pop("page", None)
    return format_html(
        '<th scope="col"{}{}><a href="?{}">{}</a></th>',
        format_html(' class="{}"', css) if css else "",
        format_html(' aria-sort="{}"', state) if state else "",
        query.urlencode(),
        label,
    )


@register.simple_tag
def totals_sentence(totals):
    """ "共 12 个项目，已披露投资额合计 10.5亿元；其中 3 个项目未披露投资额。" — one whole
    sentence per case, so a translator sees it whole."""
    count = format_html("<strong>{}</strong>", intcomma(totals["count"]))
    if totals["disclosed_total"] is None:
        return format_html(gettext("共 {count} 个项目，均未披露投资额。"), count=count)
    amount = format_html('<span class="amount-val">{}</span>', wan(totals["disclosed_total"]))
    if not totals["undisclosed"]:
        return format_html(
            gettext("共 {count} 个项目，已披露投资额合计 {amount}。"), count=count, amount=amount
        )
    return format_html(
        gettext(
            "共 {count} 个项目，已披露投资额合计 {amount}；其中 {undisclosed} 个项目未披露投资额。"
        ),
        count=count,
        amount=amount,
        undisclosed=intcomma(totals["undisclosed"]),
    )
