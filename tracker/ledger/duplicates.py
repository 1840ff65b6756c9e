"""Never a silent duplicate: rows without a 项目编号 matched to the projects they already are.

District offices re-send their sheets, and their sheets have no codes. So a
row without a code is compared with the existing projects by name before it
is planned as new (the rule, also in ``docs/staff.md``):

- its project name, normalised (full- and half-width, spaces, case:
  ``text.normalize_name``), equals the name of exactly **one** project in the
  **same district** (a park's project counts for its district): the row *is*
  that project and updates it; the preview says so among its warnings;
- equal to **several** such projects: the row is held back with an error
  listing their codes, and the clerk writes the right one;
- two code-less rows of one file with the same name in one district: both
  are held back (merge them, or give them codes);
- the project it matches is also named by code in another row: held back.

Deliberately not matched: similar names (``一期`` / ``二期``, with or without
``项目``), since phases are separate projects; the same name in another
district, where each district may have its own 智能装备产业园项目; a row that
has a code, where the code decides.
"""

from collections import Counter, defaultdict

from django.utils.translation import gettext as _

from tracker.formatting import join_items
from tracker.models import Project, RegionTree
from tracker.text import normalize_name

from .lookups import any_of

_SHOWN = 10


def match_by_name(rows, ctx, plan) -> None:
    """Give code-less ``rows`` the code of the one project they name; hold back the doubtful."""
    pending = [
        row
        for row in rows
        if not row.code and not row.errors and row.name and "region_id" in row.values
    ]
    if not pending:
        return
    tree = RegionTree.load()

    def district(region_id: int) -> int:
        found = tree.district_of(region_id)
        return found.pk if found else region_id

    def key(name: str, region_id: int) -> tuple[str, int]:
        return normalize_name(name), district(region_id)

    districts = {district(row.values["region_id"]) for row in pending}
    existing: dict[tuple[str, int], list[str]] = defaultdict(list)
    projects = Project.objects.filter(
        region_id__in=any_of(tree.subtree_ids(*districts), integer=True)
    ).values_list("code", "name", "region_id")
    for code, name, region_id in projects:
        existing[key(name, region_id)].append(code)

    in_file = Counter(key(row.name, row.values["region_id"]) for row in pending)
    coded = {row.code: row.number for row in rows if row.code}
    label = ctx.layout.label("name")
    matched = []
    for row in pending:
        row_key = key(row.name, row.values["region_id"])
        codes = sorted(existing.get(row_key, ()))
        if in_file[row_key] > 1:
            row.error(
                label,
                _(
                    "文件中有 %(n)s 行同名项目“%(name)s”且都没有项目编号，可能重复；请合并这些行或填写编号。"
                )
                % {"n": in_file[row_key], "name": row.name},
            )
        elif len(codes) > 1:
            row.error(
                label,
                _("已有 %(n)s 个同名项目（%(codes)s），无法判断是哪一个；请填写项目编号。")
                % {"n": len(codes), "codes": join_items(codes)},
            )
        elif codes and codes[0] in coded:
            row.error(
                label,
                _("与已有项目 %(code)s 同名，而第 %(row)s 行已按编号更新该项目；请合并这两行。")
                % {"code": codes[0], "row": coded[codes[0]]},
            )
        elif codes:
            row.code = codes[0]
            matched.append(row)
    if matched:
        shown = join_items(f"{row.number}（{row.code}）" for row in matched[:_SHOWN])
        more = len(matched) - _SHOWN
        plan.warnings.append(
            _(
                "%(n)s 行没有项目编号，按名称对应到本区已有项目，将更新这些项目而不是新建："
                "第 %(rows)s 行%(more)s。"
            )
            % {
                "n": len(matched),
                "rows": shown,
                "more": (_("等（另有 %(k)s 行）") % {"k": more}) if more > 0 else "",
            }
        )
