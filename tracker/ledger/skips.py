"""Rows of a ledger that are not projects, and why: totals, examples, rows with no content.

Offices end a district's rows with a 小计 and the sheet with a 合计 (often a
``=SUM(...)``), leave the template's 示例 row in, and number rows ahead with
a 序号 that nothing follows. A total is a cell that is the word itself
(``合计``, ``解放区小计``, ``合计（万元）``) in one of the leading columns (序号,
项目编号, 项目名称, 所属区域), so a project named 总计划… is not one. A row holding
nothing but a 所属区域 (often the tail of a merged district cell) is empty.
"""

import re

from django.utils.translation import gettext as _

from .columns import Layout
from .parsers import fold

# 合计, 小计, 总计, 共计, 解放区小计, 合计（万元）: the whole cell is the word.
_TOTAL = re.compile(r"^.{0,8}?(?:合计|小计|总计|共计)[:]?(?:\(.*\))?$|^(?:total|subtotal)\b")
_FORMULA_TOTAL = re.compile(r"^=\s*(?:sum|subtotal)\(", re.IGNORECASE)
_EXAMPLE = re.compile(r"^(?:示例|样例|填写示例|填表示例|例[:：]|例如|example|sample|e\.g\.)")


def not_a_project(cells: tuple, layout: Layout) -> str:
    """Why a row is not a project ('' if it is one)."""
    width = len(cells)
    index = layout.index
    lead = [index.get("name"), layout.serial, index.get("code"), index.get("region")]
    values = [cells[p] for p in lead if p is not None and p < width]
    texts = [fold(v) for v in values if isinstance(v, str) and v.strip()]
    if any(_EXAMPLE.match(t) for t in texts[:3]):
        return _("示例行")
    if any(_TOTAL.match(t) or _FORMULA_TOTAL.match(t) for t in texts):
        return _("合计行")
    if any(isinstance(v, str) and _FORMULA_TOTAL.match(fold(v)) for v in cells):
        return _("合计行")
    known = [cells[p] for k, p in index.items() if p < width and k != "region"]
    if not any(v is not None and str(v).strip() for v in known):
        return _("空行（没有项目内容）")
    return ""
