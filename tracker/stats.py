"""Figures over all public projects: totals for a selection and the overview's charts.

The overview and region figures, and the totals of a broad selection, read every
public row (or every match), so at 100,000 projects they cost tens to hundreds of
milliseconds each, seconds together. They are therefore kept in Django's "default"
cache (the database's cache table, or Redis when ``REDIS_URL`` is set), shared by
every worker and every server, and refreshed by the writes themselves:

- Each entry records the **data fingerprint** it was computed at: the newest
  history id of every table that feeds a figure, plus the newest project id, read
  in one indexed query. Every recorded write (admin, import, services, deletes)
  moves it, so every process sees on its next request that an entry is behind.
- A write also queues one background recompute (job kind ``stats``, see
  ``services.stats_warm``, queued from ``signals`` on commit). While it is queued or
  running, visitors get the entry they have, marked stale, with the time it was
  computed (数据截至): no visitor pays for a recompute. Only when nothing will
  recompute (no such job: no entry yet, a write that queued nothing, a test without
  a worker) does the request compute the figure itself, as before.
- In front of the shared cache each process keeps the entries it last read, so a
  warm page costs no cache read at all; after a restart the first request reads
  the shared entry (one query) instead of recomputing.

The fingerprint and how an entry is judged current on PostgreSQL: ``fingerprint``.
"""

import hashlib
import pickle
from datetime import timedelta

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import schematic, trends
from .bars import Bar, scale
from .choices import Stage

# Re-exported: pages, the API and jobs read the fingerprint through stats as well.
from .fingerprint import (  # noqa: F401
    data_as_of,
    data_fingerprint,
    is_current,
    mark_request,
    per_request,
    request_marked,
)
from .models import (
    Event,
    Job,
    Project,
    RegionTree,
    totals_aggregates,
)
from .selectors import public_organizations

LATEST_SIGNINGS = 8
# The dedupe key of the background recompute (services.stats_warm).
WARM_KEY = "stats"
# A recompute queued or beating longer ago than this is taken for lost (no worker):
# past it a visitor computes the figure rather than wait on it.
WARM_STALE_LIMIT = timedelta(minutes=5)
# Shared entries are replaced when the data moves; this only drops selections nobody asks for.
SHARED_SECONDS = 7 * 24 * 3600
# The selections the recompute refreshes: the most recently computed ones.
INDEX_MAX = 400
LOCAL_MAX = 2000

# Cheap figures (one indexed query) stay in this process only, keyed by the fingerprint.
_memory = LocMemCache("tracker-stats", {"OPTIONS": {"MAX_ENTRIES": 2000}})
_MEMORY_SECONDS = 600
# This process's copies of shared entries: key → entry.
_local: dict[str, dict] = {}
# Part of every shared key; ``clear()`` moves it, leaving earlier entries unreachable.
_generation = 0


def _shared():
    return caches["default"]


def clear():
    """Forget everything at once (tests and benchmarks start from here).

    The shared entries are not deleted (that would need the database, and tests
    that have none call this too): this process moves to keys of its own instead.
    """
    global _generation
    _generation += 1
    forget_local()


def forget_local():
    """Forget this process's copies only, as a freshly started worker has none."""
    _memory.clear()
    _local.clear()
    _identities.clear()


def _database() -> tuple:
    # The database is part of every key: the same SQL means other figures elsewhere.
    return (connection.alias, str(connection.settings_dict["NAME"]))


def cached(name: str, identity, compute):
    """``compute()``, remembered in this process under ``name`` and ``identity`` while the
    data is unchanged. For cheap figures; the costly ones are ``shared``."""
    digest = hashlib.sha1(repr((_database(), identity, data_fingerprint())).encode()).hexdigest()
    key = f"{name}:{digest}"
    value = _memory.get(key)
    if value is None:
        value = compute()
        _memory.set(key, value, _MEMORY_SECONDS)
    return value


# --- Shared figures ----------------------------------------------------------------------
#
# An entry is {"fp": fingerprint computed at, "at": when, "value": the figure}. How to
# compute it again is its *recipe*, a picklable tuple, so that the background recompute
# (which has no request and no view) can refresh every selection visitors asked for.


def _key(name: str, identity) -> str:
    digest = hashlib.sha1(repr((_database(), _generation, identity)).encode()).hexdigest()
    return f"stats:{name}:{digest}"


def _index_key() -> str:
    return _key("index", ())


def _restore(query):
    queryset = query.model._default_manager.all()
    queryset.query = query
    return queryset


def _run(recipe):
    kind, *args = recipe
    if kind == "overview":
        return _overview()
    if kind == "region-counts":
        return _region_counts()
    if kind == "totals":
        return _restore(args[0]).totals()
    if kind == "count":
        sql, params = args
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) counted", params)
            return cursor.fetchone()[0]
    if kind == "region-stages":
        return _stage_counts(_restore(args[0]))
    raise ValueError(f"unknown figure {kind!r}")


def _remember_local(key: str, entry: dict):
    if len(_local) >= LOCAL_MAX:
        _local.clear()
    _local[key] = entry


def _picklable(recipe) -> bool:
    # A query through an auto-created model (a many-to-many table) does not pickle: such
    # a figure is kept, but left to the next visitor rather than the background recompute.
    try:
        pickle.dumps(recipe)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False
    return True


def _compute(key: str, recipe) -> dict:
    """Compute, store for everyone and keep here; the fingerprint is read *before*."""
    fingerprint = data_fingerprint()
    entry = {"fp": fingerprint, "at": timezone.now(), "value": _run(recipe)}
    shared = _shared()
    shared.set(key, entry, SHARED_SECONDS)
    if recipe[0] in ("totals", "count", "region-stages") and _picklable(recipe):
        index = shared.get(_index_key()) or {}
        if key not in index:
            index[key] = recipe
            while len(index) > INDEX_MAX:
                index.pop(next(iter(index)))
            shared.set(_index_key(), index, SHARED_SECONDS)
    _remember_local(key, entry)
    return entry


def recompute_under_way() -> bool:
    """Whether a background recompute is queued or running (and not lost)."""

    def read():
        since = timezone.now() - WARM_STALE_LIMIT
        return (
            Job.objects.active()
            .filter(dedupe_key=WARM_KEY)
            .filter(Q(created_at__gte=since) | Q(heartbeat_at__gte=since))
            .exists()
        )

    return per_request("under-way", read)


STALE_MARK = "served-stale-figures"


def served_stale() -> bool:
    """Whether this request was given figures marked stale: a page showing them is kept
    marked so (``config.pagecache``) and served only while their recompute runs, since
    the fingerprint does not move again when the fresh figures arrive."""
    return request_marked(STALE_MARK)


def figure(name: str, identity, recipe) -> dict:
    """The entry for a figure: current, or the last one computed while a recompute runs.

    A stale entry carries ``"stale": True``; ``"at"`` is when its figures were computed.
    """
    key = _key(name, identity)
    now = data_fingerprint()
    entry = _local.get(key)
    if entry is not None and is_current(entry["fp"], now):
        return entry
    entry = _shared().get(key)
    if entry is not None and is_current(entry["fp"], now):
        _remember_local(key, entry)
        return entry
    if entry is not None and recompute_under_way():
        mark_request(STALE_MARK)
        return {**entry, "stale": True}
    return _compute(key, recipe)


def recompute_all(*, progress=None) -> int:
    """Compute every shared figure afresh (the background recompute); how many there were.

    The overview and the region counts first, whether or not anyone asked yet, then the
    selections visitors asked for, newest first.
    """
    index = _shared().get(_index_key()) or {}
    recipes = {
        _key("overview", _overview_identity()): ("overview",),
        _key("region-counts", ()): ("region-counts",),
        **dict(reversed(index.items())),
    }
    for done, (key, recipe) in enumerate(recipes.items(), start=1):
        _compute(key, recipe)
        if progress is not None:
            progress(done, len(recipes))
    return len(recipes)


# Identities of selections in this process, by what decided them (see selection_identity).
_identities: dict[tuple, tuple | None] = {}
IDENTITIES_MAX = 2000


def selection_identity(queryset, *, decided_by=None):
    """The SQL and parameters of ``queryset`` without its ordering, or None when it is empty.

    ``decided_by``: what alone decides the selection (``paging.ListRows``). The identity
    is then kept in this process under it, the data fingerprint (a region's subtree is
    read from the data) and the database: compiling it per request only to look up the
    remembered totals was a tenth of an API page rendered afresh.
    """
    key = None if decided_by is None else (decided_by, data_fingerprint(), _database())
    if key is not None and key in _identities:
        return _identities[key]
    try:
        identity = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:
        identity = None
    if key is not None:
        _identities[key] = identity
        while len(_identities) > IDENTITIES_MAX:
            _identities.pop(next(iter(_identities)))
    return identity


# --- Totals of a selection -------------------------------------------------------------


# A search is counted exactly up to this many matches (the deepest a list pages, see
# paging.MAX_OFFSET); past it the list says "more than" instead of counting on: a
# common term ("科技", "有限公司") matches most of the ledger, and counting and
# summing all of it cost seconds at 100,000 projects, for a figure nobody reads as
# anything but "many".
SEARCH_COUNT_LIMIT = 2000


# "Compile it here": a caller that knows the selection's identity passes it instead.
COMPILE = object()


def project_totals(
    queryset, *, remember: bool = False, limit: int | None = None, identity=COMPILE
) -> dict:
    """Count, disclosed total (万元) and count of undisclosed amounts of ``queryset``.

    ``remember`` keeps the result in the shared cache: worth it for a broad selection
    (a district, a stage), which at 100,000 projects covers tens of thousands of rows
    and is asked for again and again. A search or a partner's list is counted fresh
    (terms are too many and too rarely repeated for an entry each). ``limit`` (a
    search: ``SEARCH_COUNT_LIMIT``) counts only that far: past it the totals say
    ``"at_least": True``, ``count`` is the limit and the amounts are not summed (``None``).
    ``identity``: ``selection_identity(queryset)``, if the caller has it (``paging`` keeps it).
    """
    if identity is COMPILE:
        identity = selection_identity(queryset)
    if identity is None:
        return {"count": 0, "disclosed_total": None, "undisclosed": 0}
    if remember:
        return figure("totals", identity, ("totals", queryset.order_by().query))["value"]
    if limit is None:
        return queryset.order_by().totals()
    # One query: the first limit + 1 matches, then their figures.
    first = queryset.order_by().values("pk")[: limit + 1]
    totals = queryset.model._default_manager.filter(pk__in=first).totals()
    if totals["count"] > limit:
        return {
            "count": limit,
            "at_least": True,
            "disclosed_total": None,
            "undisclosed": None,
        }
    return totals


def count(queryset, *, remember: bool = False, limit: int | None = None, identity=COMPILE) -> int:
    """How many rows ``queryset`` has, or ``limit`` if it has that many or more.

    ``remember``: kept in the shared cache (a broad list). ``identity``: as for
    ``project_totals``.
    """
    if identity is COMPILE:
        identity = selection_identity(queryset)
    if identity is None:
        return 0
    if remember:
        return figure("count", identity, ("count", *identity))["value"]
    if limit is not None:
        return queryset.order_by().values("pk")[:limit].count()
    return queryset.order_by().count()


# --- Regions ---------------------------------------------------------------------------


def _region_counts() -> dict[int, dict]:
    rows = Project.objects.public().order_by().values("region_id").annotate(**totals_aggregates())
    return {r["region_id"]: r for r in rows}


def region_counts() -> dict[int, dict]:
    """Public projects per region id: count, disclosed total and undisclosed count (shared)."""
    return figure("region-counts", (), ("region-counts",))["value"]


def rollup(tree: RegionTree, counts: dict, region) -> dict:
    """The totals of a region's whole subtree, in the shape of ``Project.totals()``."""
    rows = [counts[i] for i in tree.subtree_ids(region) if i in counts]
    amounts = [r["disclosed_total"] for r in rows if r["disclosed_total"] is not None]
    return {
        "count": sum(r["count"] for r in rows),
        "disclosed_total": sum(amounts) if amounts else None,
        "undisclosed": sum(r["undisclosed"] for r in rows),
    }


def _stage_counts(projects) -> dict[str, dict]:
    return {
        row["stage"]: row for row in projects.order_by().values("stage").annotate(n=Count("pk"))
    }


def region_stage_counts(region_ids, projects) -> dict[str, dict]:
    """``projects`` (those of the subtree ``region_ids``) counted by stage (shared)."""
    recipe = ("region-stages", projects.order_by().query)
    return figure("region-stages", sorted(region_ids), recipe)["value"]


# --- The overview ------------------------------------------------------------------------


def _grouped(queryset, *fields):
    return queryset.order_by().values(*fields).annotate(n=Count("pk"), total=Sum("investment"))


def overview() -> dict:
    """Headline figures, the charts (``trends``), the latest signings and the largest
    projects (10 queries, 11 when funds are published), shared.

    Besides the figures: ``figures_as_of``, when they were computed (数据截至), and
    ``figures_stale``, true while a recompute after a write is still running.
    """
    entry = figure("overview", _overview_identity(), ("overview",))
    return {
        **entry["value"],
        "figures_as_of": entry["at"],
        "figures_stale": entry.get("stale", False),
    }


# The overview entry's shape: moved whenever _overview() returns other keys, so a new
# release never reads an entry an older one stored (it would lack the new figures).
OVERVIEW_SHAPE = 2


def _overview_identity() -> tuple:
    # Whether funds are published changes the entry too: a restart with the setting
    # flipped must not serve the other setting's entry.
    return (OVERVIEW_SHAPE, trends.funds_published())


def _overview() -> dict:
    public = Project.objects.public()
    tree = RegionTree.load()
    list_url = reverse("tracker:project_list")

    # Stage, status and the totals from one grouping (trends).
    stage_status = trends.stage_status_rows(public)
    by_stage = trends.coded_bars(stage_status, "stage", Stage.choices, Bar, list_url)

    # Districts, their yearly progress and the signing cohorts from one grouping.
    progress = trends.progress_rows(public)
    districts: dict[int, Bar] = {}
    for row in progress:
        district = tree.district_of(row["region_id"])
        if district is None:
            continue
        # A project placed at the city itself is not in a district: its own last bar.
        at_city = district.parent_id is None
        bar = districts.setdefault(
            district.pk,
            Bar(
                label=_("市级（未落到区县）") if at_city else district.name,
                key="city" if at_city else district.slug,
                count=0,
                amount=None,
                # The city's page shows every district too, not these few: no link.
                url="" if at_city else district.get_absolute_url(),
            ),
        )
        bar.count += row["count"]
        if row["disclosed_total"] is not None:
            bar.amount = (bar.amount or 0) + row["disclosed_total"]
    by_district = sorted(
        districts.values(), key=lambda b: (b.key == "city", -b.count, str(b.label))
    )

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

    # Projects without a signing date get their own last bar, so the charts add up to
    # the public count (issue 17: 79 of 92 had silently dropped out).
    dates = trends.year_quarter_rows(public)
    funds = trends.public_funds(public, tree) if trends.funds_published() else None
    quarters, quarter_rest = trends.by_quarter(dates, Bar, list_url)

    return {
        "totals": trends.totals_of(stage_status),
        "partner_count": public_organizations().count(),
        "event_count": Event.objects.count(),
        "by_stage": scale(by_stage),
        "by_status": scale(trends.by_status(stage_status, Bar, list_url)),
        "by_district": scale(by_district),
        "district_map": schematic.tiles(by_district),
        "by_industry": scale(by_industry),
        "by_year": scale(trends.by_year(dates, Bar, list_url)),
        "by_quarter": scale(quarters),
        "quarter_rest": quarter_rest,
        "cohorts": trends.cohorts(progress),
        "progress": trends.district_progress(progress, tree, funds),
        "funds_published": funds is not None,
        "latest": list(
            public.filter(signed_on__isnull=False)
            .for_list()
            .order_by("-signed_on", "-code")[:LATEST_SIGNINGS]
        ),
        "largest": trends.largest(public),
    }
