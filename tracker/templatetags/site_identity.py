"""The public footer's identity (主办单位, contact, 备案号) and the print stamp's 数据截至.

Kept apart from ``tracker.templatetags.tracker`` so the footer reads settings in one
place: ``{% load site_identity %}{% site_identity as site %}``.
"""

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
    """When the public data last changed (shared with the API's X-Data-As-Of), or None.

    The stamp is an aside: a database that cannot answer leaves it out rather than
    turning a page (a 404, say) into an error.
    """
    from tracker.api.http import data_as_of as newest_change

    try:
        return newest_change()
    except DatabaseError:
        return None
