"""The monthly report (月报/通报): a month's signings, starts, operations and funds, in sections.

Reads only. The dates are the ones 推进效率 uses (``ProjectQuerySet.with_durations``):
a project is signed on its 签约日期 (or its first change into 已签约), started
and operating on its first change into 在建/落地 and 已投产. Amounts are 万元,
disclosed ones only; undisclosed ones are counted apart, never as 0. A
project's signing counts once, in the month it was signed.

Every section is a plain table (``Section``: title, header, rows), so the
printable page and the workbook (one sheet per section) show the same cells.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from . import spreadsheets
from .choices import Stage
from .models import DistrictTarget, FundsArrival, FundsOrigin, Project, RegionTree
from .services.alerts import alert_lines

TOP_PROJECTS = 10
# The report lists this many alerts; the full list is the 需关注 page.
ALERT_ROWS = 30


@dataclass
class Window:
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> "Window":
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def year_to(cls, year: int, month: int) -> "Window":
        return cls(date(year, 1, 1), cls.month(year, month).end)


@dataclass
class Section:
    key: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""


@dataclass
class MonthlyReport:
    year: int
    month: int
    sections: list[Section]

    @property
    def period(self) -> str:
        return _("%(year)s年%(month)s月") % {"year": self.year, "month": self.month}

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def _district_of(tree: RegionTree, region_id: int):
    """(id, name) of the district a region lies in; a city-level row counts as 市本级."""
    district = tree.district_of(region_id)
    return (district.pk, district.name) if district else (0, _("市本级"))


def _milestones(window: Window) -> dict:
    """Counts and disclosed amounts of signings, starts and operations inside ``window``."""
    qs = Project.objects.with_durations()
    figures = {}
    for key, field_name in (
        ("signed", "signed_date"),
        ("started", "construction_date"),
        ("operating", "operation_date"),
    ):
        inside = Q(**{f"{field_name}__gte": window.start, f"{field_name}__lte": window.end})
        if key == "signed":
            inside &= Q(stage__in=Stage.at_least(Stage.SIGNED))
        figures[key] = qs.filter(inside).aggregate(
            count=Count("pk"),
            amount=Sum("investment"),
            undisclosed=Count("pk", filter=Q(investment__isnull=True)),
        )
    return figures


def _change(now, before):
    """同比: the change in percent, or None when last year's figure is 0 or unknown."""
    if now is None or not before:
        return None
    return round((Decimal(now) - Decimal(before)) * 100 / Decimal(before), 1)


def _funds(window: Window) -> dict:
    arrivals = FundsArrival.objects.filter(month__gte=window.start, month__lte=window.end)
    return arrivals.totals_by_origin()


def monthly_report(*, year: int, month: int, today: date | None = None) -> MonthlyReport:
    """The report for ``month`` of ``year``: every section, a fixed number of queries."""
    this_month = Window.month(year, month)
    ytd = Window.year_to(year, month)
    last_ytd = Window.year_to(year - 1, month)
    figures = {
        "month": _milestones(this_month),
        "ytd": _milestones(ytd),
        "last_ytd": _milestones(last_ytd),
    }
    funds = {"month": _funds(this_month), "ytd": _funds(ytd), "last_ytd": _funds(last_ytd)}

    labels = {"signed": _("新签约"), "started": _("新开工"), "operating": _("新投产")}
    overview = Section(
        "overview",
        _("本月与年初至今"),
        [
            _("指标"),
            _("本月项目数"),
            _("本月金额（万元）"),
            _("年初至今项目数"),
            _("年初至今金额（万元）"),
            _("去年同期项目数"),
            _("去年同期金额（万元）"),
            _("金额同比（%）"),
            _("未披露金额项目数（年初至今）"),
        ],
        note=_("金额只计已披露的总投资；未披露的项目单列，不按 0 计。"),
    )
    for key, label in labels.items():
        m, y, last = figures["month"][key], figures["ytd"][key], figures["last_ytd"][key]
        overview.rows.append(
            [
                label,
                m["count"],
                m["amount"],
                y["count"],
                y["amount"],
                last["count"],
                last["amount"],
                _change(y["amount"], last["amount"]),
                y["undisclosed"],
            ]
        )
    overview.rows.append(
        [
            _("到位资金"),
            None,
            funds["month"]["total"],
            None,
            funds["ytd"]["total"],
            None,
            funds["last_ytd"]["total"],
            _change(funds["ytd"]["total"], funds["last_ytd"]["total"]),
            None,
        ]
    )

    by_origin = Section(
        "funds",
        _("到位资金按来源（万元）"),
        [_("资金来源"), _("本月"), _("年初至今"), _("去年同期"), _("同比（%）")],
    )
    for origin in FundsOrigin:
        y, last = funds["ytd"].get(origin.value), funds["last_ytd"].get(origin.value)
        by_origin.rows.append(
            [origin.label, funds["month"].get(origin.value), y, last, _change(y, last)]
        )
    by_origin.rows.append(
        [
            _("合计"),
            funds["month"]["total"],
            funds["ytd"]["total"],
            funds["last_ytd"]["total"],
            _change(funds["ytd"]["total"], funds["last_ytd"]["total"]),
        ]
    )

    sections = [
        overview,
        by_origin,
        _targets_section(year, ytd),
        _top_section(ytd),
        _alerts_section(today or this_month.end),
    ]
    return MonthlyReport(year=year, month=month, sections=sections)


def _targets_section(year: int, ytd: Window) -> Section:
    """Year to date per district against its 年度目标 (completion in percent)."""
    tree = RegionTree.load()
    section = Section(
        "targets",
        _("年初至今完成情况（对照年度目标）"),
        [
            _("区县"),
            _("签约项目数"),
            _("目标"),
            _("签约金额（万元）"),
            _("目标"),
            _("开工项目数"),
            _("目标"),
            _("投产项目数"),
            _("目标"),
            _("到位资金（万元）"),
            _("目标"),
        ],
        note=_("目标未下达的留空；完成率见排名页。"),
    )
    per_district: dict[int, dict] = {}

    def bucket(region_id):
        pk, name = _district_of(tree, region_id)
        return per_district.setdefault(
            pk,
            {
                "name": name,
                "signed": 0,
                "amount": None,
                "started": 0,
                "operating": 0,
                "funds": None,
            },
        )

    qs = Project.objects.with_durations()
    rows = qs.filter(
        Q(
            signed_date__gte=ytd.start,
            signed_date__lte=ytd.end,
            stage__in=Stage.at_least(Stage.SIGNED),
        )
        | Q(construction_date__gte=ytd.start, construction_date__lte=ytd.end)
        | Q(operation_date__gte=ytd.start, operation_date__lte=ytd.end)
    ).values_list(
        "region_id", "investment", "signed_date", "construction_date", "operation_date", "stage"
    )
    signed_stages = set(Stage.at_least(Stage.SIGNED))
    for region_id, investment, signed, started, operating, stage in rows:
        entry = bucket(region_id)
        if signed and ytd.start <= signed <= ytd.end and stage in signed_stages:
            entry["signed"] += 1
            if investment is not None:
                entry["amount"] = (entry["amount"] or 0) + investment
        if started and ytd.start <= started <= ytd.end:
            entry["started"] += 1
        if operating and ytd.start <= operating <= ytd.end:
            entry["operating"] += 1
    funds = (
        FundsArrival.objects.filter(month__gte=ytd.start, month__lte=ytd.end)
        .values("project__region_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in funds:
        entry = bucket(row["project__region_id"])
        entry["funds"] = (entry["funds"] or 0) + row["amount"]
    targets = {t.region_id: t for t in DistrictTarget.objects.filter(year=year)}
    for pk in targets:
        bucket(pk)
    for pk, entry in sorted(per_district.items(), key=lambda item: item[1]["name"]):
        target = targets.get(pk)
        section.rows.append(
            [
                entry["name"],
                entry["signed"],
                getattr(target, "signed_count", None),
                entry["amount"],
                getattr(target, "signed_amount", None),
                entry["started"],
                getattr(target, "started_count", None),
                entry["operating"],
                getattr(target, "operating_count", None),
                entry["funds"],
                getattr(target, "funds_amount", None),
            ]
        )
    return section


def _top_section(ytd: Window) -> Section:
    section = Section(
        "top",
        _("年初至今签约的最大项目（已披露金额）"),
        [_("项目编号"), _("项目名称"), _("区域"), _("签约日期"), _("总投资（万元）")],
    )
    projects = (
        Project.objects.with_durations()
        .filter(
            signed_date__gte=ytd.start,
            signed_date__lte=ytd.end,
            stage__in=Stage.at_least(Stage.SIGNED),
            investment__isnull=False,
        )
        .select_related("region")
        .order_by("-investment", "code")[:TOP_PROJECTS]
    )
    for project in projects:
        section.rows.append(
            [
                project.code,
                project.name,
                project.region.name,
                project.signed_date,
                project.investment,
            ]
        )
    return section


def _alerts_section(today: date) -> Section:
    section = Section(
        "alerts",
        _("预警"),
        [_("项目编号"), _("项目名称"), _("区域"), _("预警"), _("说明"), _("负责人")],
        note=_("截至 %(day)s。") % {"day": today.isoformat()},
    )
    for line in alert_lines(Project.objects.all(), today=today):
        section.rows.append(
            [line.code, line.name, line.region, line.alert, line.detail, line.people]
        )
    return section


def monthly_xlsx(report: MonthlyReport, stream, *, stamp: str) -> None:
    """One sheet per section, every cell through the app's spreadsheet rule."""
    book = spreadsheets.workbook()
    for section in report.sections:
        rows = list(section.rows)
        if section.note:
            rows.append([section.note])
        rows.append([stamp])
        spreadsheets.append_sheet(book, section.title[:31], section.header, rows)
    book.save(stream)
