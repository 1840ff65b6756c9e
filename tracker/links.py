"""Links to a record's page: reversed once per URL name and language, not once per row.

A page of 20 projects links each row's project, region and event: sixty ``reverse()``
calls, each resolving the pattern afresh (a twentieth of an API request). The URL of
a record differs from its neighbour's only in the key, so the reversed pattern is kept
with a marker where the key goes, and the key is put in. A key that ``reverse()`` would
quote or that a converter might refuse takes the ordinary way.
"""

import re

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_MARK = "zqxkeyqxz"
# What reverse() leaves as it is, and what every str and slug converter accepts.
_PLAIN = re.compile(r"[A-Za-z0-9_-]+\Z")
_PATTERNS: dict[tuple, list[str]] = {}


def record_url(name: str, key: str, value) -> str:
    """``reverse(name, kwargs={key: value})`` for a str or slug ``key``."""
    value = str(value)
    if not _PLAIN.match(value):
        return reverse(name, kwargs={key: value})
    memo = (name, key, get_language(), get_script_prefix(), get_urlconf())
    parts = _PATTERNS.get(memo)
    if parts is None:
        parts = _PATTERNS[memo] = reverse(name, kwargs={key: _MARK}).split(_MARK)
    return value.join(parts)


def page_url(record) -> str:
    """The page of ``record`` by its ``page_route`` (URL name, key field): a model's
    ``get_absolute_url`` and a list row's (``list_rows``) alike."""
    name, key = record.page_route
    return record_url(name, key, getattr(record, key))
