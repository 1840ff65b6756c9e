"""Template tags of the public site: thin names over ``tracker.formatting``.

Amounts, bands and dates read as ``tracker.formatting`` writes them, in the
reader's language; the tags here only add what belongs to HTML (sort links,
the totals sentence with its markup).
"""

from django import template
from django.conf import settings
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

from tracker import formatting

register = template.Library()


@register.filter
def wan(amount, missing=None):
    """An amount in 万元 as people write it; 未披露 (or ``missing``) when ``None``."""
    return formatting.format_amount(amount, missing)


@register.filter
def count(value):
    """A count grouped by thousands, the same in both languages: 95,192."""
    return formatting.format_count(value)


@register.filter(name="join_items")
def join_items_filter(items):
    """``a、b`` in Chinese, ``a, b`` in English."""
    return formatting.join_items(items)


@register.filter
def band(project):
    """A project's amount band ("1000万元至1亿元"), or an empty string when it has none."""
    return formatting.format_amount_band(project.investment_low, project.investment_high)


@register.filter
def project_amount(project):
    """The project's own amount, else its band, else 未披露."""
    return formatting.format_project_amount(project)


@register.simple_tag
def precise_date(value, precision):
    """A date to the precision its source states: 2020年9月28日, 2020年9月 or 2020年."""
    return formatting.format_date(value, precision)


@register.filter
def iso_precise(value, precision):
    """The same date as ISO 8601 at its precision: 2020-09-28, 2020-09 or 2020."""
    return formatting.iso_date(value, precision)


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
    n = totals["count"]
    count = format_html("<strong>{}</strong>", formatting.format_count(n))
    if totals.get("at_least"):  # a common search term, counted only so far (tracker.stats)
        return format_html(gettext("超过 {count} 个项目，请增加条件缩小范围。"), count=count)
    if not n:
        return gettext("没有符合条件的项目。")
    if totals["disclosed_total"] is None:
        message = ngettext(
            "共 {count} 个项目，均未披露投资额。", "共 {count} 个项目，均未披露投资额。", n
        )
        return format_html(message, count=count)
    amount = format_html('<span class="amount-val">{}</span>', wan(totals["disclosed_total"]))
    if not totals["undisclosed"]:
        message = ngettext(
            "共 {count} 个项目，已披露投资额合计 {amount}。",
            "共 {count} 个项目，已披露投资额合计 {amount}。",
            n,
        )
        return format_html(message, count=count, amount=amount)
    return format_html(
        gettext(
            "共 {count} 个项目，已披露投资额合计 {amount}；其中 {undisclosed} 个项目未披露投资额。"
        ),
        count=count,
        amount=amount,
        undisclosed=formatting.format_count(totals["undisclosed"]),
    )


@register.simple_tag(takes_context=True)
def language_links(context):
    """This page in each language: [{"code", "name", "url", "current"}].

    Chinese is at the plain URL, English under /en/ (``config.locale``); the query
    string (filters, page) stays. A plain link, not a form: a page that posts
    needs a CSRF cookie, and a cookie makes a page uncacheable.
    """
    request = context["request"]
    current = translation.get_language()
    path = request.path_info
    if current != settings.LANGUAGE_CODE and path.startswith(f"/{current}/"):
        path = path[len(current) + 1 :]
    query = request.META.get("QUERY_STRING", "")
    prefix = get_script_prefix().rstrip("/")
    links = []
    for code, _name in settings.LANGUAGES:
        localized = path if code == settings.LANGUAGE_CODE else f"/{code}{path}"
        links.append(
            {
                "code": code,
                "name": translation.get_language_info(code)["name_local"],
                "url": f"{prefix}{localized}" + (f"?{query}" if query else ""),
                "current": code == current,
            }
        )
    return links
