"""The public footer's identity (主办单位, contact, 备案号) and the print stamp's 数据截至.

Kept apart from ``tracker.templatetags.tracker`` so the footer reads settings in one
place: ``{% load site_identity %}{% site_identity as site %}``.
"""

from datetime import UTC, datetime

from django import template
from django.conf import settings
from django.db import DatabaseError

register = template.Library()


@register.simple_tag
def site_identity() -> dict:
    """Publisher, contact and ICP number from settings; an empty value is not shown."""
    return {
        "publisher": settings.SITE_PUBLISHER,
        "contact": settings.SITE_CONTACT,
        "icp": settings.SITE_ICP,
    }


@register.simple_tag
def data_as_of():
    """A time at which the data shown was current (数据截至), at no extra query.

    The page's own Last-Modified: when this process first saw the data as it is now
    (``tracker.http_cache``), never before the last change, so the stamp never claims
    more freshness than it has. The data fingerprint is read once per request anyway.
    A database that cannot answer leaves the stamp out rather than breaking a page.
    """
    from tracker import stats
    from tracker.http_cache import data_last_modified

    try:
        seen = data_last_modified(stats.data_fingerprint())
    except (DatabaseError, RuntimeError):  # no database, or none allowed (the 400 page)
        return None
    return datetime.fromtimestamp(seen, tz=UTC)
