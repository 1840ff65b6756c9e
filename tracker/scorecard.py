"""What a bureau is judged on, counted one way: by district for a period, and by event.

Reads only. Every figure is a condition on one annotated project queryset
(``annotated``): the district table counts the rows matching each condition,
and the admin's drill-down filter (``projects_behind``) lists the rows matching
the same condition, so a number and the projects behind it cannot disagree.

The counting rules (docs/workflow.md, "考核与排名"):

- **签约** in the period: at 已签约 or beyond, signing date (``signed_on``, else the
  first change into 已签约) from 1 January to the end of the period's month.
  A project is one row with one ``event``, so it is counted once, for the event
  that signed it (不重复统计), however many events later showed it again.
- **签约金额**: the sum of disclosed total investments of those; projects with an
  undisclosed amount are counted apart (``undisclosed``), never as 0.
- **开工** / **投产** in the period: the start (``started_on``, else the first
  change into 在建/落地 or beyond) or the operation date (``operating_on``, else
  the first change into 已投产) falls in the period, and the project is at least
  at that stage now.
- **亿元以上 …**: signed in the period with a disclosed amount at or above the tier
  (10,000 万元 is 1亿元 and counts as "≥1亿").
- **到位资金**: funds arrived (``FundsArrival``) in the period's months.
- **开工率 / 投产率**: of the projects signed in the period, the share started /
  operating by the end of it. ``None`` when nothing was signed.
- **资金到位率**: cumulative funds to the end of the period ÷ total investment,
  over projects that have funds *and* a disclosed investment; ``None`` when there
  are none. It is never derived from an undisclosed amount.

Districts are the regions just below the city (``RegionTree.district_of``): a
park's projects count for the district above it. A fixed number of queries:
the projects once, the funds once, the region tree once, the targets once.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from . import ranking
from .choices import Stage
from .models import DistrictTarget, Event, FundsArrival, Project, RegionTree, StageChange
from .models.alerts import flag

YI = Decimal(10000)  # 1亿元 in 万元
TIERS = {"tier_1_count": 1, "tier_5_count": 5, "tier_10_count": 10, "tier_20_count": 20}
TIER_LABELS = {
    "tier_1_count": _("≥1亿"),
    "tier_5_count": _("≥5亿"),
    "tier_10_count": _("≥10亿"),
    "tier_20_count": _("≥20亿"),
}


@dataclass(frozen=True)
class Period:
    """From 1 January of ``year`` to the end of ``month`` (年初至今).

    ``first_month`` starts it later: ``Period(2026, 3, first_month=3)`` is March alone
    (the monthly report's 本月), counted by the very same conditions.
    """

    year: int
    month: int = 12
    first_month: int = 1

    def __post_init__(self):
        if not 1 <= self.first_month <= self.month <= 12:
            raise ValueError(f"months {self.first_month}–{self.month}")

    @classmethod
    def single(cls, year: int, month: int) -> "Period":
        return cls(year, month, first_month=month)

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def key(self) -> str:
        """How a period travels in a URL: ``2026``, ``2026-06`` or (one month) ``2026-06~06``."""
        if self.first_month != 1:
            return f"{self.year}-{self.first_month:02d}~{self.month:02d}"
        return str(self.year) if self.month == 12 else f"{self.year}-{self.month:02d}"

    @classmethod
    def parse(cls, text: str) -> "Period | None":
        year, _sep, months = (text or "").partition("-")
        first, _sep, month = months.partition("~")
        try:
            if month:
                return cls(int(year), int(month), first_month=int(first))
            return cls(int(year), int(first) if first else 12)
        except ValueError:
            return None


# --- One annotated queryset, one condition per figure --------------------------------------


def _first_into(stages):
    return Subquery(
        StageChange.objects.filter(project=OuterRef("pk"), to_stage__in=stages)
        .order_by("effective_on", "pk")
        .values("effective_on")[:1],
        output_field=models.DateField(),
    )


def _funds(**lookups):
    return Subquery(
        FundsArrival.objects.filter(project=OuterRef("pk"), **lookups)
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
    )


def with_funds(queryset, *, up_to: date | None = None):
    """Annotate ``funds_total``: 万元 arrived up to ``up_to`` (all, by default); ``None`` if none."""
    lookups = {"month__lte": up_to} if up_to else {}
    return queryset.annotate(funds_total=_funds(**lookups))


def funds_rate(funds_total, investment) -> Decimal | None:
    """资金到位率 of one project: only with funds and a disclosed total investment."""
    if funds_total is None or investment is None or investment <= 0:
        return None
    return funds_total / investment


def project_funds(project) -> tuple[Decimal | None, Decimal | None]:
    """One project's cumulative funds (``None`` if none) and 资金到位率 (only if disclosed)."""
    total = FundsArrival.objects.filter(project=project).aggregate(total=Sum("amount"))["total"]
    return total, funds_rate(total, project.investment)


# The stages a project must be at *now* for its signing, start or operation to count.
SIGNED_STAGES = tuple(Stage.at_least(Stage.SIGNED))
STARTED_STAGES = tuple(Stage.at_least(Stage.CONSTRUCTION))
OPERATING_STAGES = (Stage.OPERATING.value,)


def dated(queryset):
    """``queryset`` with the three dates the rules read: ``sc_signed``, ``sc_started``,
    ``sc_operating`` (the date typed in, else the timeline's first change)."""
    return queryset.annotate(
        sc_signed=Coalesce(F("signed_on"), _first_into([Stage.SIGNED])),
        sc_started=Coalesce(F("started_on"), _first_into([Stage.CONSTRUCTION, Stage.OPERATING])),
        sc_operating=Coalesce(F("operating_on"), _first_into([Stage.OPERATING])),
    )


def annotated(queryset, period: Period):
    """``queryset`` with the dates and funds every condition in ``conditions`` reads."""
    queryset = dated(with_funds(queryset, up_to=period.end))
    return queryset.annotate(sc_funds_period=_funds(month__gte=period.start, month__lte=period.end))


def conditions(period: Period) -> dict[str, Q]:
    """The condition of each figure on an ``annotated`` queryset (the rules in the docstring)."""
    span = (period.start, period.end)
    signed = Q(stage__in=SIGNED_STAGES, sc_signed__range=span)
    started_by_end = Q(stage__in=STARTED_STAGES, sc_started__lte=period.end)
    operating_by_end = Q(stage__in=OPERATING_STAGES, sc_operating__lte=period.end)
    found = {
        "signed_count": signed,
        "signed_amount": signed & Q(investment__isnull=False),
        "undisclosed": signed & Q(investment__isnull=True),
        "started_count": started_by_end & Q(sc_started__gte=period.start),
        "operating_count": operating_by_end & Q(sc_operating__gte=period.start),
        "funds_amount": Q(sc_funds_period__isnull=False),
        "signed_started": signed & started_by_end,
        "signed_operating": signed & operating_by_end,
        # The base of 资金到位率: funds so far and a disclosed total.
        "funds_rate": Q(funds_total__isnull=False, investment__isnull=False),
    }
    for key, tier in TIERS.items():
        found[key] = signed & Q(investment__gte=YI * tier)
    return found


FIGURES = tuple(conditions(Period(2000)))
# The figures whose projects' disclosed investments are summed too (``DistrictCard.amounts``).
SUMMED = ("signed_count", "started_count", "operating_count")


def projects_behind(queryset, period: Period, figure: str):
    """The projects one figure counts (``figure`` a key of ``conditions``); none if unknown."""
    condition = conditions(period).get(figure)
    if condition is None:
        return queryset.none()
    return annotated(queryset, period).filter(condition)


# --- By district ----------------------------------------------------------------------------


@dataclass
class DistrictCard:
    """One district's figures for a period, and its target and progress."""

    region_id: int
    name: str
    at_city: bool = False  # projects placed at the city itself, in no district (市本级)
    counts: dict = field(default_factory=lambda: defaultdict(int))
    # Disclosed total investment of the projects of each ``SUMMED`` figure (absent: none
    # disclosed), and how many of them have none (未披露, never 0).
    amounts: dict = field(default_factory=dict)
    unknown: dict = field(default_factory=lambda: defaultdict(int))
    funds_amount: Decimal | None = None
    rate_funds: Decimal = Decimal(0)  # cumulative funds of the 资金到位率 base
    rate_investment: Decimal = Decimal(0)  # their disclosed total investment
    target: DistrictTarget | None = None

    @property
    def label(self) -> str:
        """How a table names it: the district, or 市本级 for projects placed at the city."""
        return str(_("市本级")) if self.at_city else self.name

    @property
    def signed_amount(self) -> Decimal | None:
        """签约金额: disclosed only; ``None`` when nothing signed is disclosed."""
        return self.amounts.get("signed_count")

    def value(self, indicator: str):
        if indicator == "signed_amount":
            return self.signed_amount
        if indicator == "funds_amount":
            return self.funds_amount
        return self.counts[indicator]

    @property
    def start_rate(self):
        signed = self.counts["signed_count"]
        return Decimal(self.counts["signed_started"]) / signed if signed else None

    @property
    def operation_rate(self):
        signed = self.counts["signed_count"]
        return Decimal(self.counts["signed_operating"]) / signed if signed else None

    @property
    def funds_rate(self):
        return self.rate_funds / self.rate_investment if self.rate_investment else None

    def progress(self) -> dict:
        """{indicator: (actual, target)} for ``ranking.rank``; target ``None`` if not set."""
        return {
            key: (self.value(key) or 0, getattr(self.target, key, None))
            for key in ranking.INDICATORS
        }


@dataclass
class Scorecard:
    period: Period
    districts: list[DistrictCard]
    ranked: list  # ranking.Ranked, key = region id
    total: DistrictCard


def _add(a, b):
    return b if a is None else a + b if b is not None else a


def district_scorecard(period: Period, queryset=None, *, weights=None) -> Scorecard:
    """Every district's figures, targets and place for ``period`` (four queries)."""
    queryset = Project.objects.all() if queryset is None else queryset
    found = conditions(period)
    rows = (
        annotated(queryset, period)
        .filter(_any(found))
        .annotate(**{f"is_{key}": flag(condition) for key, condition in found.items()})
        .order_by()
        .values_list(
            "region_id",
            "investment",
            "funds_total",
            "sc_funds_period",
            *(f"is_{key}" for key in found),
        )
    )
    tree = RegionTree.load()
    cards: dict[int, DistrictCard] = {}

    def card_for(region_id):
        district = tree.district_of(region_id)
        if district is None:
            return cards.setdefault(region_id, DistrictCard(region_id, ""))
        at_city = district.parent_id is None
        return cards.setdefault(district.pk, DistrictCard(district.pk, district.name, at_city))

    for root in tree.children.get(None, ()):
        for district in tree.children.get(root.pk, ()):
            card_for(district.pk)
    total = DistrictCard(0, "")
    for region_id, investment, funds_total, funds_period, *flags in rows:
        is_ = dict(zip(found, flags, strict=True))
        for card in (card_for(region_id), total):
            for key, on in is_.items():
                card.counts[key] += bool(on)
            for key in SUMMED:
                if not is_[key]:
                    continue
                if investment is None:
                    card.unknown[key] += 1
                else:
                    card.amounts[key] = card.amounts.get(key, 0) + investment
            if is_["funds_amount"]:
                card.funds_amount = _add(card.funds_amount, funds_period)
            if is_["funds_rate"]:
                card.rate_funds += funds_total
                card.rate_investment += investment
    for target in DistrictTarget.objects.filter(year=period.year):
        card_for(target.region_id).target = target
    ranked = ranking.rank({key: c.progress() for key, c in cards.items()}, weights)
    order = {r.key: i for i, r in enumerate(ranked)}
    districts = sorted(cards.values(), key=lambda c: (order[c.region_id], c.name))
    return Scorecard(period=period, districts=districts, ranked=ranked, total=total)


def _any(found: dict) -> Q:
    condition = Q(pk__in=[])
    for value in found.values():
        condition |= value
    return condition


# --- By event -------------------------------------------------------------------------------


@dataclass
class EventFollowThrough:
    """What an event declared, what it itemised, and what its itemised signings became."""

    event: Event
    itemised: int = 0  # projects linked to the event
    itemised_amount: Decimal | None = None  # their disclosed total investment
    undisclosed: int = 0
    signed: int = 0  # of them, at 已签约 or beyond
    started: int = 0
    operating: int = 0
    performing: int = 0  # started, or funds arrived (履约)
    with_funds: int = 0
    funds: Decimal | None = None  # cumulative funds of the signed ones
    rate_funds: Decimal = Decimal(0)
    rate_investment: Decimal = Decimal(0)

    @staticmethod
    def _share(part, whole):
        return Decimal(part) / whole if whole else None

    @property
    def performance_rate(self):
        """履约率: signed projects that started or received funds ÷ signed."""
        return self._share(self.performing, self.signed)

    @property
    def start_rate(self):
        return self._share(self.started, self.signed)

    @property
    def operation_rate(self):
        return self._share(self.operating, self.signed)

    @property
    def funds_rate(self):
        return self.rate_funds / self.rate_investment if self.rate_investment else None


def event_conditions() -> dict[str, Q]:
    """The follow-through figures of an event's projects, as conditions (see ``with_funds``)."""
    signed = Q(stage__in=Stage.at_least(Stage.SIGNED))
    started = Q(stage__in=Stage.at_least(Stage.CONSTRUCTION))
    funded = Q(funds_total__isnull=False)
    return {
        "signed": signed,
        "started": signed & started,
        "operating": signed & Q(stage=Stage.OPERATING),
        "performing": signed & (started | funded),
        "with_funds": signed & funded,
        "funds_rate": signed & funded & Q(investment__isnull=False),
    }


EVENT_FIGURES = tuple(event_conditions())


def event_projects_behind(queryset, figure: str):
    """The projects of one follow-through figure (combine with an event filter)."""
    condition = event_conditions().get(figure)
    if condition is None:
        return queryset.none()
    return with_funds(queryset).filter(condition)


def event_followthrough(events=None, *, projects=None) -> list[EventFollowThrough]:
    """Follow-through of ``events`` (all, by default) over ``projects`` (all; or e.g. public).

    Two queries whatever the number of events and projects. Each project has one
    event, so a project is counted once across events. Started and operating mean
    at 在建/落地 or 已投产 now; funds are everything arrived so far.
    """
    events = Event.objects.all() if events is None else events
    projects = Project.objects.all() if projects is None else projects
    by_event = {e.pk: EventFollowThrough(e) for e in events}
    found = event_conditions()
    rows = (
        with_funds(projects.filter(event_id__in=list(by_event)))
        .annotate(**{f"is_{key}": flag(condition) for key, condition in found.items()})
        .order_by()
        .values_list("event_id", "investment", "funds_total", *(f"is_{key}" for key in found))
    )
    for event_id, investment, funds_total, *flags in rows:
        card, is_ = by_event[event_id], dict(zip(found, flags, strict=True))
        card.itemised += 1
        card.undisclosed += investment is None
        card.itemised_amount = _add(card.itemised_amount, investment)
        for key in ("signed", "started", "operating", "performing", "with_funds"):
            setattr(card, key, getattr(card, key) + bool(is_[key]))
        if is_["with_funds"]:
            card.funds = _add(card.funds, funds_total)
        if is_["funds_rate"]:
            card.rate_funds += funds_total
            card.rate_investment += investment
    return list(by_event.values())


def public_event_followthrough(event) -> dict:
    """What the public event page may show: counts over the event's public projects only.

    Funds appear only in aggregate, and only when the bureau publishes them
    (``settings.FUNDS_PUBLIC_AGGREGATE``). One query.
    """
    card = event_followthrough([event], projects=Project.objects.public())[0]
    shown = {
        "signed": card.signed,
        "started": card.started,
        "operating": card.operating,
        "start_pct": _percent(card.start_rate),
        "operation_pct": _percent(card.operation_rate),
    }
    if settings.FUNDS_PUBLIC_AGGREGATE:
        shown.update(funds=card.funds, funds_pct=_percent(card.funds_rate))
    return shown


def _percent(share):
    return None if share is None else share * 100
