"""Figures over all public projects: totals for a selection and the overview's charts.

The overview and region figures, and the totals of a broad selection, read every
public row (or every match), so at 100,000 projects they cost tens to hundreds of
milliseconds. They are therefore remembered in this process's memory, keyed by
the exact SQL of the selection **and by a fingerprint of the data**: the newest
history id of every table that feeds a figure, plus the newest project id, read in
one indexed query. Every recorded write (admin, import, services, deletes) moves the
fingerprint, so every app server sees a change on its very next request; nothing is
ever served stale and nothing depends on which server computed it.

On PostgreSQL the newest id alone is not enough: ids are drawn when a row is
written, not when it commits, so a transaction that drew id 100 can commit after
one that drew 101, and MAX() would not move when it does. The fingerprint there
also holds the ids of the write transactions still running *in this database*
(``pg_stat_activity.backend_xid``): when the late one commits it leaves that
list, so the fingerprint moves. (The server-wide ``pg_current_snapshot()`` did
this too, but moved with every transaction on the server, other databases
included, and missed the cache for nothing.) On SQLite writers take the lock
before drawing any id, so they commit in id order.
"""

import hashlib
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import EmptyResultSet
from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import Stage
from .models import (
    Event,
    Industry,
    Organization,
    Project,
    ProjectPartner,
    Region,
    RegionTree,
    totals_aggregates,
)
from .selectors import public_organizations

LATEST_SIGNINGS = 8
# Only derived figures live here; an entry is found again only while the data is the same.
_memory = LocMemCache("tracker-stats", {"OPTIONS": {"MAX_ENTRIES": 2000}})
_MEMORY_SECONDS = 600


def _fingerprint_sql() -> str:
    tables = [
        m.history.model._meta.db_table
        for m in (Project, ProjectPartner, Event, Organization, Region, Industry)
    ]
    parts = [f"(SELECT MAX(history_id) FROM {connection.ops.quote_name(t)})" for t in tables]
    parts.append(f"(SELECT MAX(id) FROM {connection.ops.quote_name(Project._meta.db_table)})")
    if connection.vendor == "postgresql":
        # In the same statement as the MAX()es: the writers still running here.
        parts.append(
            "(SELECT string_agg(backend_xid::text, ',' ORDER BY backend_xid::text)"
            " FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_xid IS NOT NULL)"
        )
    return "SELECT " + ", ".join(parts)


# Read once per request: a public page writes nothing, so its data cannot move under it.
# Outside a request (commands, shells) there is no memo and every call reads afresh.
_request_memo: ContextVar[dict | None] = ContextVar("tracker_stats_request_memo", default=None)


def _start_request(**kwargs):
    _request_memo.set({})


def _end_request(**kwargs):
    _request_memo.set(None)


request_started.connect(_start_request, dispatch_uid="tracker-stats-request-started")
request_finished.connect(_end_request, dispatch_uid="tracker-stats-request-finished")


def data_fingerprint() -> tuple:
    """Changes whenever a project, partner, event, organisation, region or industry does."""
    memo = _request_memo.get()
    if memo is not None and "fingerprint" in memo:
        return memo["fingerprint"]
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        fingerprint = tuple(cursor.fetchone())
    if memo is not None:
        memo["fingerprint"] = fingerprint
    return fingerprint


def clear():
    """Forget everything at once (tests start from here)."""
    _memory.clear()


def cached(name: str, identity, compute):
    """``compute()``, remembered under ``name`` and ``identity`` while the data is unchanged.

    The database is part of the key: the same SQL means other figures elsewhere.
    """
    database = (connection.alias, str(connection.settings_dict["NAME"]))
    digest = hashlib.sha1(repr((database, identity, data_fingerprint())).encode()).hexdigest()
    key = f"{name}:{digest}"
    value = _memory.get(key)
    if value is None:
        value = compute()
        _memory.set(key, value, _MEMORY_SECONDS)
    return value


def _identity(queryset):
    """The SQL and parameters of ``queryset`` without its ordering, or None when it is empty."""
    try:
        return queryset.order_by().query.sql_with_params()
    except EmptyResultSet:
        return None


# --- Totals of a selection -------------------------------------------------------------


def project_totals(queryset, *, remember: bool = False) -> dict:
    """Count, disclosed total (万元) and count of undisclosed amounts of ``queryset``.

    One aggregate over every matching row. ``remember`` keeps the result while the
    data is unchanged: worth it for a broad selection (a district, a stage), which
    at 100,000 projects covers tens of thousands of rows and is asked for again and
    again. A search or a partner's list is counted fresh: its matches come from an
    index, and terms are too many and too rarely repeated for an entry each.
    """
    identity = _identity(queryset)
    if identity is None:
        return {"count": 0, "disclosed_total": None, "undisclosed": 0}
    compute = queryset.order_by().totals
    return cached("totals", identity, compute) if remember else compute()


def count(queryset) -> int:
    return 0 if _identity(queryset) is None else queryset.order_by().count()


# --- Regions ---------------------------------------------------------------------------


def region_counts() -> dict[int, dict]:
    """Public projects per region id: count, disclosed total and undisclosed count (cached)."""
    rows = Project.objects.public().order_by().values("region_id").annotate(**totals_aggregates())
    return cached("region-counts", (), lambda: {r["region_id"]: r for r in rows})


def rollup(tree: RegionTree, counts: dict, region) -> dict:
    """The totals of a region's whole subtree, in the shape of ``Project.totals()``."""
    rows = [counts[i] for i in tree.subtree_ids(region) if i in counts]
    amounts = [r["disclosed_total"] for r in rows if r["disclosed_total"] is not None]
    return {
        "count": sum(r["count"] for r in rows),
        "disclosed_total": sum(amounts) if amounts else None,
        "undisclosed": sum(r["undisclosed"] for r in rows),
    }


def region_stage_counts(region_ids, projects) -> dict[str, dict]:
    """``projects`` (those of the subtree ``region_ids``) counted by stage (cached)."""
    return cached(
        "region-stages",
        sorted(region_ids),
        lambda: {
            row["stage"]: row for row in projects.order_by().values("stage").annotate(n=Count("pk"))
        },
    )


# --- The overview ------------------------------------------------------------------------


@dataclass
class Bar:
    """One bar of a chart: a label, how many projects and their disclosed total (万元).

    The shares are lengths from 0 to 100 relative to the chart's longest bar.
    """

    label: str
    count: int
    amount: Decimal | None
    url: str = ""
    key: str = ""
    count_share: float = 0.0
    amount_share: float = 0.0

    @property
    def centred_x(self) -> float:
        """Where a bar centred in a 100-wide box starts (the funnel)."""
        return round((100 - self.count_share) / 2, 2)

    @property
    def column_y(self) -> float:
        """Where a column rising from the bottom of a 100-high box starts."""
        return round(100 - self.count_share, 2)


def _scale(bars: list[Bar]) -> list[Bar]:
    """Give each bar its length as a share (0–100) of the longest, per measure."""
    top_count = max((b.count for b in bars), default=0)
    top_amount = max((b.amount or 0 for b in bars), default=0)
    for bar in bars:
        bar.count_share = round(100 * bar.count / top_count, 1) if top_count else 0
        bar.amount_share = (
            round(float(100 * (bar.amount or 0) / top_amount), 1) if top_amount else 0
        )
    return bars


def _grouped(queryset, *fields):
    return queryset.order_by().values(*fields).annotate(n=Count("pk"), total=Sum("investment"))


def overview() -> dict:
    """Headline figures, the four charts and the latest signings (at most 9 queries)."""
    return cached("overview", (), _overview)


def _overview() -> dict:
    public = Project.objects.public()
    tree = RegionTree.load()
    list_url = reverse("tracker:project_list")

    stages = {row["stage"]: row for row in _grouped(public, "stage")}
    by_stage = [
        Bar(
            label=label,
            key=code,
            count=stages.get(code, {}).get("n", 0),
            amount=stages.get(code, {}).get("total"),
            url=f"{list_url}?stage={code}",
        )
        for code, label in Stage.choices
    ]

    districts: dict[int, Bar] = {}
    for row in _grouped(public, "region_id"):
        district = tree.district_of(row["region_id"])
        if district is None:
            continue
        bar = districts.setdefault(
            district.pk,
            Bar(label=district.name, count=0, amount=None, url=district.get_absolute_url()),
        )
        bar.count += row["n"]
        if row["total"] is not None:
            bar.amount = (bar.amount or 0) + row["total"]
    by_district = sorted(districts.values(), key=lambda b: (-b.count, b.label))

    by_industry = sorted(
        (
            Bar(
                label=row["industry__name"] or _("未分类"),
                count=row["n"],
                amount=row["total"],
                url=f"{list_url}?industry={row['industry__slug']}" if row["industry__slug"] else "",
            )
            for row in _grouped(public, "industry__slug", "industry__name")
        ),
        key=lambda b: (-b.count, b.label),
    )

    years = (
        public.filter(signed_on__isnull=False)
        .annotate(year=ExtractYear("signed_on"))
        .order_by()
        .values("year")
        .annotate(n=Count("pk"), total=Sum("investment"))
    )
    by_year = [
        Bar(
            label=str(row["year"]),
            count=row["n"],
            amount=row["total"],
            url=f"{list_url}?year={row['year']}",
        )
        for row in sorted(years, key=lambda r: r["year"])
    ]

    return {
        "totals": public.totals(),
        "partner_count": public_organizations().count(),
        "event_count": Event.objects.count(),
        "by_stage": _scale(by_stage),
        "by_district": _scale(by_district),
        "by_industry": _scale(by_industry),
        "by_year": _scale(by_year),
        "latest": list(
            public.filter(signed_on__isnull=False)
            .for_list()
            .order_by("-signed_on", "-code")[:LATEST_SIGNINGS]
        ),
    }
