"""Open data: the public tables (projects with their sources, partners, events) as files.

One definition of each table serves both the CSV a visitor filters and streams
(``/projects/export.csv``) and the full files the open-data job prebuilds
(``services.opendata``), so a filtered download is a subset of the full file,
column for column.

Only public fields leave here — never the responsible leader, unit or internal
notes. Amounts are plain numbers in 万元 (blank when undisclosed) beside the amount
as people read it; dates are ISO 8601 at the precision the source gives (2020-09).
Every cell goes through ``tracker.spreadsheets``: text a spreadsheet would run
as a formula gets a leading apostrophe, and characters an xlsx cannot hold are
dropped (never a 500).

Headers and labels are Chinese whatever the browser's language, so a script that
reads the file by column name works for everyone; English only by an explicit
``lang=en``. Rows are read as plain tuples a chunk at a time (no model
instances): at 100,000 projects that is the difference between 1,500 and
tens of thousands of rows a second, and memory stays flat.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors, spreadsheets, stats
from .choices import DatePrecision, EventKind, OrganizationKind, PartnerRole, Stage, Status
from .formatting import format_amount, format_amount_band, plain_decimal
from .models import (
    AMOUNT_FIELDS,
    DATE_FIELDS,
    Citation,
    Event,
    Organization,
    ProjectPartner,
    RegionTree,
    Source,
)

CHUNK = 2000
# Building a workbook holds it in memory; beyond this many rows CSV is the better tool.
XLSX_MAX_ROWS = 50_000
# The language of every file unless the visitor asks for English explicitly.
LANGUAGE = "zh-hans"
LANGUAGES = ("zh-hans", "en")
# Several sources (or organisers) in one cell: one per line, in the same order in every
# source column, so the n-th title, date and quote belong together.
MANY = "\n"


def export_language(requested: str | None) -> str:
    """``en`` only when asked for by name; Chinese otherwise (never the browser's choice)."""
    return "en" if (requested or "").lower() == "en" else LANGUAGE


@dataclass(frozen=True)
class Table:
    """A table of open data: its name, its headers and where its rows come from.

    ``rows`` yields lists of cell values: text, ``None``, or a ``Decimal`` for
    ``amounts`` columns (a number in an xlsx, a plain number in a CSV).
    """

    name: str
    title: object  # lazy text: the sheet's name
    headers: list
    amounts: frozenset
    rows: Iterable[list]

    def header_texts(self) -> list[str]:
        return [str(h) for h in self.headers]


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _batches(iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _iso(value, precision) -> str:
    """``formatting.iso_date`` without strftime (a third of the time of a row otherwise)."""
    if value is None:
        return ""
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    return value.isoformat()


def _amount_text(investment, low, high, approximate=False) -> str:
    """``format_project_amount`` from the values (same rule, no model instance)."""
    if investment is not None:
        return format_amount(investment, approximate=approximate)
    return format_amount_band(low, high) or _("未披露")


# --- Projects --------------------------------------------------------------------------

PROJECT_HEADERS = [
    gettext_lazy("项目编号"),
    gettext_lazy("项目名称"),
    gettext_lazy("所属区县/功能区"),
    gettext_lazy("所属区域"),
    gettext_lazy("产业类别"),
    gettext_lazy("项目阶段"),
    gettext_lazy("项目状态"),
    gettext_lazy("总投资（万元）"),
    gettext_lazy("投资下限（万元）"),
    gettext_lazy("投资上限（万元）"),
    gettext_lazy("投资额"),
    gettext_lazy("签约日期"),
    gettext_lazy("开工日期"),
    gettext_lazy("投产日期"),
    gettext_lazy("签约活动"),
    gettext_lazy("合作方（角色）"),
    gettext_lazy("建设内容"),
    gettext_lazy("来源文章"),
    gettext_lazy("来源报道"),
    gettext_lazy("来源媒体"),
    gettext_lazy("来源日期"),
    gettext_lazy("原文引述"),
]
PROJECT_AMOUNTS = frozenset({7, 8, 9})
PROJECT_FIELDS = (
    "pk",
    "code",
    "name",
    "region_id",
    "region__name",
    "industry__name",
    "stage",
    "status",
    *AMOUNT_FIELDS,
    *DATE_FIELDS,
    "event__name",
    "summary",
)


def _fetch_for(sql: str, ids: list[int]) -> list[tuple]:
    """Rows of ``sql`` (a query with ``{ids}``) for the projects ``ids``.

    Plain SQL rather than ``filter(project_id__in=ids)``: the ORM prepares each of
    the 2,000 ids one by one, which cost more than the query itself.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=", ".join(["%s"] * len(ids))), ids)
        return cursor.fetchall()


def _tables(*models) -> list[str]:
    return [connection.ops.quote_name(model._meta.db_table) for model in models]


def _partners_of(ids: list[int], roles: dict[str, str]) -> dict[int, str]:
    """ "名称（角色）；…" for each project in ``ids``, role then entry order (one query)."""
    partner, organization = _tables(ProjectPartner, Organization)
    rows = _fetch_for(
        f"SELECT pp.project_id, o.name, pp.role FROM {partner} pp"
        f" JOIN {organization} o ON o.id = pp.organization_id"
        " WHERE pp.project_id IN ({ids}) ORDER BY pp.role, pp.id",
        ids,
    )
    found: dict[int, list[str]] = {}
    for project_id, name, role in rows:
        found.setdefault(project_id, []).append(f"{name}（{roles.get(role, role)}）")
    return {pk: "；".join(names) for pk, names in found.items()}


def _sources_of(ids: list[int]) -> dict[int, list[str]]:
    """The five source cells of each project in ``ids``, oldest source first (one query)."""
    citation, source = _tables(Citation, Source)
    rows = _fetch_for(
        "SELECT c.project_id, s.title, c.headline, s.publisher, s.published_on,"
        f" s.published_on_precision, c.quote FROM {citation} c"
        f" JOIN {source} s ON s.id = c.source_id"
        " WHERE c.project_id IN ({ids}) ORDER BY s.published_on, c.id",
        ids,
    )
    found: dict[int, list[list[str]]] = {}
    for project_id, title, headline, publisher, published, precision, quote in rows:
        if isinstance(published, str):  # SQLite hands a raw query's date back as text
            published = date.fromisoformat(published)
        cells = found.setdefault(project_id, [[], [], [], [], []])
        values = (title, headline, publisher, _iso(published, precision), quote)
        for cell, value in zip(cells, values, strict=True):
            cell.append(value or "")
    return {pk: [MANY.join(values) for values in cells] for pk, cells in found.items()}


def project_rows(queryset, tree: RegionTree | None = None) -> Iterator[list]:
    """The rows of ``queryset``'s projects in its order, in the active language."""
    tree = tree or RegionTree.load()
    stages, statuses, roles = _labels(Stage), _labels(Status), _labels(PartnerRole)
    readings: dict[tuple, str] = {}
    districts: dict[int, str] = {}
    no_sources = [""] * 5
    values = queryset.values_list(*PROJECT_FIELDS).iterator(chunk_size=CHUNK)
    for batch in _batches(values):
        ids = [row[0] for row in batch]
        partners, sources = _partners_of(ids, roles), _sources_of(ids)
        for (
            pk,
            code,
            name,
            region_id,
            region,
            industry,
            stage,
            status,
            investment,
            low,
            high,
            approximate,
            signed,
            signed_p,
            started,
            started_p,
            operating,
            operating_p,
            event,
            summary,
        ) in batch:
            if region_id not in districts:
                found = tree.district_of(region_id)
                districts[region_id] = found.name if found else ""
            # Amounts repeat (round figures, 未披露): each distinct one is written once.
            key = (investment, low, high, approximate)
            amount = readings.get(key)
            if amount is None:
                amount = readings[key] = _amount_text(investment, low, high, approximate)
            yield [
                code,
                name,
                districts[region_id],
                region,
                industry or "",
                stages.get(stage, stage),
                statuses.get(status, status),
                investment,
                low,
                high,
                amount,
                _iso(signed, signed_p),
                _iso(started, started_p),
                _iso(operating, operating_p),
                event or "",
                partners.get(pk, ""),
                summary,
                *sources.get(pk, no_sources),
            ]


def projects_table(queryset) -> Table:
    return Table(
        "projects", gettext_lazy("项目"), PROJECT_HEADERS, PROJECT_AMOUNTS, project_rows(queryset)
    )


# --- Partners --------------------------------------------------------------------------

PARTNER_HEADERS = [
    gettext_lazy("合作方编号"),
    gettext_lazy("名称"),
    gettext_lazy("简称"),
    gettext_lazy("别名"),
    gettext_lazy("类型"),
    gettext_lazy("所在省份"),
    gettext_lazy("所在城市"),
    gettext_lazy("统一社会信用代码"),
    gettext_lazy("公开项目数"),
]


def _public_project_counts() -> Counter:
    """Public projects per organisation (``partner_list``'s ``project_count``), in one pass.

    One query for every organisation at once: the list's per-row subquery, run
    25,000 times over, took most of the file's time.
    """
    pairs = set(
        ProjectPartner.objects.filter(project__is_public=True)
        .order_by()
        .values_list("organization_id", "project_id")
    )
    return Counter(organization for organization, _project in pairs)


def partner_rows() -> Iterator[list]:
    """Every public organisation by name, with its count of public projects."""
    kinds = _labels(OrganizationKind)
    counts = _public_project_counts()
    rows = (
        selectors.public_organizations()
        .order_by("name_key")
        .values_list(
            "pk", "name", "short_name", "aliases", "kind", "province", "city", "credit_code"
        )
    )
    for pk, name, short, aliases, kind, province, city, credit in rows.iterator(chunk_size=CHUNK):
        aliases = "；".join(line.strip() for line in aliases.splitlines() if line.strip())
        kind = kinds.get(kind, kind)
        yield [str(pk), name, short, aliases, kind, province, city, credit, counts.get(pk, 0)]


def partners_table() -> Table:
    return Table("partners", gettext_lazy("合作方"), PARTNER_HEADERS, frozenset(), partner_rows())


# --- Events ----------------------------------------------------------------------------

# What an event declared ("公布…") and what this ledger itemises are different
# figures; neither is ever added to the other, and the headers say which is which.
EVENT_HEADERS = [
    gettext_lazy("活动标识"),
    gettext_lazy("活动名称"),
    gettext_lazy("类型"),
    gettext_lazy("举办城市"),
    gettext_lazy("地点"),
    gettext_lazy("牵头区域"),
    gettext_lazy("开始日期"),
    gettext_lazy("结束日期"),
    gettext_lazy("公布签约项目数"),
    gettext_lazy("公布签约总投资（万元）"),
    gettext_lazy("公布推介项目数"),
    gettext_lazy("公布推介总投资（万元）"),
    gettext_lazy("本站列明公开项目数"),
    gettext_lazy("主办/承办方"),
    gettext_lazy("概况"),
]
EVENT_AMOUNTS = frozenset({9, 11})


def event_rows(queryset=None) -> Iterator[list]:
    kinds = _labels(EventKind)
    events = queryset if queryset is not None else selectors.event_list()
    organisers: dict[int, list[str]] = {}
    through = Event.organisers.through.objects.order_by("organization__name")
    for event_id, name in through.values_list("event_id", "organization__name"):
        organisers.setdefault(event_id, []).append(name)
    rows = events.values_list(
        "pk",
        "slug",
        "name",
        "kind",
        "city",
        "venue",
        "region__name",
        "start_date",
        "end_date",
        "declared_signed_count",
        "declared_signed_investment",
        "declared_promoted_count",
        "declared_promoted_investment",
        "itemised",
        "summary",
    )
    for row in rows.iterator(chunk_size=CHUNK):
        pk, slug, name, kind, city, venue, region, start, end, *declared, itemised, summary = row
        yield [
            slug,
            name,
            kinds.get(kind, kind),
            city,
            venue,
            region or "",
            start.isoformat() if start else "",
            end.isoformat() if end else "",
            *declared,
            itemised,
            MANY.join(organisers.get(pk, [])),
            summary,
        ]


def events_table(queryset=None) -> Table:
    return Table(
        "events", gettext_lazy("招商活动"), EVENT_HEADERS, EVENT_AMOUNTS, event_rows(queryset)
    )


# --- Writing ---------------------------------------------------------------------------


def csv_lines(table: Table) -> Iterator[str]:
    """The table as CSV text pieces (BOM first), every text cell escaped.

    Rows hold text already, except amounts (written as plain numbers) and counts.
    """
    amounts = sorted(table.amounts)
    numbers = {None: ""}  # each distinct amount written once

    def cells():
        for row in table.rows:
            row = row[:]  # the same rows may go on into an xlsx, numbers kept
            for i in amounts:
                value = row[i]
                text = numbers.get(value)
                if text is None:
                    text = numbers[value] = plain_decimal(value)
                row[i] = text
            yield row

    return spreadsheets.csv_lines(table.header_texts(), cells(), chunk=CHUNK)


def xlsx_write(table: Table, stream) -> None:
    book = spreadsheets.workbook()
    spreadsheets.append_sheet(book, table.title, table.header_texts(), table.rows)
    book.save(stream)


def _in_language(lines: Iterator[str], language: str) -> Iterator[str]:
    # The response streams after the view returns: hold the language for every piece.
    with translation.override(language):
        yield from lines


def _filename(extension: str, language: str) -> str:
    suffix = "-en" if language == "en" else ""
    return f"zhaoshang-projects-{date.today():%Y%m%d}{suffix}.{extension}"


def csv_response(queryset, *, language: str = LANGUAGE):
    with translation.override(language):
        table = projects_table(queryset)
        headers_ready = csv_lines(table)
    return spreadsheets.download_response(
        _filename("csv", language), lines=_in_language(headers_ready, language)
    )


def xlsx_response(queryset, *, language: str = LANGUAGE):
    with translation.override(language):
        if stats.count(queryset) > XLSX_MAX_ROWS:
            return None  # the view says so on a page (see ``views_data``)
        table = projects_table(queryset)
        return spreadsheets.download_response(
            _filename("xlsx", language), write=lambda stream: xlsx_write(table, stream)
        )
