"""The monthly report (月报/通报): a month's signings, starts, operations and funds, in sections.

Reads only, and counts nothing itself: every figure comes from
``scorecard.district_scorecard`` (the 考核与排名 rules, docs/workflow.md), for the
month alone (``Period.single``), the year to date and the same period last year.
So the report, the ranking page and the list behind each of its numbers agree:
a signing is dated ``signed_on`` (else the first change into 已签约), a start
``started_on`` (else the first change into 在建/落地 or 已投产) and an operation
``operating_on`` (else the first change into 已投产), and a start or operation
counts only while the project is still at least at that stage. Status does not
matter (a 终止 project stays counted for what it did). Amounts are 万元,
disclosed ones only; undisclosed ones are counted apart, never as 0. A
project's signing counts once, in the month it was signed.

Every section is a plain table (``Section``: title, header, rows), so the
printable page and the workbook (one sheet per section) show the same cells.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from . import ranking, scorecard, spreadsheets
from .models import FundsArrival, FundsOrigin, Project
from .scorecard import Period
from .services.alerts import alert_lines

TOP_PROJECTS = 10
# The figures set beside their 年度目标, in column order.
TARGET_COLUMNS = (
    "signed_count",
    "signed_amount",
    "started_count",
    "operating_count",
    "funds_amount",
)
# The report lists this many alerts; the full list is the 需关注 page.
ALERT_ROWS = 30


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


def _change(now, before):
    """同比: the change in percent, or None when last year's figure is 0 or unknown."""
    if now is None or not before:
        return None
    return round((Decimal(now) - Decimal(before)) * 100 / Decimal(before), 1)


def _percent(share):
    return None if share is None else round(share * 100, 1)


def _funds(period: Period) -> dict:
    arrivals = FundsArrival.objects.filter(month__gte=period.start, month__lte=period.end)
    return arrivals.totals_by_origin()


def monthly_report(*, year: int, month: int, today: date | None = None) -> MonthlyReport:
    """The report for ``month`` of ``year``: every section, a fixed number of queries."""
    periods = {
        "month": Period.single(year, month),
        "ytd": Period(year, month),
        "last_ytd": Period(year - 1, month),
    }
    cards = {key: scorecard.district_scorecard(period) for key, period in periods.items()}
    totals = {key: card.total for key, card in cards.items()}
    funds = {key: _funds(period) for key, period in periods.items()}

    labels = {
        "signed_count": _("新签约"),
        "started_count": _("新开工"),
        "operating_count": _("新投产"),
    }
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
        m, y, last = totals["month"], totals["ytd"], totals["last_ytd"]
        overview.rows.append(
            [
                label,
                m.counts[key],
                m.amounts.get(key),
                y.counts[key],
                y.amounts.get(key),
                last.counts[key],
                last.amounts.get(key),
                _change(y.amounts.get(key), last.amounts.get(key)),
                y.unknown[key],
            ]
        )
    overview.rows.append(
        [
            _("到位资金"),
            None,
            totals["month"].funds_amount,
            None,
            totals["ytd"].funds_amount,
            None,
            totals["last_ytd"].funds_amount,
            _change(totals["ytd"].funds_amount, totals["last_ytd"].funds_amount),
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
        _targets_section(cards["ytd"]),
        _ranking_section(cards["ytd"]),
        _top_section(periods["ytd"]),
        _alerts_section(today or periods["month"].end),
    ]
    return MonthlyReport(year=year, month=month, sections=sections)


def _targets_section(card: scorecard.Scorecard) -> Section:
    """Year to date per district against its 年度目标, in the ranking's order."""
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
        note=_("目标未下达的留空；完成率与得分见“排名”。"),
    )
    for district in card.districts:
        target = district.target
        row = [district.label]
        for key in TARGET_COLUMNS:
            row += [district.value(key), getattr(target, key, None)]
        section.rows.append(row)
    return section


def _ranking_section(card: scorecard.Scorecard) -> Section:
    """名次 and 总分 (功效系数法), with each indicator's 完成率, as on the ranking page."""
    section = Section(
        "ranking",
        _("排名（功效系数法）"),
        [
            _("名次"),
            _("区县"),
            _("总分"),
            *(
                _("%(label)s完成率（%%）") % {"label": label}
                for label, _w in ranking.INDICATORS.values()
            ),
        ],
        note=_(
            "单项得分 = 60 + 40 ×（完成率 − 最低）÷（最高 − 最低）；总分按权重加权，"
            "只计下达了目标的指标。未下达任何目标的区县不排名。"
        ),
    )
    names = {d.region_id: d.label for d in card.districts}
    for result in card.ranked:
        total = None if result.total is None else round(result.total, 2)
        rates = [_percent(result.rates.get(key)) for key in ranking.INDICATORS]
        section.rows.append([result.place, names.get(result.key, ""), total, *rates])
    return section


def _top_section(ytd: Period) -> Section:
    section = Section(
        "top",
        _("年初至今签约的最大项目（已披露金额）"),
        [_("项目编号"), _("项目名称"), _("区域"), _("签约日期"), _("总投资（万元）")],
    )
    projects = scorecard.projects_behind(
        Project.objects.select_related("region"), ytd, "signed_amount"
    ).order_by("-investment", "code")[:TOP_PROJECTS]
    for project in projects:
        section.rows.append(
            [
                project.code,
                project.name,
                project.region.name,
                project.sc_signed,
                project.investment,
            ]
        )
    return section


def _alerts_section(today: date) -> Section:
    lines = alert_lines(Project.objects.all(), today=today)
    note = _("截至 %(day)s。") % {"day": today.isoformat()}
    if len(lines) > ALERT_ROWS:
        note = _(
            "截至 %(day)s，共 %(n)s 条预警，此处列出前 %(shown)s 条；完整列表见“需关注”页。"
        ) % {
            "day": today.isoformat(),
            "n": len(lines),
            "shown": ALERT_ROWS,
        }
    section = Section(
        "alerts",
        _("预警"),
        [_("项目编号"), _("项目名称"), _("区域"), _("预警"), _("说明"), _("负责人")],
        note=note,
    )
    for line in lines[:ALERT_ROWS]:
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
