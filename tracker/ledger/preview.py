"""The import preview in words: what a new row will store, which rows to list, what to warn about.

``build_preview(plan, limit=…)`` turns a plan (``importer.plan_import``) into
what the admin's preview page shows:

- the rows to list, errors first, then changes (新增, 更新, 提交审核), then the
  unchanged rows, each group in file order, at most ``limit`` of them; how
  many of each kind are left out;
- for each new row (an editor's submitted new row too), the values as they
  will be stored: amounts as people write them and in 万元 (``5亿元（50,000
  万元）``, 约…, bands, 未披露), dates at their precision, partners with their
  roles, 是否公开, region/industry/event by name, and a field's default
  when the sheet leaves it out; the fields that wait for review are marked;
- a summary of what to read before confirming: the plan's warnings and what
  the rows say together (approximate amounts, new projects kept private).

Reads the names of the regions, industries and events the listed rows use, one
query each; nothing per row. Writes nothing.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tracker.choices import PartnerRole, Stage, Status
from tracker.formatting import (
    format_amount,
    format_amount_band,
    format_date,
    format_wan,
    join_items,
    plain_decimal,
)
from tracker.models import Event, Industry, Project, Region
from tracker.text import normalize_name

from .importer import ERROR, NEW, SUBMIT, UPDATE, ImportPlan, RowPlan

# The preview's filters: a listed row is an error, a change, or unchanged.
KIND_ERROR, KIND_CHANGE, KIND_UNCHANGED = "error", "change", "unchanged"
_KIND = {ERROR: KIND_ERROR, NEW: KIND_CHANGE, UPDATE: KIND_CHANGE, SUBMIT: KIND_CHANGE}
_ORDER = {KIND_ERROR: 0, KIND_CHANGE: 1, KIND_UNCHANGED: 2}

# (key, label, the model fields it shows, shown even when empty)
_FIELDS = (
    ("region", gettext_lazy("所属区域"), ("region_id",), True),
    ("industry", gettext_lazy("产业类别"), ("industry_id",), True),
    ("stage", gettext_lazy("项目阶段"), ("stage",), True),
    ("status", gettext_lazy("项目状态"), ("status",), True),
    (
        "investment",
        gettext_lazy("总投资"),
        ("investment", "investment_low", "investment_high", "investment_approximate"),
        True,
    ),
    ("signed_on", gettext_lazy("签约日期"), ("signed_on", "signed_on_precision"), True),
    ("event", gettext_lazy("签约活动"), ("event_id",), False),
    ("partners", gettext_lazy("合作方"), (), True),
    ("public", gettext_lazy("是否公开"), ("is_public",), True),
    ("started_on", gettext_lazy("开工日期"), ("started_on", "started_on_precision"), False),
    (
        "operating_on",
        gettext_lazy("投产日期"),
        ("operating_on", "operating_on_precision"),
        False,
    ),
    ("planned_operation_on", gettext_lazy("计划投产日期"), ("planned_operation_on",), False),
    ("leader", gettext_lazy("包联领导"), ("leader",), False),
    ("unit", gettext_lazy("责任单位"), ("responsible_unit",), False),
    ("summary", gettext_lazy("建设内容"), ("summary",), False),
)
# Columns a sheet may leave out that a new project then takes from the model's default.
_DEFAULTED = ("stage", "status", "is_public")
_DEFAULTS = {
    name: Project._meta.get_field(name).get_default()
    for _key, _label, names, _always in _FIELDS
    for name in names
}


@dataclass(frozen=True)
class Cell:
    """One stored value of a new row, in words."""

    key: str
    label: str
    value: str
    held: bool = False  # waits for review (an editor's counted claim)


@dataclass
class PreviewRow:
    row: RowPlan
    kind: str
    cells: list[Cell] = field(default_factory=list)  # a new row's values as stored


@dataclass
class Preview:
    rows: list[PreviewRow]
    listed: Counter  # kind → rows listed
    hidden: Counter  # kind → rows left out by the limit
    notes: list[str]  # the summary to read before confirming (the plan's warnings first)

    @property
    def hidden_unchanged(self) -> int:
        return self.hidden[KIND_UNCHANGED]

    @property
    def hidden_changes(self) -> int:
        return self.hidden[KIND_ERROR] + self.hidden[KIND_CHANGE]


def kind_of(row: RowPlan) -> str:
    return _KIND.get(row.action, KIND_UNCHANGED)


def build_preview(plan: ImportPlan, *, limit: int) -> Preview:
    """The preview of ``plan``: rows in the order to read them, at most ``limit``."""
    ordered = sorted(plan.rows, key=lambda row: (_ORDER[kind_of(row)], row.number))
    listed, left_out = ordered[:limit], ordered[limit:]
    names = _Names.load(row for row in listed if _shows_values(row))
    new_keys = {normalize_name(name) for name in plan.new_organizations}
    rows = [
        PreviewRow(
            row,
            kind_of(row),
            stored_cells(row, names, new_keys) if _shows_values(row) else [],
        )
        for row in listed
    ]
    return Preview(
        rows=rows,
        listed=Counter(entry.kind for entry in rows),
        hidden=Counter(kind_of(row) for row in left_out),
        notes=[*plan.warnings, *summary_notes(plan)],
    )


def _shows_values(row: RowPlan) -> bool:
    return row.project is None and row.action in (NEW, SUBMIT)


# --- A new row's values ----------------------------------------------------------------------


class _Names:
    """Names of the regions, industries and events some rows use: one query per table."""

    def __init__(self, regions, industries, events):
        self.regions, self.industries, self.events = regions, industries, events

    @classmethod
    def load(cls, rows) -> "_Names":
        wanted = {"region_id": set(), "industry_id": set(), "event_id": set()}
        for row in rows:
            for attribute, ids in wanted.items():
                if row.values.get(attribute):
                    ids.add(row.values[attribute])

        def names(model, ids):
            if not ids:
                return {}
            return dict(model.objects.filter(pk__in=sorted(ids)).values_list("pk", "name"))

        return cls(
            names(Region, wanted["region_id"]),
            names(Industry, wanted["industry_id"]),
            names(Event, wanted["event_id"]),
        )


def stored_cells(row: RowPlan, names: _Names, new_organizations=frozenset()) -> list[Cell]:
    """What creating ``row``'s project stores, field by field, in words.

    A field the sheet leaves out takes the model's default, and says so;
    ``new_organizations`` (normalised names) are the partners the import creates.
    """
    values = {name: row.values.get(name, default) for name, default in _DEFAULTS.items()}
    held = set(row.held) if row.action == SUBMIT else set()
    cells = []
    for key, label, fields, always in _FIELDS:
        text = _text(key, values, row, names, new_organizations)
        if not text and not always:
            continue
        defaulted = [name for name in fields if name in _DEFAULTED and name not in row.values]
        if defaulted and key != "public":
            text = _("%(value)s（未填，取默认值）") % {"value": text}
        elif defaulted:
            text = _("否（未填，新项目默认不公开）") if not values["is_public"] else text
        cells.append(Cell(key, str(label), text or "—", held=bool(held & set(fields))))
    return cells


def _text(key, values, row, names, new_organizations) -> str:
    if key == "region":
        return names.regions.get(values["region_id"], "")
    if key == "industry":
        return names.industries.get(values["industry_id"], "")
    if key == "event":
        return names.events.get(values["event_id"], "")
    if key == "stage":
        return str(Stage(values["stage"]).label)
    if key == "status":
        return str(Status(values["status"]).label)
    if key == "investment":
        return amount_text(
            values["investment"],
            values["investment_low"],
            values["investment_high"],
            approximate=values["investment_approximate"],
        )
    if key in ("signed_on", "started_on", "operating_on"):
        return format_date(values[key], values[f"{key}_precision"])
    if key == "planned_operation_on":
        return format_date(values[key], "day")
    if key == "partners":
        return partners_text(row.partners or [], new_organizations) or _("无")
    if key == "public":
        return _("是") if values["is_public"] else _("否")
    attribute = {"unit": "responsible_unit"}.get(key, key)
    return values[attribute] or ""


def _in_wan(amount: Decimal) -> str:
    return format(Decimal(plain_decimal(amount)), ",f")


def amount_text(investment, low, high, *, approximate: bool = False) -> str:
    """An amount as people write it and in 万元: 5亿元（50,000 万元）, 约2亿元（20,000 万元）,
    1000万元至1亿元（1,000–10,000 万元）, 未披露. Chinese leaves out a 万元 that says it twice."""
    if investment is not None:
        said = format_amount(investment, approximate=approximate)
        chinese = (translation.get_language() or "zh-hans").startswith("zh")
        if chinese and not format_wan(investment).endswith("亿元"):
            return said  # 1000万元 is already in 万元
        return _("%(said)s（%(wan)s 万元）") % {"said": said, "wan": _in_wan(investment)}
    said = format_amount_band(low, high)
    if not said:
        return _("未披露")
    if low is not None and high is not None:
        wan = f"{_in_wan(low)}–{_in_wan(high)}"
    elif low is not None:
        wan = f"≥ {_in_wan(low)}"
    else:
        wan = f"≤ {_in_wan(high)}"
    return _("%(said)s（%(wan)s 万元）") % {"said": said, "wan": wan}


def partners_text(partners, new_organizations=frozenset()) -> str:
    """甲公司（投资方）、乙大学（科研合作方，新建）: each partner with its role."""
    items = []
    for name, role in partners:
        label = str(PartnerRole(role).label) if role in PartnerRole.values else role
        if normalize_name(name) in new_organizations:
            items.append(_("%(name)s（%(role)s，新建）") % {"name": name, "role": label})
        else:
            items.append(_("%(name)s（%(role)s）") % {"name": name, "role": label})
    return join_items(items)


# --- The summary -------------------------------------------------------------------------------


def summary_notes(plan: ImportPlan) -> list[str]:
    """What the rows say together that a clerk should know before confirming."""
    writing = [row for row in plan.rows if row.action in (NEW, UPDATE, SUBMIT)]
    approximate = sum(1 for row in writing if row.values.get("investment_approximate"))
    private = sum(
        1 for row in writing if row.project is None and not row.values.get("is_public", False)
    )
    notes = []
    if approximate:
        notes.append(
            ngettext(
                "%(n)s 行的总投资是约数（如“约2亿元”），将按约数保存，显示为“约…”。",
                "%(n)s 行的总投资是约数（如“约2亿元”），将按约数保存，显示为“约…”。",
                approximate,
            )
            % {"n": approximate}
        )
    if private:
        notes.append(
            ngettext(
                "%(n)s 个新项目不公开（是否公开为“否”或未填）：确认后在后台公开才会出现在网站上。",
                "%(n)s 个新项目不公开（是否公开为“否”或未填）：确认后在后台公开才会出现在网站上。",
                private,
            )
            % {"n": private}
        )
    return notes
