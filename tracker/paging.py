"""Paging of the public lists, shared by the HTML pages and the API.

A list is told its count (from ``stats``, which may remember it) instead of
counting again, and stops at ``MAX_OFFSET`` rows deep: past that a filter or the
CSV export serves better than paging, and a deep ``OFFSET`` costs time in
proportion to its depth.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.utils.functional import cached_property

from . import selectors, stats

PAGE_SIZE = 20
# 100 pages of 20: past that a filter or the CSV export serves better than paging,
# and OFFSET costs time in proportion to its depth.
MAX_OFFSET = 2000


class TooDeep(EmptyPage):
    pass


class CountedPaginator(Paginator):
    """A paginator that is told its count (already known from the totals) and its depth limit.

    Given ``rows``, a page is read in two steps inside one query: the page's ids,
    sorted and cut in a narrow subquery (often from an index alone), then those
    rows with their joins from ``rows``. Sorting whole joined rows instead made
    SQLite sort every match of a district: 30 ms at 100,000 projects, against 1.
    """

    def __init__(self, object_list, per_page, *, count, rows=None, max_offset=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count
        self.rows = rows
        self.max_pages = max(1, (max_offset or MAX_OFFSET) // per_page)

    @cached_property
    def count(self):
        return self._count

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > self.max_pages:
            raise TooDeep(number)
        return number

    def page(self, number):
        if self.rows is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        selection = self.object_list
        ids = selection.values("pk")[bottom : bottom + self.per_page]
        ordering = selection.query.order_by or selection.model._meta.ordering
        return self._get_page(self.rows.filter(pk__in=ids).order_by(*ordering), number, self)


def search_totals(identity, compute) -> dict:
    """``compute()``, the totals of a search, shared while the data is unchanged.

    A search is counted fresh, not kept among the figures the background recompute
    refreshes (terms are too many). But its next page, another ordering, the API
    beside the page, another worker: all ask the same count again, and a common term
    costs tens of milliseconds to count. So the totals are kept in the page cache
    (``settings.PUBLIC_PAGE_CACHE``) under the selection's ``identity`` (its SQL,
    ``stats.selection_identity``) and the data fingerprint, which the next write
    moves. With the page cache off, counted each time.
    """
    alias = getattr(settings, "PUBLIC_PAGE_CACHE", None)
    if not alias or identity is None:
        return compute()
    key = repr(
        (
            identity,
            connection.alias,
            str(connection.settings_dict["NAME"]),
            stats.data_fingerprint(),
        )
    )
    key = "search-totals:" + hashlib.sha1(key.encode()).hexdigest()
    cache = caches[alias]
    totals = cache.get(key)
    if totals is None:
        totals = compute()
        cache.set(key, totals, getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 600))
    return totals


# Parameters that page or order a list but do not change which rows are in it.
NOT_SELECTING = frozenset({"page", "page_size", "ordering"})


class ListRows:
    """How a list (page or API view) counts its selection and where it reads a page's rows."""

    def get_totals(self, queryset) -> dict:
        identity = self.selection_identity(queryset)
        if self.searched():
            return search_totals(identity, lambda: self.count_totals(queryset, identity))
        return self.count_totals(queryset, identity)

    def selection_identity(self, queryset):
        """The selection's SQL (``stats.selection_identity``), kept by what decides it: this
        view, its URL arguments and the filters given (not the page or the ordering)."""
        params = self.request.GET
        filterset = getattr(self, "filterset_class", None)
        names = filterset.base_filters.keys() if filterset is not None else params.keys()
        decided_by = (
            f"{type(self).__module__}.{type(self).__qualname__}",
            tuple(sorted((k, str(v)) for k, v in self.kwargs.items())),
            tuple(
                (n, tuple(params.getlist(n)))
                for n in sorted(set(names) - NOT_SELECTING)
                if n in params
            ),
        )
        return stats.selection_identity(queryset, decided_by=decided_by)

    def count_totals(self, queryset, identity=stats.COMPILE) -> dict:
        limit = self.count_limit()
        if limit is None:
            count = stats.count(queryset, remember=self.remember_totals(), identity=identity)
            return {"count": count}
        found = stats.count(queryset, limit=limit + 1, identity=identity)
        return {"count": limit, "at_least": True} if found > limit else {"count": found}

    def remember_totals(self) -> bool:
        """Keep the count for the next request (shared, see ``stats``) unless a term narrows
        it: an unfiltered list of 25,000 public partners costs a second to count."""
        return not self.searched()

    def count_limit(self) -> int | None:
        """A search is counted up to ``stats.SEARCH_COUNT_LIMIT`` matches ("more than" past it)."""
        return stats.SEARCH_COUNT_LIMIT if self.searched() else None

    def searched(self) -> bool:
        return bool(self.request.GET.get("q", "").strip())

    def page_rows(self):
        """Where a page's rows are read from by id (see ``CountedPaginator``); None: the selection."""
        return None


class ProjectListRows(ListRows):
    """A list of projects: its totals (count, disclosed total, undisclosed) and rows by id."""

    def count_totals(self, queryset, identity=stats.COMPILE) -> dict:
        return stats.project_totals(
            queryset, remember=self.remember_totals(), limit=self.count_limit(), identity=identity
        )

    def remember_totals(self) -> bool:
        """Keep the totals for the next request: for broad selections (see ``stats``)."""
        return False

    def page_rows(self):
        return selectors.project_rows()
