"""Plan a ledger import: what each row would do, decided in bulk.

``plan_import`` reads every row, parses every cell, resolves regions,
industries, events, projects and partners with a fixed number of queries
(small tables once; projects, partner links and organisations each in one
query, whatever the number of rows), and decides per row: new, updated,
unchanged or error. It writes nothing. Rows that are not projects (合计/小计
totals, the template's 示例 row, rows with nothing but a 序号) are skipped and
listed with the reason (``ImportPlan.skipped``), as are blank rows between
data rows.
Writing a plan is a service (``tracker.services.ledger.apply_plan``): this
package plans, reads and writes files, and never writes the database.

The plan's ``digest`` fingerprints every decision and every value; the admin
confirms an import by re-planning the stored file and comparing digests, so
what is written is exactly what was previewed.
"""

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.choices import Stage, Status
from tracker.codes import project_code_next
from tracker.formatting import join_items
from tracker.models import Event, Industry, Organization, Project, ProjectPartner, Region
from tracker.permissions import editable_region_ids
from tracker.review_rules import needs_review
from tracker.text import normalize_name
from tracker.verbs import LEDGER_STATUS_WORDS, ledger_stage_words

from . import render
from .cells import READERS
from .columns import Layout, match_headers
from .duplicates import match_by_name
from .funds import digest_part as funds_digest
from .funds import plan_funds
from .lookups import NamedLookup, any_of, choice_lookup, word_lookup  # noqa: F401 (export_ledger)
from .parsers import CellError
from .reader import HEADER_SEARCH, Table
from .row_rules import check_rules, hold_for_review
from .skips import not_a_project

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
# A reviewed user's (区域录入员) row whose counted claim waits for review
# (``tracker.review_rules``): ``apply_plan`` leaves it alone and
# ``services.review.import_rows_submit`` files it as the admin form would.
SUBMIT = "submit"

# Model fields each column sets, in the order changes are shown.
COLUMN_FIELDS = {
    "name": ("name",),
    "region": ("region_id",),
    "industry": ("industry_id",),
    "stage": ("stage",),
    "status": ("status",),
    "investment": ("investment", "investment_low", "investment_high", "investment_approximate"),
    "signed_on": ("signed_on", "signed_on_precision"),
    "event": ("event_id",),
    "summary": ("summary",),
    "leader": ("leader",),
    "unit": ("responsible_unit",),
    "public": ("is_public",),
    "started_on": ("started_on", "started_on_precision"),
    "operating_on": ("operating_on", "operating_on_precision"),
    "planned_operation_on": ("planned_operation_on",),
}
_TEXT_COLUMNS = {"name", "summary", "leader", "unit"}
_COLUMN_OF = {name: key for key, names in COLUMN_FIELDS.items() for name in names}


def _same_text(old: str, new: str) -> bool:
    def plain(text):
        return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()

    return plain(old) == plain(new)


@dataclass
class Change:
    column: str
    old: str
    new: str
    held: bool = False  # waits for review (a SUBMIT row's counted claim)


@dataclass
class RowPlan:
    """What the import will do with one spreadsheet row."""

    number: int
    action: str = NEW
    code: str = ""
    name: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    changes: list[Change] = field(default_factory=list)
    new_organizations: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict, repr=False)
    partners: list[tuple[str, str]] | None = field(default=None, repr=False)
    project: Project | None = field(default=None, repr=False)
    note: str = ""  # the optional 变更说明 column: why the stage/status changes
    before: tuple[str, str] | None = field(default=None, repr=False)
    # A SUBMIT row's fields that wait for review, and the columns they come from.
    held: list[str] = field(default_factory=list, repr=False)
    held_columns: list[str] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))
        self.action = ERROR


@dataclass(frozen=True)
class Skipped:
    number: int
    reason: str


@dataclass
class ImportPlan:
    rows: list[RowPlan] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # to be read before confirming
    skipped: list[Skipped] = field(default_factory=list)
    sheet: str = ""  # the xlsx sheet read
    header_row: int = 1
    new_organizations: list[str] = field(default_factory=list)
    funds: list = field(default_factory=list)  # ``ledger.funds.FundsRow``s of a 到位资金 sheet
    funds_sheet: str = ""
    digest: str = ""
    # Resolved at plan time, used by services.ledger.apply_plan.
    _org_ids: dict[str, int] = field(default_factory=dict, repr=False)
    _partner_rows: dict[int, list[tuple]] = field(default_factory=dict, repr=False)
    # What ``ledger.freshness`` checks again inside the write lock.
    _reads_partners: bool = field(default=False, repr=False)
    _code_starts: dict[int, tuple[str, set]] = field(default_factory=dict, repr=False)

    @property
    def counts(self) -> Counter:
        return Counter(row.action for row in self.rows)

    @property
    def ok(self) -> bool:
        return (
            not self.file_errors
            and not any(row.action == ERROR for row in self.rows)
            and not any(row.action == ERROR for row in self.funds)
        )

    @property
    def error_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if row.action == ERROR]


class _Context:
    """Everything a row needs that is not in the row: lookups, choices, scope."""

    def __init__(self, layout: Layout, user):
        self.layout = layout
        self.regions = NamedLookup(Region.objects.values_list("pk", "name", "slug"), what=_("区域"))
        self.industries = NamedLookup(
            Industry.objects.values_list("pk", "name", "slug"), what=_("产业类别")
        )
        self.events = NamedLookup(
            Event.objects.values_list("pk", "name", "slug"), what=_("签约活动")
        )
        self.scope = editable_region_ids(user) if user is not None else None
        self.review = needs_review(user)
        self.can_add = user is None or user.has_perm("tracker.add_project")
        self.can_change = user is None or user.has_perm("tracker.change_project")
        self.can_add_organization = user is None or user.has_perm("tracker.add_organization")
        self.stages = word_lookup(Stage, ledger_stage_words())
        self.statuses = word_lookup(Status, LEDGER_STATUS_WORDS)
        self.stage_labels, self.status_labels = render.stage_labels(), render.status_labels()
        self.roles = render.role_labels()
        self.positions = [(key, pos) for key, pos in layout.index.items()]
        self.labels = {key: layout.label(key) for key in layout.index}


def _parse_row(number: int, cells: tuple, ctx: _Context) -> RowPlan:
    row = RowPlan(number=number)
    width = len(cells)
    for key, position in ctx.positions:
        try:
            READERS[key](cells[position] if position < width else None, row, ctx)
        except CellError as exc:
            row.error(ctx.labels[key], exc.message)
    return row


# --- Planning ---------------------------------------------------------------------------------


# ``progress(done, total)``: rows planned so far, out of ``total`` (None when unknown).
Progress = Callable[[int, int | None], None]
_PROGRESS_EVERY = 200


def plan_import(table: Table, *, user=None, progress: Progress | None = None) -> ImportPlan:
    """Decide what importing ``table`` would do, row by row. Writes nothing.

    ``progress``, if given, is called every few hundred rows (a background
    confirm shows it); it sees counts only and changes nothing in the plan.
    """
    layout = match_headers(table.headers)
    if table.amount_unit is not None and not layout.unit_stated:
        layout.amount_unit = table.amount_unit
    plan = ImportPlan(
        ignored_columns=layout.ignored,
        file_errors=list(layout.errors),
        warnings=list(layout.warnings),
        sheet=table.sheet,
        header_row=table.header_row,
    )
    if plan.file_errors:
        if not table.header_found:
            plan.file_errors.append(
                _("前 %(n)s 行中没有同时含“项目名称”和“所属区域”的表头行（每个工作表都找过）。")
                % {"n": HEADER_SEARCH},
            )
        _drain(table)
        return plan
    ctx = _Context(layout, user)
    rows = []
    total = len(table.rows) if isinstance(table.rows, list) else None
    for seen, (number, cells) in enumerate(table.rows, start=1):
        reason = not_a_project(cells, layout)
        if reason:
            plan.skipped.append(Skipped(number, reason))
        else:
            rows.append(_parse_row(number, cells, ctx))
        if progress is not None and seen % _PROGRESS_EVERY == 0:
            progress(seen, total)
    plan.skipped.extend(Skipped(n, _("空行")) for n in table.blank_rows)
    plan.skipped.sort(key=lambda s: s.number)
    plan.rows = rows
    if not rows and not (table.funds and table.funds.rows):  # a 到位资金 sheet alone is data
        plan.file_errors.append(_("文件中没有数据行。"))
        return plan

    match_by_name(rows, ctx, plan)  # a code-less row that names an existing project updates it
    _check_duplicate_codes(rows, ctx)
    existing = _existing_projects(rows)
    partners = existing_partners(existing.values()) if layout.has("partners") else {}
    org_ids, org_names = _organizations(rows)
    plan._org_ids = org_ids
    plan._partner_rows = partners
    plan._reads_partners = layout.has("partners")

    new_org_names: dict[str, str] = {}  # key → first spelling, in file order
    for row in rows:
        if row.partners:
            for name, _role in row.partners:
                key = normalize_name(name)
                if key not in org_ids and key not in new_org_names:
                    new_org_names[key] = name
                    row.new_organizations.append(name)
        if row.new_organizations and not ctx.can_add_organization:
            row.error(
                ctx.labels["partners"],
                _("您没有新建合作方的权限：%(names)s。")
                % {"names": join_items(row.new_organizations)},
            )
        if row.action == ERROR:
            continue
        project = existing.get(row.code) if row.code else None
        if project is None:
            _plan_new(row, ctx)
        else:
            _plan_update(row, project, partners.get(project.pk, []), org_names, ctx)
    plan.new_organizations = list(new_org_names.values())
    plan._code_starts = _assign_codes(rows)
    if ctx.review:
        for row in rows:
            if row.action in (NEW, UPDATE) and hold_for_review(
                row, label=ctx.layout.label, column_of=_COLUMN_OF
            ):
                row.action = SUBMIT
    if table.funds is not None:
        plan.funds_sheet = table.funds.sheet
        plan.funds = plan_funds(
            table.funds,
            ledger_rows=rows,
            scope=ctx.scope,
            can_add=user is None or user.has_perm("tracker.add_fundsarrival"),
        )
    plan.digest = _digest(plan)
    if progress is not None:
        progress(total or len(rows), total)
    return plan


def _drain(table: Table) -> None:
    for _row in table.rows:
        pass


def _check_duplicate_codes(rows, ctx) -> None:
    first: dict[str, int] = {}
    label = ctx.labels.get("code", "")
    for row in rows:
        if not row.code:
            continue
        if row.code in first:
            row.error(
                label,
                _("项目编号 %(code)s 与第 %(row)s 行重复。")
                % {"code": row.code, "row": first[row.code]},
            )
        else:
            first[row.code] = row.number


def _existing_projects(rows) -> dict[str, Project]:
    codes = sorted({row.code for row in rows if row.code})
    if not codes:
        return {}
    return {p.code: p for p in Project.objects.filter(code__in=any_of(codes))}


def existing_partners(projects) -> dict[int, list[tuple]]:
    """Project id → [(link id, organisation id, organisation key, organisation name, role)]."""
    found: dict[int, list[tuple]] = {}
    ids = sorted(p.pk for p in projects)
    if not ids:
        return found
    links = ProjectPartner.objects.filter(project_id__in=any_of(ids, integer=True)).values_list(
        "pk",
        "project_id",
        "organization_id",
        "organization__name_key",
        "organization__name",
        "role",
    )
    for pk, project_id, org_id, key, name, role in links:
        found.setdefault(project_id, []).append((pk, org_id, key, name, role))
    return found


def _organizations(rows) -> tuple[dict[str, int], dict[int, str]]:
    keys = sorted(
        {normalize_name(name) for row in rows if row.partners for name, _r in row.partners}
    )
    ids, names = {}, {}
    if not keys:
        return ids, names
    found = Organization.objects.filter(name_key__in=any_of(keys))
    for pk, key, name in found.values_list("pk", "name_key", "name"):
        ids[key] = pk
        names[pk] = name
    return ids, names


def _plan_new(row: RowPlan, ctx: _Context) -> None:
    if not ctx.can_add:
        row.error("", _("您没有新增项目的权限。"))
    if "name" not in row.values:
        row.error(ctx.layout.label("name"), _("项目名称不能为空。"))
    if "region_id" not in row.values:
        row.error(ctx.layout.label("region"), _("所属区域不能为空。"))
    check_rules(row, None, has_partner=bool(row.partners), ctx=ctx)
    if row.action != ERROR:
        row.action = NEW


def _plan_update(row, project, links, org_names, ctx) -> None:
    row.project = project
    if ctx.scope is not None and project.region_id not in ctx.scope:
        row.error(
            ctx.labels.get("region") or ctx.layout.label("region"),
            _("项目 %(code)s 属于您无权录入的区域。") % {"code": project.code},
        )
        return
    if not row.name:
        row.name = project.name
    for key in ctx.layout.index:
        attributes = COLUMN_FIELDS.get(key)
        if not attributes or not any(a in row.values for a in attributes):
            continue
        old = tuple(getattr(project, a) for a in attributes)
        new = tuple(row.values.get(a, o) for a, o in zip(attributes, old, strict=True))
        if key in _TEXT_COLUMNS and _same_text(old[0], new[0]):
            # Excel turns CR LF into LF and cells lose outer spaces: not an edit.
            row.values[attributes[0]] = old[0]
            continue
        if old != new:
            row.changes.append(
                Change(ctx.labels[key], _display(key, old, ctx), _display(key, new, ctx))
            )
    if row.partners is not None:
        current = {(key, role) for _pk, _org, key, _name, role in links}
        wanted = {(normalize_name(name), role) for name, role in row.partners}
        if current != wanted:
            old_pairs = [(name, role) for _pk, _org, _key, name, role in links]
            row.changes.append(
                Change(
                    ctx.labels["partners"],
                    render.partners_cell(old_pairs, ctx.roles),
                    render.partners_cell(row.partners, ctx.roles),
                )
            )
    has_partner = bool(row.partners) if row.partners is not None else bool(links)
    check_rules(row, project, has_partner=has_partner, ctx=ctx)
    if row.action == ERROR:
        return
    row.action = UPDATE if row.changes else UNCHANGED
    if row.action == UPDATE and not ctx.can_change:
        row.error("", _("您没有修改项目的权限。"))


def _display(key: str, values: tuple, ctx: _Context) -> str:
    (first, *_rest) = values
    if key == "region":
        return ctx.regions.names.get(first, "")
    if key == "industry":
        return ctx.industries.names.get(first, "") if first else ""
    if key == "event":
        return ctx.events.names.get(first, "") if first else ""
    if key == "stage":
        return ctx.stage_labels.get(first, first)
    if key == "status":
        return ctx.status_labels.get(first, first)
    if key == "investment":
        return render.amount_display(*values)
    if key in ("signed_on", "started_on", "operating_on"):
        return render.date_display(*values)
    if key == "planned_operation_on":
        return render.date_display(first, "day")
    if key == "public":
        return render.bool_cell(first)
    return first or ""


def _assign_codes(rows) -> dict[int, tuple[str, set]]:
    """Give the next free code (per signing year, else this year) to new rows without one.

    Returns, per year, the first code handed out and the codes it stepped over.
    """
    taken = {row.code for row in rows if row.code}
    pending: dict[int, list[RowPlan]] = {}
    this_year = timezone.localdate().year
    for row in rows:
        if row.action == NEW and not row.code:
            signed: date | None = row.values.get("signed_on")
            pending.setdefault(signed.year if signed else this_year, []).append(row)
    starts = {}
    for year, year_rows in sorted(pending.items()):
        first = project_code_next(year=year, taken=taken)
        starts[year] = (first, taken)
        prefix, _sep, seq = first.rpartition("-")
        for offset, row in enumerate(year_rows):
            row.code = f"{prefix}-{int(seq) + offset:04d}"
    return starts


def _digest(plan: ImportPlan) -> str:
    digest = hashlib.sha256()
    for row in plan.rows:
        digest.update(
            repr(
                (
                    row.number,
                    row.action,
                    row.code,
                    sorted(row.values.items()),
                    row.partners,
                    [(c.column, c.old, c.new) for c in row.changes],
                    row.errors,
                    row.note,
                )
            ).encode()
        )
    digest.update(repr((plan.new_organizations, plan.skipped, plan.warnings)).encode())
    digest.update(funds_digest(plan.funds))
    return digest.hexdigest()
