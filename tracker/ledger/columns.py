"""The columns of the 项目台账, in their canonical order, and how headers are recognised.

A header is matched after folding (full-/half-width, spaces, case), so
``总投资(万元)`` and ``总投资（万元）`` are the same column, and the English
headers (``code, name, region, …``) are accepted as well. The 总投资 header
carries the unit of bare numbers below it: ``总投资（万元）`` or ``总投资（亿元）``.
Offices name the same column many ways (``签约时间``, ``合作单位``, ``计划总投资``):
``aliases`` is the one table of those synonyms (the template's 填写说明 sheet
and ``docs/staff.md`` show it). A trailing bracket is a unit or a note:
``投资额(万元)`` is 总投资 in 万元, ``合作方（多个用顿号分隔）`` is 合作方. A 序号
column is recognised and ignored. A header that is not known but looks like
one (it contains a synonym, or is one typing slip away) is a warning the
clerk sees before confirming, since its column will not be imported.
Other columns are ignored.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from tracker.formatting import join_items

from .parsers import UNITS, WAN, fold


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    english: str
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("code", "项目编号", "code", aliases=("项目代码",)),
    Column("name", "项目名称", "name", required=True, aliases=("项目名",)),
    Column(
        "region",
        "所属区域",
        "region",
        required=True,
        aliases=("区域", "所属县区", "县区", "县（市、区）", "所属地区", "所在区域"),
    ),
    Column(
        "industry",
        "产业类别",
        "industry",
        aliases=("产业", "所属产业", "行业", "行业类别", "产业类型"),
    ),
    Column("stage", "项目阶段", "stage", aliases=("阶段", "推进阶段", "进展阶段")),
    Column("status", "项目状态", "status", aliases=("状态", "推进状态")),
    Column(
        "investment",
        "总投资（万元）",
        "investment",
        aliases=(
            "总投资",
            "投资额",
            "计划总投资",
            "投资总额",
            "项目总投资",
            "协议投资",
            "合同投资",
        ),
    ),
    Column("signed_on", "签约日期", "signed_on", aliases=("签约时间", "签约日", "签订时间")),
    Column("event", "签约活动", "event", aliases=("签约平台", "签约会议", "活动名称")),
    Column(
        "partners",
        "合作方",
        "partners",
        aliases=(
            "合作单位",
            "签约企业",
            "签约单位",
            "合作企业",
            "项目单位",
            "投资主体",
            "签约方",
            "投资企业",
        ),
    ),
    Column(
        "summary",
        "建设内容",
        "summary",
        aliases=("主要建设内容", "建设规模及内容", "项目内容", "项目简介"),
    ),
    Column("leader", "包联领导", "leader", aliases=("分包领导", "联系领导", "责任领导")),
    Column(
        "unit", "责任单位", "unit", aliases=("responsible_unit", "牵头单位", "责任部门", "承办单位")
    ),
    Column("public", "是否公开", "public", aliases=("is_public", "公开")),
    # Last, so files made before these columns existed keep their positions. A blank
    # cell keeps the stored date; a date here is when the stage timeline says it began.
    Column(
        "started_on",
        "开工日期",
        "started_on",
        aliases=("开工时间", "实际开工日期", "实际开工时间", "开工日"),
    ),
    Column(
        "operating_on",
        "投产日期",
        "operating_on",
        aliases=("投产时间", "实际投产日期", "实际投产时间", "投产日"),
    ),
    Column(
        "planned_operation_on",
        "计划投产日期",
        "planned_operation_on",
        aliases=("计划投产时间", "预计投产日期", "预计投产时间"),
    ),
)
# Recognised when present, never exported: the reason for a stage or status change
# in this import (rules by stage ask for one when a project moves back or closes).
OPTIONAL_COLUMNS: tuple[Column, ...] = (
    Column("change_note", "变更说明", "change_note", aliases=("变更原因", "原因")),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
BY_KEY: dict[str, Column] = {c.key: c for c in (*COLUMNS, *OPTIONAL_COLUMNS)}

# Read and ignored: the row counter offices put first.
SERIAL_HEADERS = frozenset(fold(h) for h in ("序号", "序", "no", "no.", "编号序号"))

_HEADER_INDEX: dict[str, str] = {}
for _column in (*COLUMNS, *OPTIONAL_COLUMNS):
    for _name in (_column.header, _column.english, *_column.aliases):
        _HEADER_INDEX[fold(_name)] = _column.key
# 总投资（亿元）, 投资额(万元), 合作方（多个用顿号分隔）: a name and a bracketed unit or note.
_BRACKETED = re.compile(r"^(?P<name>.+?)[(\[](?P<note>[^()]*)[)\]]$")
# A 单位：万元 note above the header (folded, so ： is :).
UNIT_NOTE = re.compile(r"(?:金额)?单位[:]?(?P<unit>亿元|万元|元)")


def header_key(written: str) -> tuple[str | None, Decimal | None]:
    """The column a header names, and the unit its bracket states (None: none stated)."""
    folded = fold(written)
    key = _HEADER_INDEX.get(folded)
    if key is not None:
        return key, None
    match = _BRACKETED.match(folded)
    if match is None:
        return None, None
    key = _HEADER_INDEX.get(match["name"])
    unit = UNITS.get(match["note"])
    return key, unit


def is_serial(written: str) -> bool:
    return fold(written) in SERIAL_HEADERS


def _close(a: str, b: str) -> bool:
    """One insertion, deletion or substitution apart (a typing slip)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return a[i + 1 :] == b[i + 1 :] if len(a) == len(b) else a[i:] == b[i + 1 :]
    return True


def looks_like(written: str) -> str | None:
    """The key of a known column an unknown header looks like, if any."""
    folded = fold(written)
    base = (_BRACKETED.match(folded) or {"name": folded})["name"]
    for known, key in _HEADER_INDEX.items():
        if len(known) >= 3 and (known in base or _close(base, known)):
            return key
    for known, key in _HEADER_INDEX.items():
        if len(known) == 2 and _close(base, known) and len(base) == 2:
            return key
    return None


@dataclass
class Layout:
    """Where each known column sits in a file, and what the header row said."""

    index: dict[str, int] = field(default_factory=dict)  # column key → position
    labels: dict[str, str] = field(default_factory=dict)  # column key → header as written
    amount_unit: Decimal = WAN
    unit_stated: bool = False  # the 总投资 header states its unit
    serial: int | None = None  # position of a 序号 column
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.index

    def label(self, key: str) -> str:
        return self.labels.get(key) or BY_KEY[key].header

    @property
    def complete(self) -> bool:
        return all(c.key in self.index for c in COLUMNS if c.required)


def match_headers(headers) -> Layout:
    """Map a header row onto the ledger's columns; problems go to ``layout.errors``."""
    layout = Layout()
    unknown: list[str] = []
    for position, raw in enumerate(headers):
        written = "" if raw is None else str(raw).strip()
        if not written:
            continue
        key, unit = header_key(written)
        if key is None:
            if is_serial(written):
                layout.serial = position
            else:
                unknown.append(written)
            continue
        if key in layout.index:
            layout.errors.append(
                _("表头“%(header)s”与“%(other)s”是同一列，只能出现一次。")
                % {"header": written, "other": layout.labels[key]}
            )
            continue
        layout.index[key] = position
        layout.labels[key] = written
        if key == "investment" and unit is not None:
            layout.amount_unit, layout.unit_stated = unit, True
    for written in unknown:
        layout.ignored.append(written)
        key = looks_like(written)
        if key is not None and key not in layout.index:
            layout.warnings.append(
                _(
                    "表头“%(header)s”未能识别，看起来像“%(column)s”：这一列不会导入；"
                    "如需导入，请把表头改为“%(column)s”后重新上传。"
                )
                % {"header": written, "column": BY_KEY[key].header}
            )
    missing = [c.header for c in COLUMNS if c.required and c.key not in layout.index]
    if missing:
        layout.errors.append(
            _("缺少必需的列：%(columns)s。表头应为：%(headers)s。")
            % {"columns": join_items(missing), "headers": join_items(HEADERS)}
        )
    return layout


def synonym_rows() -> list[tuple[str, str]]:
    """(column, the other headers read as it), for the template's notes and the docs."""
    return [
        (c.header, "、".join(a for a in c.aliases if not a.isascii())) for c in COLUMNS if c.aliases
    ]
