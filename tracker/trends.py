"""The overview's figures of change, computed with the rest of the overview (``stats``).

Everything here is part of the one shared overview entry (``stats._overview``):
computed once per data fingerprint, so a visitor pays one query (the fingerprint)
whatever the data size. Each figure merges into a query the overview already made,
so the overview's cold cost did not grow either:

- **by stage, by status and the totals**: one query grouped by (stage, status);
- **by district, the districts' yearly progress and the signing cohorts**: one
  query grouped by (region, stage, year signed, year started, year operating),
  dated as ``scorecard`` dates them (the 考核与排名 rule, docs/workflow.md);
- **by year and by quarter** of the 签约日期 field: one query grouped by both, with
  an explicit 无签约日期 bucket (and 更早 before the quarters shown), so each
  chart adds up to the public count;
- **the largest disclosed projects**: one query;
- **funds in place**, only when the bureau publishes them in aggregate
  (``settings.FUNDS_PUBLIC_AGGREGATE``): per district and year, over public
  projects, never per project.

The district map is a schematic (``schematic.tiles``): labelled blocks in a grid,
not boundaries (a published boundary map needs 地图审核; see docs/public.md).
"""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils.translation import gettext_lazy as _

from . import scorecard
from .choices import Status
from .models import FundsArrival, totals_aggregates

LARGEST = 8
# The quarter chart shows this many quarters up to the latest one with a signing;
# earlier signings are one 更早 bar, so the chart still adds up.
QUARTERS = 12
PROGRESS_FIGURES = (
    "signed_count",
    "signed_amount",
    "undisclosed",
    "started_count",
    "operating_count",
)


def _add(a, b):
    return b if a is None else a + b if b is not None else a


def totals_of(rows) -> dict:
    """``Project.totals()`` from rows grouped with ``totals_aggregates``."""
    rows = list(rows)
    return {
        "count": sum(r["count"] for r in rows),
        "disclosed_total": _sum(r["disclosed_total"] for r in rows),
        "undisclosed": sum(r["undisclosed"] for r in rows),
    }


def _sum(values):
    values = [v for v in values if v is not None]
    return sum(values) if values else None


# --- (stage, status) --------------------------------------------------------------------


def stage_status_rows(public) -> list[dict]:
    return list(
        public.order_by().values("stage", "status").annotate(**totals_aggregates()).order_by()
    )


def coded_bars(rows, field: str, choices, bar, list_url: str) -> list:
    """One bar per code of ``choices`` (in their order; a code nobody has is a 0 bar),
    linked to the list filtered by ``field`` (``stage``, ``status``)."""
    per = defaultdict(list)
    for row in rows:
        per[row[field]].append(row)
    return [
        bar_of(bar, label, code, per.get(code, []), f"{list_url}?{field}={code}")
        for code, label in choices
    ]


def by_status(rows, bar, list_url: str) -> list:
    return coded_bars(rows, "status", Status.choices, bar, list_url)


def bar_of(bar, label, key: str, rows, url: str = ""):
    """A bar (``bar``: ``bars.Bar``) of the totals of ``rows`` grouped with ``totals_aggregates``."""
    totals = totals_of(rows)
    return bar(
        label=label, key=key, count=totals["count"], amount=totals["disclosed_total"], url=url
    )


# --- (year, quarter) of the signing date --------------------------------------------------


def year_quarter_rows(public) -> list[dict]:
    return list(
        public.annotate(year=ExtractYear("signed_on"), quarter=ExtractQuarter("signed_on"))
        .order_by()
        .values("year", "quarter")
        .annotate(**totals_aggregates())
        .order_by()
    )


def by_year(rows, bar, list_url: str) -> list:
    """One bar per signing year, then 无签约日期 (adds up to the public count)."""
    per = defaultdict(list)
    for row in rows:
        per[row["year"]].append(row)
    return [
        bar_of(bar, str(year), str(year), per[year], f"{list_url}?year={year}")
        if year is not None
        else bar_of(bar, _("无签约日期"), "undated", per[year])
        for year in sorted(per, key=lambda y: (y is None, y or 0))
    ]


def by_quarter(rows, bar, list_url: str) -> tuple[list, list]:
    """The last ``QUARTERS`` quarters up to the latest signing, and the rest: 更早 and
    无签约日期, so quarters and rest add up to the public count.

    Every quarter in the span is a bar, an empty one too: a gap is news. The rest
    are apart (told in words under the chart), so that a large 无签约日期 does not
    flatten every quarter to a sliver.
    """
    per = {(r["year"], r["quarter"]): r for r in rows if r["year"] is not None}
    undated = [r for r in rows if r["year"] is None]
    bars, rest = [], []
    if per:
        year, quarter = max(per)
        span = []
        for _step in range(QUARTERS):
            span.append((year, quarter))
            year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        span.reverse()
        earlier = [r for key, r in per.items() if key < span[0]]
        if earlier:
            rest.append(bar_of(bar, _("更早"), "earlier", earlier))
        for year, quarter in span:
            row = per.get((year, quarter))
            bars.append(
                bar_of(
                    bar,
                    f"{year} Q{quarter}",
                    f"{year}q{quarter}",
                    [row] if row else [],
                    f"{list_url}?year={year}",
                )
            )
    if undated:
        rest.append(bar_of(bar, _("无签约日期"), "undated", undated))
    return bars, rest


# --- (region, stage, years signed / started / operating) -----------------------------------


def progress_rows(public) -> list[dict]:
    """Public projects grouped by region, stage and the years ``scorecard`` dates them by."""
    return list(
        scorecard.dated(public)
        .annotate(
            sy=ExtractYear("sc_signed"),
            ty=ExtractYear("sc_started"),
            oy=ExtractYear("sc_operating"),
        )
        .order_by()
        .values("region_id", "stage", "sy", "ty", "oy")
        .annotate(**totals_aggregates())
        .order_by()
    )


def district_progress(rows, tree, funds=None) -> list[dict]:
    """Per district and year: signed (count, disclosed amount, undisclosed), started, operating.

    The same counts as ``scorecard.district_scorecard(Period(year))`` over public
    projects. ``funds`` ({(district id, year): 万元}) is added only when given.
    """
    districts: dict[int, dict] = {}

    def entry(region_id):
        district = tree.district_of(region_id)
        if district is None:
            return None
        found = districts.get(district.pk)
        if found is None:
            found = districts[district.pk] = {
                "slug": district.slug,
                "name": district.name,
                "at_city": district.parent_id is None,
                "years": {},
            }
        return found

    def year_of(found, year):
        return found["years"].setdefault(
            year, dict.fromkeys(PROGRESS_FIGURES, 0) | {"signed_amount": None}
        )

    for row in rows:
        found = entry(row["region_id"])
        if found is None:
            continue
        if row["stage"] in scorecard.SIGNED_STAGES and row["sy"] is not None:
            year = year_of(found, row["sy"])
            year["signed_count"] += row["count"]
            year["signed_amount"] = _add(year["signed_amount"], row["disclosed_total"])
            year["undisclosed"] += row["undisclosed"]
        if row["stage"] in scorecard.STARTED_STAGES and row["ty"] is not None:
            year_of(found, row["ty"])["started_count"] += row["count"]
        if row["stage"] in scorecard.OPERATING_STAGES and row["oy"] is not None:
            year_of(found, row["oy"])["operating_count"] += row["count"]
    if funds is not None:
        for district_id, year in funds:
            found = entry(district_id)
            if found is not None:
                year_of(found, year)
        for district_id, found in districts.items():
            for year, figures in found["years"].items():
                figures["funds_amount"] = funds.get((district_id, year))
    for found in districts.values():
        found["years"] = dict(sorted(found["years"].items()))
    return sorted(districts.values(), key=lambda d: (d["at_city"], d["name"]))


def public_funds(public, tree) -> dict:
    """{(district id, year): 万元 arrived} over public projects (one query)."""
    rows = (
        FundsArrival.objects.filter(project__in=public.values("pk"))
        .annotate(year=ExtractYear("month"))
        .order_by()
        .values("project__region_id", "year")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    funds: dict = {}
    for row in rows:
        district = tree.district_of(row["project__region_id"])
        if district is not None:
            key = (district.pk, row["year"])
            funds[key] = funds.get(key, Decimal(0)) + row["amount"]
    return funds


def funds_published() -> bool:
    return bool(settings.FUNDS_PUBLIC_AGGREGATE)


def cohorts(rows) -> list[dict]:
    """Of the projects signed in each year, how many have started and how many operate now.

    A signed project with no date at all is the last row (``year`` None), so the
    rows add up to every public signing.
    """
    per: dict = {}
    for row in rows:
        if row["stage"] not in scorecard.SIGNED_STAGES:
            continue
        cohort = per.setdefault(
            row["sy"], {"year": row["sy"], "signed": 0, "started": 0, "operating": 0}
        )
        cohort["signed"] += row["count"]
        if row["stage"] in scorecard.STARTED_STAGES:
            cohort["started"] += row["count"]
        if row["stage"] in scorecard.OPERATING_STAGES:
            cohort["operating"] += row["count"]
    found = sorted(per.values(), key=lambda c: (c["year"] is None, c["year"] or 0))
    for cohort in found:
        signed = cohort["signed"]
        cohort["started_share"] = round(100 * cohort["started"] / signed, 1)
        cohort["operating_share"] = round(100 * cohort["operating"] / signed, 1)
        # The stacked bar: operating, then started but not yet operating, then the rest.
        cohort["building_share"] = round(cohort["started_share"] - cohort["operating_share"], 1)
    return found


def largest(public) -> list:
    """The largest disclosed projects, biggest first (never an undisclosed one)."""
    return list(
        public.filter(investment__isnull=False).for_list().order_by("-investment", "code")[:LARGEST]
    )
