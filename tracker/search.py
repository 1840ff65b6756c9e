"""Substring search: a term anywhere in a project's code, name or summary, or in a partner's
name or aliases.

Chinese has no spaces between words, so people search for a substring ("碳纤维",
"腾讯"), not for words. Each engine answers from a trigram index (migration 0007):

- PostgreSQL: pg_trgm GIN indexes on ``UPPER(column)``, which Django's ``icontains``
  compares, so the ORM lookups below use them as written;
- SQLite: the FTS5 tables ``tracker_project_search`` and ``tracker_organization_search``
  (trigram tokenizer), where a quoted phrase of three or more characters matches a
  substring, case-folded.

A term of one or two characters (腾讯, 中铁: most Chinese names) has no trigram.
PostgreSQL answers it from a second index of each row's one- and two-character
substrings; SQLite from FTS5 tables holding one token per character, whose
candidates are checked against the text. A short term with punctuation in it
("5%") is matched by reading the rows.
"""

import unicodedata

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact, IsNull

from . import stats
from .models import Organization, Project, ProjectPartner
from .text import normalize_name

SHORTEST_INDEXED_TERM = 3  # a trigram

# PostgreSQL's index of one- and two-character substrings (migrations 0007, 0009); the same
# expressions as there, or the index does not apply.
SHORT_GRAMS = {
    "tracker_project": "tracker_short_grams(UPPER(code || E'\\n' || name || E'\\n' || summary))",
    "tracker_organization": (
        "tracker_short_grams(UPPER(name || E'\\n' || short_name || E'\\n' || name_key"
        " || E'\\n' || aliases))"
    ),
}


def _trigram_table(*terms: str) -> bool:
    """Whether SQLite's trigram tables can answer for every one of ``terms``."""
    return connection.vendor == "sqlite" and min(map(len, terms)) >= SHORTEST_INDEXED_TERM


def _char_table(*terms: str) -> bool:
    """Whether SQLite's one-token-per-character tables can answer for every one of ``terms``.

    Their tokens are letters and digits (unicode61); a term with punctuation or a
    space in it would lose those characters from its phrase.
    """
    return connection.vendor == "sqlite" and all(
        len(term) < SHORTEST_INDEXED_TERM
        and all(unicodedata.category(ch)[0] in "LN" for ch in term)
        for term in terms
    )


def _short_grams(*terms: str) -> bool:
    """Whether PostgreSQL's short-substring index can answer for every one of ``terms``."""
    return connection.vendor == "postgresql" and max(map(len, terms)) < SHORTEST_INDEXED_TERM


def _fts_ids(table: str, *phrases: str) -> RawSQL:
    """Rowids of the SQLite FTS5 ``table`` holding any of ``phrases``."""
    # A quoted FTS5 phrase is matched literally; a quote inside is doubled.
    query = " OR ".join('"' + phrase.replace('"', '""') + '"' for phrase in phrases)
    return RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [query])


def _char_ids(table: str, *terms: str) -> RawSQL:
    """Candidates from a one-token-per-character table: the characters side by side.

    Punctuation is no token, so "进主" is also found in "引进，主要"; callers check
    the candidates against the text.
    """
    return _fts_ids(table, *(" ".join(term) for term in terms))


def _short_gram_match(table: str, *terms: str) -> RawSQL:
    """A condition on ``table``: any of ``terms`` (one or two characters) is a substring."""
    wanted = ", ".join(["UPPER(%s)"] * len(terms))
    return RawSQL(
        f"{SHORT_GRAMS[table]} && ARRAY[{wanted}]", list(terms), output_field=BooleanField()
    )


def _organization_text(term: str, prefix: str = "") -> Q:
    """``term`` in an organisation's name, short name, folded name key or an alias, read
    from the row itself (``prefix``: the path to the organisation, e.g. ``organization__``)."""
    return (
        Q(**{f"{prefix}name__icontains": term})
        | Q(**{f"{prefix}short_name__icontains": term})
        | Q(**{f"{prefix}name_key__contains": normalize_name(term)})
        | Q(**{f"{prefix}aliases__icontains": term})
    )


def organization_named(term: str) -> Q:
    """A condition on organisations: ``term`` in the name, short name, folded name key or an
    alias (another printed form of the name, migration 0009 indexes it)."""
    key = normalize_name(term)
    terms = list(dict.fromkeys(t for t in (term, key) if t))  # often the same
    if _trigram_table(*terms):
        return Q(pk__in=_fts_ids("tracker_organization_search", *terms))
    if _short_grams(*terms):
        matching = Organization.objects.filter(_short_gram_match("tracker_organization", *terms))
        return Q(pk__in=matching.order_by().values("pk"))
    text = _organization_text(term)
    if _char_table(*terms):
        return Q(pk__in=_char_ids("tracker_organization_chars", *terms)) & text
    return text


def partners_matching(term: str):
    """``organization_named`` for the partner list: for a common term on SQLite ("科技":
    11,000 of 25,000 partners) in a form read row by row in the list's order, which finds
    a page after a few dozen rows instead of sorting every match (see ``_common``)."""
    condition = organization_named(term)
    if _char_table(term) or _trigram_table(term):
        _projects, organizations = stats.cached(
            "search-candidates", (term,), lambda: _candidates_sqlite(term)
        )
        if organizations >= COMMON_CANDIDATES // 4:
            return _unindexed(condition)
    return condition


class IsAnyOf(Func):
    """PostgreSQL's ``column = ANY(ARRAY(subquery))``.

    The array is computed once, first, and then looked up in the primary key's
    index. ``column IN (subquery)`` would be planned as a join, and with the
    trigram index's rough row estimate PostgreSQL joins by reading every project.
    """

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def projects_matching(term: str) -> Q | IsAnyOf | Exact:
    """A condition on projects: ``term`` in the code, name or summary, or in a partner's name."""
    partners = (
        ProjectPartner.objects.filter(
            organization__in=Organization.objects.filter(organization_named(term))
        )
        .order_by()
        .values("project_id")
    )
    text = Q(code__icontains=term) | Q(name__icontains=term) | Q(summary__icontains=term)
    if connection.vendor == "postgresql":
        own = Project.objects.filter(
            _short_gram_match("tracker_project", term) if _short_grams(term) else text
        )
        if _common(term, lambda: _candidates_postgresql(term, own)):
            # Row by row in the list's order: its text, then its few partners' names. As a
            # scalar subquery, not EXISTS: PostgreSQL turns an EXISTS into a hashed set of
            # every project any matching partner has ("教育": 145,000 ids, 180 ms at
            # 1,000,000 projects) before it reads the first row; a scalar subquery it runs
            # per row read, and a page is found after a few hundred.
            first_partner = (
                ProjectPartner.objects.filter(project_id=OuterRef("pk"))
                .filter(_organization_text(term, "organization__"))
                .order_by()
                .values("project_id")[:1]
            )
            return text | Q(IsNull(Subquery(first_partner), False))
        # One IN over a UNION: the few ids the indexes found, looked up by primary key.
        return IsAnyOf(F("pk"), ArraySubquery(own.order_by().values("pk").union(partners)))
    if _trigram_table(term):
        own = Q(pk__in=_fts_ids("tracker_project_search", term))
    elif _char_table(term):
        own = Q(pk__in=_char_ids("tracker_project_chars", term)) & text
    else:
        own = text
    if _char_table(term) or _trigram_table(term):
        common = _common(term, lambda: _candidates_sqlite(term))
    else:
        common = False
    if common:
        # Row by row: its own text, and its few partner rows against the named partners.
        named = Organization.objects.filter(organization_named(term)).order_by().values("pk")
        # The partner test unindexed too, or SQLite probes (project, organisation) once for
        # every named partner on every row, instead of reading the row's few partners.
        partner = Exists(
            ProjectPartner.objects.filter(
                _unindexed(Q(organization_id__in=named)), project_id=OuterRef("pk")
            )
        )
        return _unindexed(text | Q(partner))
    # SQLite looks up each side of the OR by rowid and merges them (a MULTI-INDEX OR).
    return own | Q(pk__in=partners)


# Candidates (projects, or partners × 4) past which a term counts as common: about 5% of
# the list at 100,000 projects. Row by row costs (the limit ÷ the share matching) rows for a
# count, so a term rarer than this is better answered from the indexes.
COMMON_CANDIDATES = 5000


def _common(term: str, candidates) -> bool:
    """Whether ``term`` is common (e.g. "科技": 11,000 partners, 70,000 projects at 100,000).

    A rare term is answered from the indexes, and its few matches sorted. For a common
    one that sort takes seconds (every match, for a page of 20), while reading the list
    in its own order (an index) and testing each row finds a page after a few dozen
    rows. ``candidates()`` counts, from the indexes and at most ``COMMON_CANDIDATES``
    rows, (own matches, partners named); remembered in this process while the data holds.
    """
    projects, organizations = stats.cached("search-candidates", (term,), candidates)
    return projects >= COMMON_CANDIDATES or organizations >= COMMON_CANDIDATES // 4


def _candidates_postgresql(term: str, own) -> tuple[int, int]:
    limit = COMMON_CANDIDATES
    organizations = Organization.objects.filter(organization_named(term)).order_by()
    return (
        own.order_by().values("pk")[:limit].count(),
        organizations.values("pk")[: limit // 4].count(),
    )


def _candidates_sqlite(term: str) -> tuple[int, int]:
    if _trigram_table(term):
        own, partners, phrase = "tracker_project_search", "tracker_organization_search", term
    else:
        own, partners, phrase = (
            "tracker_project_chars",
            "tracker_organization_chars",
            " ".join(term),
        )
    match = '"' + phrase.replace('"', '""') + '"'
    limit = COMMON_CANDIDATES
    # The rowids themselves (a few thousand integers at most, from the index), in one query.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 0 FROM (SELECT rowid FROM {own} WHERE {own} MATCH %s LIMIT %s) UNION ALL"
            f" SELECT 1 FROM (SELECT rowid FROM {partners} WHERE {partners} MATCH %s LIMIT %s)",
            [match, limit, match, limit // 4],
        )
        sides = [side for (side,) in cursor.fetchall()]
    return sides.count(0), sides.count(1)


def _unindexed(condition: Q):
    """``condition`` in a form SQLite's planner cannot answer from an index (a CASE), so it
    reads the rows in the order asked for and stops at the page's end; the subqueries in
    ``condition`` are still computed once each."""
    return Exact(Case(When(condition, then=Value(1)), default=Value(0)), 1)
