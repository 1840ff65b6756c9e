"""The columns of the 项目台账, in their canonical order, and how headers are recognised.

A header is matched after folding (full-/half-width, spaces, case), so
``总投资(万元)`` and ``总投资（万元）`` are the same column, and the English
headers (``code, name, region, …``) are accepted as well. The 总投资 header
carries the unit of bare numbers below it: ``总投资（万元）`` or ``总投资（亿元）``.
Columns not listed here are ignored.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from tracker.formatting import join_items

from .parsers import WAN, YI, fold


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    english: str
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("code", "项目编号", "code"),
    Column("name", "项目名称", "name", required=True),
    Column("region", "所属区域", "region", required=True),
    Column("industry", "产业类别", "industry"),
    Column("stage", "项目阶段", "stage"),
    Column("status", "项目状态", "status"),
    Column("investment", "总投资（万元）", "investment", aliases=("总投资", "总投资（亿元）")),
    Column("signed_on", "签约日期", "signed_on"),
    Column("event", "签约活动", "event"),
    Column("partners", "合作方", "partners"),
    Column("summary", "建设内容", "summary"),
    Column("leader", "包联领导", "leader"),
    Column("unit", "责任单位", "unit", aliases=("responsible_unit",)),
    Column("public", "是否公开", "public", aliases=("is_public",)),
)
# Recognised when present, never exported: the reason for a stage or status change
# in this import (rules by stage ask for one when a project moves back or closes).
OPTIONAL_COLUMNS: tuple[Column, ...] = (
    Column("change_note", "变更说明", "change_note", aliases=("变更原因", "原因")),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
BY_KEY: dict[str, Column] = {c.key: c for c in (*COLUMNS, *OPTIONAL_COLUMNS)}

_HEADER_INDEX: dict[str, str] = {}
for _column in (*COLUMNS, *OPTIONAL_COLUMNS):
    for _name in (_column.header, _column.english, *_column.aliases):
        _HEADER_INDEX[fold(_name)] = _column.key
_YI_HEADERS = {fold("总投资（亿元）"), fold("investment（亿元）")}


@dataclass
class Layout:
    """Where each known column sits in a file, and what the header row said."""

    index: dict[str, int] = field(default_factory=dict)  # column key → position
    labels: dict[str, str] = field(default_factory=dict)  # column key → header as written
    amount_unit: Decimal = WAN
    ignored: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.index

    def label(self, key: str) -> str:
        return self.labels.get(key) or BY_KEY[key].header


def match_headers(headers) -> Layout:
    """Map a header row onto the ledger's columns; problems go to ``layout.errors``."""
    layout = Layout()
    for position, raw in enumerate(headers):
        written = "" if raw is None else str(raw).strip()
        if not written:
            continue
        folded = fold(written)
        key = _HEADER_INDEX.get(folded)
        if key is None:
            layout.ignored.append(written)
            continue
        if key in layout.index:
            layout.errors.append(
                _("表头“%(header)s”与“%(other)s”是同一列，只能出现一次。")
                % {"header": written, "other": layout.labels[key]}
            )
            continue
        layout.index[key] = position
        layout.labels[key] = written
        if key == "investment" and folded in _YI_HEADERS:
            layout.amount_unit = YI
    missing = [c.header for c in COLUMNS if c.required and c.key not in layout.index]
    if missing:
        layout.errors.append(
            _("缺少必需的列：%(columns)s。表头应为：%(headers)s。")
            % {"columns": join_items(missing), "headers": join_items(HEADERS)}
        )
    return layout
