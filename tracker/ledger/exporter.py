"""Write the ledger out: xlsx (openpyxl write-only) or CSV (UTF-8 with BOM, streamed).

Projects are read as plain tuples in chunks, with the names of regions,
industries and events taken from in-memory maps and partners fetched per
chunk, so memory stays flat and the query count grows only by one partner
query per chunk. Every cell is written through ``tracker.spreadsheets``:
text a spreadsheet would run as a formula (leading = + - @, tab, CR) gets a
single quote, which the importer strips again, so an unedited export imports
unchanged; characters an xlsx cannot hold are dropped rather than the export.
"""

from collections.abc import Iterable, Iterator
from itertools import islice

from django.utils.translation import gettext as _

from tracker import spreadsheets
from tracker.models import Event, Industry, ProjectPartner, Region
from tracker.verbs import LEDGER_STATUS_WORDS, ledger_stage_words

from . import funds, render
from .columns import COLUMNS, HEADERS, synonym_rows
from .lookups import any_of

CHUNK = 2_000
CSV_BOM = spreadsheets.CSV_BOM
XLSX_CONTENT_TYPE = spreadsheets.XLSX_CONTENT_TYPE
CSV_CONTENT_TYPE = spreadsheets.CSV_CONTENT_TYPE
SHEET_TITLE = "项目台账"
FUNDS_SHEET = "到位资金"

_FIELDS = (
    "pk",
    "code",
    "name",
    "region_id",
    "industry_id",
    "stage",
    "status",
    "investment",
    "investment_low",
    "investment_high",
    "investment_approximate",
    "signed_on",
    "signed_on_precision",
    "event_id",
    "summary",
    "leader",
    "responsible_unit",
    "is_public",
    "started_on",
    "started_on_precision",
    "operating_on",
    "operating_on_precision",
    "planned_operation_on",
)
_WIDTHS = {
    "code": 15,
    "name": 36,
    "region": 16,
    "industry": 14,
    "stage": 10,
    "status": 10,
    "investment": 16,
    "signed_on": 13,
    "event": 30,
    "partners": 44,
    "summary": 50,
    "leader": 10,
    "unit": 20,
    "public": 9,
    "started_on": 13,
    "operating_on": 13,
    "planned_operation_on": 14,
}


def _name_map(rows) -> dict[int, str]:
    """id → name, or the slug where another row shares the name (so the import finds it)."""
    rows = list(rows)
    seen: dict[str, int] = {}
    for _pk, name, _slug in rows:
        seen[name] = seen.get(name, 0) + 1
    return {pk: render.text_cell(name if seen[name] == 1 else slug) for pk, name, slug in rows}


class _Maps:
    def __init__(self):
        self.regions = _name_map(Region.objects.values_list("pk", "name", "slug"))
        self.industries = _name_map(Industry.objects.values_list("pk", "name", "slug"))
        self.events = _name_map(Event.objects.values_list("pk", "name", "slug"))
        self.stages = render.stage_labels()
        self.statuses = render.status_labels()
        self.roles = render.role_labels()


def ledger_rows(queryset, *, native: bool) -> Iterator[list]:
    """One list of cell values per project, in the canonical column order.

    ``native`` (xlsx) keeps amounts as numbers and day-precision dates as
    dates; otherwise every cell is text.
    """
    maps = _Maps()
    amount, date_cell, text = render.amount_cell, render.date_cell, render.text_cell
    partners_cell, roles = render.partners_cell, maps.roles
    rows = queryset.order_by("code").values_list(*_FIELDS).iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        partners = _partners([row[0] for row in chunk])
        for (
            pk,
            code,
            name,
            region_id,
            industry_id,
            stage,
            status,
            investment,
            low,
            high,
            approximate,
            signed_on,
            precision,
            event_id,
            summary,
            leader,
            unit,
            public,
            started_on,
            started_precision,
            operating_on,
            operating_precision,
            planned_operation_on,
        ) in chunk:
            yield [
                text(code),
                text(name),
                maps.regions[region_id],
                maps.industries[industry_id] if industry_id else "",
                maps.stages.get(stage, stage),
                maps.statuses.get(status, status),
                amount(investment, low, high, native=native, approximate=approximate),
                date_cell(signed_on, precision, native=native),
                maps.events[event_id] if event_id else "",
                text(partners_cell(partners.get(pk, ()), roles)),
                text(summary),
                text(leader),
                text(unit),
                "是" if public else "否",
                date_cell(started_on, started_precision, native=native),
                date_cell(operating_on, operating_precision, native=native),
                date_cell(planned_operation_on, "day", native=native),
            ]


def _partners(project_ids) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    links = (
        ProjectPartner.objects.filter(project_id__in=any_of(project_ids, integer=True))
        .order_by("project_id", "pk")
        .values_list("project_id", "organization__name", "role")
    )
    for project_id, name, role in links:
        found.setdefault(project_id, []).append((name, role))
    return found


# --- xlsx ---------------------------------------------------------------------------------


def write_xlsx(rows: Iterable[list], stream, *, notes: bool = False) -> None:
    """Write header and ``rows`` as a one-sheet workbook (write-only: rows never pile up)."""
    book = spreadsheets.workbook()
    widths = [_WIDTHS[column.key] for column in COLUMNS]
    spreadsheets.append_sheet(book, SHEET_TITLE, HEADERS, rows, widths=widths)
    if notes:
        # An empty 到位资金 sheet, read with the ledger when filled in (``ledger.funds``).
        spreadsheets.append_sheet(
            book, FUNDS_SHEET, funds.HEADERS, [], widths=(15, 30, 12, 16, 12, 30, 20)
        )
        spreadsheets.append_sheet(
            book, _("填写说明"), None, _notes(_Maps()), widths=(18, 100), freeze=False
        )
    book.save(stream)


def _notes(maps: _Maps) -> list[list[str]]:
    return [
        [_("列"), _("填写方法")],
        [
            _("空白单元格"),
            _(
                "更新已有项目时，留空表示保留原有内容；要删去某项内容，填“（清空）”。"
                "项目名称、所属区域必填，项目阶段、项目状态、是否公开不能清空。"
            ),
        ],
        [
            "项目编号",
            _("留空表示新项目，导入时自动编号；已有编号表示更新该项目。"),
        ],
        ["所属区域", _("必填，填名称或短标识：") + "、".join(sorted(maps.regions.values()))],
        ["产业类别", _("填名称或短标识：") + "、".join(sorted(maps.industries.values()))],
        [
            "项目阶段",
            "、".join(maps.stages.values())
            + _("；也可填：")
            + _words(maps.stages, ledger_stage_words()),
        ],
        [
            "项目状态",
            "、".join(maps.statuses.values())
            + _("；也可填：")
            + _words(maps.statuses, LEDGER_STATUS_WORDS),
        ],
        [
            "总投资（万元）",
            _(
                "纯数字按表头单位（万元；表头改为“总投资（亿元）”则按亿元）。也可带单位："
                "5亿元、10.5亿、1000万元、500000000元；区间：1000万元至1亿元；未披露请留空或填“未披露”。"
            ),
        ],
        ["签约日期", _("2020-10-12、2020/10/12、2020年10月12日、2020年10月（月）、2020年（年）。")],
        ["签约活动", _("填活动名称或短标识。")],
        [
            "合作方",
            _("“名称（角色）”，多个用顿号、分号或换行分隔；角色可省略（默认签约方）：")
            + "、".join(maps.roles.values()),
        ],
        ["是否公开", _("是/否（也可填 true/false、1/0）。")],
        [
            "开工日期、投产日期",
            _(
                "写法同签约日期。项目进入在建/落地、已投产时，阶段记录按这里的日期起算（推进效率据此计算）；"
                "留空表示不改已有日期。"
            ),
        ],
        ["计划投产日期", _("写法同签约日期；逾期未投产会列入需关注。")],
        [
            "到位资金",
            _(
                "可在“到位资金”工作表中逐行填写：项目编号（已有项目或本表新项目的编号）、到位月份"
                "（写到月）、到位金额（万元）、资金来源（市内、市外省内、省外、境外）、说明、凭证。"
                "同一项目、月份、来源已有的金额会被更新，不会重复记入。"
            ),
        ],
        [],
        [
            _("表头"),
            _(
                "以下写法都按左边的列读取；表头可在前 20 行内，上面的标题和“单位：万元”等说明行会跳过。"
            ),
        ],
        *([header, aliases] for header, aliases in synonym_rows()),
        ["序号", _("可有可无，导入时忽略。")],
        [
            _("跳过的行"),
            _(
                "合计、小计、总计行，示例行，以及空行不导入，预览中逐行列出。合并的单元格按合并区域的值读取。"
            ),
        ],
    ]


def _words(labels: dict[str, str], words: dict[str, str]) -> str:
    """Each choice's other words, grouped: 在建/落地：开工、在建… (the office words of ``tracker.verbs``)."""
    grouped: dict[str, list[str]] = {}
    for word, code in words.items():
        if word != labels.get(code):
            grouped.setdefault(code, []).append(word)
    return "；".join(
        f"{labels[code]}：{'、'.join(grouped[code])}" for code in labels if code in grouped
    )


# --- CSV ----------------------------------------------------------------------------------


def iter_csv(rows: Iterable[list]) -> Iterator[str]:
    """The CSV as text pieces: BOM, header, then rows in chunks (for a streaming response)."""
    return spreadsheets.csv_lines(HEADERS, rows, chunk=CHUNK)


# --- Template -------------------------------------------------------------------------------


def template_rows() -> list[list]:
    """One example row, valid against the current reference data."""
    region = Region.objects.order_by("parent_id", "pk").values_list("name", flat=True).first()
    industry = Industry.objects.order_by("pk").values_list("name", flat=True).first()
    stages, statuses, roles = render.stage_labels(), render.status_labels(), render.role_labels()
    return [
        [
            "",
            _("示例：某某智能装备产业园项目"),
            region or "",
            industry or "",
            stages["signed"],
            statuses["on_track"],
            "5亿元",
            "2020年10月12日",
            "",
            f"某某科技有限公司（{roles['investor']}）、某某大学（{roles['research_partner']}）",
            _("建设智能装备生产线及研发中心。"),
            "",
            "",
            "是",
            "",
            "",
            "2022年6月",
        ]
    ]
