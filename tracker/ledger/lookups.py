"""Finding rows by what a spreadsheet says: names, slugs, choice labels, long lists of keys.

Reads only; the importer and the exporter share them.
"""

import json

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from tracker.formatting import join_items

from . import parsers, render
from .parsers import CellError, fold


class NamedLookup:
    """A small table found by name or slug, compared folded."""

    def __init__(self, rows, *, what: str):
        self.what = what
        self.names: dict[int, str] = {}
        self.by_key: dict[str, set[int]] = {}
        self.slugs: dict[int, str] = {}
        for pk, name, slug in rows:
            self.names[pk] = name
            self.slugs[pk] = slug
            self.by_key.setdefault(fold(name), set()).add(pk)
            self.by_key.setdefault(fold(slug), set()).add(pk)

    def find(self, value: str) -> int:
        found = self.by_key.get(fold(value), ())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise CellError(
                _("“%(value)s”对应多个%(what)s，请改填短标识：%(slugs)s。")
                % {
                    "value": value,
                    "what": self.what,
                    "slugs": join_items(sorted(self.slugs[pk] for pk in found)),
                }
            )
        names = sorted(self.names.values())
        shown = join_items(names[:40]) + (
            _(" 等 %(n)s 个") % {"n": len(names)} if len(names) > 40 else ""
        )
        raise CellError(
            _("没有名为“%(value)s”的%(what)s；现有：%(names)s。")
            % {"value": value, "what": self.what, "names": shown or _("（无）")}
        )


def choice_lookup(choices) -> dict[str, str]:
    """Codes, Chinese labels and labels in the active language → code."""
    index = parsers.choice_index(choices.choices)
    index.update(parsers.choice_index(render.labels(choices).items()))
    return index


def word_lookup(choices, words: dict[str, str]) -> dict[str, str]:
    """``choice_lookup`` and the words offices use for the same choices (``tracker.verbs``)."""
    index = parsers.choice_index((code, word) for word, code in words.items())
    index.update(choice_lookup(choices))
    return index


def any_of(values, *, integer: bool = False):
    """The right-hand side of an ``__in`` lookup that binds a whole list as one parameter.

    A plain ``IN (%s, %s, …)`` needs one parameter per value, and SQLite
    allows only so many, which would split a large lookup into many
    queries. A JSON array expanded by the database keeps every lookup one
    query whatever the number of rows.
    """
    values = list(values)
    payload = json.dumps(values, ensure_ascii=False)
    if connection.vendor == "sqlite":
        return RawSQL("SELECT value FROM json_each(%s)", [payload])
    if connection.vendor == "postgresql":
        element = "(jsonb_array_elements_text(%s::jsonb))" + ("::bigint" if integer else "")
        return RawSQL(f"SELECT {element}", [payload])
    return values
