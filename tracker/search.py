"""Substring search: a term anywhere in a project's code, name or summary, or in a partner's name.

Chinese has no spaces between words, so people search for a substring ("碳纤维",
"腾讯"), not for words. Each engine answers from a trigram index (migration 0007):

- PostgreSQL: pg_trgm GIN indexes on ``UPPER(column)``, which Django's ``icontains``
  compares, so the ORM lookups below use them as written;
- SQLite: the FTS5 tables ``tracker_project_search`` and ``tracker_organization_search``
  (trigram tokenizer), where a quoted phrase of three or more characters matches a
  substring, case-folded.

A term of one or two characters has no trigram, so no index can narrow it: it is
matched by reading the rows, as before (a few tens of ms at 100,000 projects).
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BooleanField, F, Func, Q
from django.db.models.expressions import RawSQL

from .models import Organization, Project, ProjectPartner
from .text import normalize_name

SHORTEST_INDEXED_TERM = 3


def _fts_ids(table: str, *terms: str) -> RawSQL:
    """Rowids of the SQLite FTS5 ``table`` holding any of ``terms`` as a substring."""
    # A quoted FTS5 phrase is matched literally; a quote inside is doubled.
    query = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
    return RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [query])


def _indexed(*terms: str) -> bool:
    """Whether SQLite's trigram tables can answer for every one of ``terms``."""
    return connection.vendor == "sqlite" and min(map(len, terms)) >= SHORTEST_INDEXED_TERM


def organization_named(term: str) -> Q:
    """A condition on organisations: ``term`` in the name, short name or folded name key."""
    key = normalize_name(term)
    if _indexed(term, key):
        return Q(pk__in=_fts_ids("tracker_organization_search", term, key))
    return Q(name__icontains=term) | Q(short_name__icontains=term) | Q(name_key__contains=key)


class IsAnyOf(Func):
    """PostgreSQL's ``column = ANY(ARRAY(subquery))``.

    The array is computed once, first, and then looked up in the primary key's
    index. ``column IN (subquery)`` would be planned as a join, and with the
    trigram index's rough row estimate PostgreSQL joins by reading every project.
    """

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def projects_matching(term: str) -> Q | IsAnyOf:
    """A condition on projects: ``term`` in the code, name or summary, or in a partner's name."""
    partners = (
        ProjectPartner.objects.filter(
            organization__in=Organization.objects.filter(organization_named(term))
        )
        .order_by()
        .values("project_id")
    )
    if _indexed(term):
        own = _fts_ids("tracker_project_search", term)
    else:
        text = Q(code__icontains=term) | Q(name__icontains=term) | Q(summary__icontains=term)
        own = Project.objects.filter(text).order_by().values("pk")
    if connection.vendor == "postgresql":
        return IsAnyOf(F("pk"), ArraySubquery(own.union(partners)))
    # SQLite answers each IN from its index and ORs the ids (a MULTI-INDEX OR).
    return Q(pk__in=own) | Q(pk__in=partners)
