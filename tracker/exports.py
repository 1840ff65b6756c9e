"""Open data: the public ledger columns as CSV (streamed) and XLSX.

Only public fields leave here — never the responsible leader, unit or internal
notes. Amounts are plain numbers in 万元 (blank when undisclosed) beside the amount
as people read it; dates are ISO 8601 at the precision the source gives (2020-09).
Every cell goes through ``tracker.spreadsheets``: text a spreadsheet would run
as a formula gets a leading apostrophe, and characters an xlsx cannot hold are
dropped (never a 500).
"""

from datetime import date

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import spreadsheets, stats
from .formatting import format_project_amount, iso_date, plain_decimal
from .models import ProjectPartner, RegionTree

CHUNK = 1000
# Building a workbook holds it in memory; beyond this many rows CSV is the better tool.
XLSX_MAX_ROWS = 50_000


def _partners(project) -> str:
    return "；".join(
        f"{pp.organization.name}（{pp.get_role_display()}）"
        for pp in project.project_partners.all()
    )


def columns(tree: RegionTree):
    """(header, value, kind) for each column; kind is "text", "amount" or "date"."""

    def district(p):
        found = tree.district_of(p.region_id)
        return found.name if found else ""

    return [
        (gettext_lazy("项目编号"), lambda p: p.code, "text"),
        (gettext_lazy("项目名称"), lambda p: p.name, "text"),
        (gettext_lazy("所属区县/功能区"), district, "text"),
        (gettext_lazy("所属区域"), lambda p: p.region.name, "text"),
        (gettext_lazy("产业类别"), lambda p: p.industry.name if p.industry else "", "text"),
        (gettext_lazy("项目阶段"), lambda p: p.get_stage_display(), "text"),
        (gettext_lazy("项目状态"), lambda p: p.get_status_display(), "text"),
        (gettext_lazy("总投资（万元）"), lambda p: p.investment, "amount"),
        (gettext_lazy("投资下限（万元）"), lambda p: p.investment_low, "amount"),
        (gettext_lazy("投资上限（万元）"), lambda p: p.investment_high, "amount"),
        (gettext_lazy("投资额"), format_project_amount, "text"),
        (
            gettext_lazy("签约日期"),
            lambda p: iso_date(p.signed_on, p.signed_on_precision),
            "date",
        ),
        (
            gettext_lazy("开工日期"),
            lambda p: iso_date(p.started_on, p.started_on_precision),
            "date",
        ),
        (
            gettext_lazy("投产日期"),
            lambda p: iso_date(p.operating_on, p.operating_on_precision),
            "date",
        ),
        (gettext_lazy("签约活动"), lambda p: p.event.name if p.event else "", "text"),
        (gettext_lazy("合作方（角色）"), _partners, "text"),
        (gettext_lazy("建设内容"), lambda p: p.summary, "text"),
    ]


def _rows(queryset):
    """Projects with their partners, fetched a chunk at a time (memory stays flat)."""
    partners = Prefetch(
        "project_partners",
        queryset=ProjectPartner.objects.select_related("organization").order_by("role", "pk"),
    )
    return queryset.prefetch_related(partners).iterator(chunk_size=CHUNK)


def _text(value) -> str:
    return "" if value is None else str(value)


def _filename(extension: str) -> str:
    return f"zhaoshang-projects-{date.today():%Y%m%d}.{extension}"


def csv_response(queryset):
    cols = columns(RegionTree.load())
    language = translation.get_language()
    headers = [str(header) for header, _value, _kind in cols]

    def rows():
        # The response streams after the view returns: keep the request's language.
        with translation.override(language):
            for project in _rows(queryset):
                yield [
                    _text(plain_decimal(value(project)))
                    if kind == "amount"
                    else _text(value(project))
                    for _header, value, kind in cols
                ]

    return spreadsheets.download_response(
        _filename("csv"), lines=spreadsheets.csv_lines(headers, rows(), chunk=CHUNK)
    )


def xlsx_response(queryset):
    if stats.count(queryset) > XLSX_MAX_ROWS:
        return HttpResponse(
            _("结果超过 %(max)s 行，无法生成 XLSX。请缩小筛选范围，或下载 CSV。")
            % {"max": f"{XLSX_MAX_ROWS:,}"},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    cols = columns(RegionTree.load())
    rows = (
        [value(project) if kind == "amount" else _text(value(project)) for _t, value, kind in cols]
        for project in _rows(queryset)
    )
    book = spreadsheets.workbook()
    spreadsheets.append_sheet(book, _("项目"), [title for title, _v, _k in cols], rows)
    return spreadsheets.download_response(_filename("xlsx"), write=book.save)


def response(queryset, fmt: str):
    return xlsx_response(queryset) if fmt == "xlsx" else csv_response(queryset)
