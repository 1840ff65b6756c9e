"""Staff-only figures of the follow-up workflow: the 需关注 dashboard and the performance report.

Both build on ``ProjectQuerySet.with_alerts`` / ``with_durations`` and read a
fixed number of queries (projects once, the region tree once, users once),
then count in Python; nothing here writes. Districts roll up their subtree:
a park's project counts for the district above it.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from . import spreadsheets
from .choices import Stage
from .models import ALERT_FIELDS, Project, RegionTree


def _district(tree: RegionTree, region_id: int) -> tuple[int, str]:
    """The (id, name) a region's projects are counted under: its district, or itself unnamed."""
    district = tree.district_of(region_id)
    return (district.pk, district.name) if district else (region_id, "")


# --- 需关注 dashboard -------------------------------------------------------------


@dataclass
class AttentionRow:
    key: int
    label: str
    total: int = 0
    by_alert: Counter = field(default_factory=Counter)

    def cells(self):
        return [(name, self.by_alert[name]) for name in ALERT_FIELDS]


@dataclass
class Attention:
    today: date
    total: int
    by_alert: Counter
    districts: list[AttentionRow]
    people: list[AttentionRow]
    unassigned: int


def attention_summary(queryset=None, *, today=None) -> Attention:
    """Projects needing attention counted by alert, by district and by responsible person."""
    today = today or timezone.localdate()
    queryset = Project.objects.all() if queryset is None else queryset
    rows = (
        queryset.with_alerts(today=today)
        .filter(alert_count__gt=0)
        .order_by()
        .values_list("region_id", "leader_user_id", "unit_contact_id", *ALERT_FIELDS)
    )
    tree = RegionTree.load()
    districts: dict[int, AttentionRow] = {}
    people: dict[int, AttentionRow] = {}
    by_alert, total, unassigned = Counter(), 0, 0
    for region_id, leader_id, contact_id, *flags in rows:
        raised = [name for name, on in zip(ALERT_FIELDS, flags, strict=True) if on]
        total += 1
        by_alert.update(raised)
        district, label = _district(tree, region_id)
        row = districts.setdefault(district, AttentionRow(district, label))
        row.total += 1
        row.by_alert.update(raised)
        responsible = {pk for pk in (leader_id, contact_id) if pk}
        if not responsible:
            unassigned += 1
        for pk in responsible:
            person = people.setdefault(pk, AttentionRow(pk, ""))
            person.total += 1
            person.by_alert.update(raised)
    if people:
        for user in get_user_model().objects.filter(pk__in=people):
            people[user.pk].label = user.get_full_name() or user.get_username()
    order = lambda r: (-r.total, r.label)  # noqa: E731
    return Attention(
        today=today,
        total=total,
        by_alert=by_alert,
        districts=sorted(districts.values(), key=order),
        people=sorted(people.values(), key=order),
        unassigned=unassigned,
    )


# --- Performance report --------------------------------------------------------------


@dataclass
class Line:
    """One project behind a figure."""

    pk: int
    code: str
    name: str
    district: str
    signed: date
    construction: date | None
    operation: date | None
    to_construction: int | None
    to_operation: int | None
    started_in_time: bool | None  # None: signed too recently to judge


@dataclass
class Group:
    label: str
    lines: list[Line] = field(default_factory=list)

    @property
    def signed(self) -> int:
        return len(self.lines)

    @property
    def median_to_construction(self):
        days = [x.to_construction for x in self.lines if x.to_construction is not None]
        return statistics.median(days) if days else None

    @property
    def median_to_operation(self):
        days = [x.to_operation for x in self.lines if x.to_operation is not None]
        return statistics.median(days) if days else None

    @property
    def judged(self) -> int:
        return sum(1 for x in self.lines if x.started_in_time is not None)

    @property
    def started_in_time(self) -> int:
        return sum(1 for x in self.lines if x.started_in_time)

    @property
    def share_in_time(self):
        """Share (0–1) of judged projects that started construction within the threshold."""
        return self.started_in_time / self.judged if self.judged else None


@dataclass
class Performance:
    today: date
    threshold: int
    overall: Group
    districts: list[Group]
    years: list[Group]


def performance_report(queryset=None, *, today=None) -> Performance:
    """How fast signed projects move: medians by district and by signing year (one query).

    A project counts once it has a signing date (``signed_on`` or its first
    change into 已签约) and is at 已签约 or beyond. "Started within N days"
    judges only projects signed at least N days ago or already started.
    """
    today = today or timezone.localdate()
    threshold = settings.ALERT_SIGNED_NOT_STARTED_DAYS
    queryset = Project.objects.all() if queryset is None else queryset
    rows = (
        queryset.with_durations()
        .filter(signed_date__isnull=False, stage__in=Stage.at_least(Stage.SIGNED))
        .order_by("signed_date", "code")
        .values_list(
            "pk",
            "code",
            "name",
            "region_id",
            "signed_date",
            "construction_date",
            "operation_date",
            "days_to_construction",
            "days_to_operation",
        )
    )
    tree = RegionTree.load()
    overall = Group(label="")
    districts: dict[int, Group] = {}
    years: dict[int, Group] = defaultdict(lambda: Group(label=""))
    for pk, code, name, region_id, signed, started, operating, to_c, to_o in rows:
        district, label = _district(tree, region_id)
        if to_c is not None and to_c <= threshold:
            in_time = True
        elif signed <= today - timedelta(days=threshold):
            in_time = False
        else:
            in_time = None
        line = Line(pk, code, name, label, signed, started, operating, to_c, to_o, in_time)
        overall.lines.append(line)
        districts.setdefault(district, Group(label=label)).lines.append(line)
        years[signed.year].label = str(signed.year)
        years[signed.year].lines.append(line)
    return Performance(
        today=today,
        threshold=threshold,
        overall=overall,
        districts=sorted(districts.values(), key=lambda g: (-g.signed, g.label)),
        years=[years[y] for y in sorted(years, reverse=True)],
    )


def performance_xlsx(report: Performance, stream) -> None:
    """Write ``report`` as an xlsx: summaries, then every project (cells via ``spreadsheets``)."""
    summary_header = [
        _("分组"),
        _("签约项目数"),
        _("签约→开工中位天数"),
        _("签约→投产中位天数"),
        _("可判断项目数"),
        _("%(n)s 天内开工数") % {"n": report.threshold},
        _("%(n)s 天内开工比例") % {"n": report.threshold},
    ]

    def summary(group: Group, label: str):
        share = group.share_in_time
        return [
            label,
            group.signed,
            group.median_to_construction,
            group.median_to_operation,
            group.judged,
            group.started_in_time,
            round(share, 4) if share is not None else None,
        ]

    book = spreadsheets.workbook()
    for title, groups in ((_("按区县"), report.districts), (_("按签约年份"), report.years)):
        rows = [summary(report.overall, _("全部"))] + [summary(g, g.label) for g in groups]
        spreadsheets.append_sheet(book, title, summary_header, rows)
    detail_header = [
        _("项目编号"),
        _("项目名称"),
        _("区县"),
        _("签约日期"),
        _("开工日期"),
        _("投产日期"),
        _("签约→开工天数"),
        _("签约→投产天数"),
        _("%(n)s 天内开工") % {"n": report.threshold},
    ]
    in_time = {True: _("是"), False: _("否"), None: ""}
    detail = (
        [
            line.code,
            line.name,
            line.district,
            line.signed,
            line.construction,
            line.operation,
            line.to_construction,
            line.to_operation,
            in_time[line.started_in_time],
        ]
        for line in report.overall.lines
    )
    spreadsheets.append_sheet(book, _("明细"), detail_header, detail)
    book.save(stream)
