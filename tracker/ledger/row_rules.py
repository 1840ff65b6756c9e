"""A planned row against the rules: by stage (``tracker.rules``) and of review (``tracker.review_rules``).

``check_rules`` turns what stops the change a row makes into cell errors;
``hold_for_review`` says which of a 区域录入员's changes wait for review, the
way the admin form decides it. Both read only the row and the project the
planning already loaded.
"""

from django.utils.translation import gettext as _

from tracker.choices import Stage, Status
from tracker.models import Project
from tracker.review_rules import REVIEWABLE, held_fields
from tracker.rules import (
    NOTE,
    OPERATING_ON,
    PARTNERS,
    SIGNED_ON,
    STARTED_ON,
    stage_change_problems,
)


def check_rules(row, project: Project | None, *, has_partner: bool, ctx) -> None:
    """The rules by stage (``tracker.rules``) for the change this row makes, as cell errors.

    A move into 在建/落地 or 已投产 needs the start or operation date
    (``tracker.requirements``), from the row's 开工日期/投产日期 or from the
    project, for everyone, as the admin form and the bulk actions ask it; a
    reviewer would refuse a 区域录入员's claim without it anyway.
    """
    if project is None:
        old_stage = old_status = None
        new_stage = row.values.get("stage", Stage.LEAD)
        new_status = row.values.get("status", Status.ON_TRACK)
        signed_on = row.values.get("signed_on")
        started_on = row.values.get("started_on")
        operating_on = row.values.get("operating_on")
    else:
        old_stage, old_status = project.stage, project.status
        new_stage = row.values.get("stage", old_stage)
        new_status = row.values.get("status", old_status)
        signed_on = row.values.get("signed_on", project.signed_on)
        started_on = row.values.get("started_on", project.started_on)
        operating_on = row.values.get("operating_on", project.operating_on)
        if (new_stage, new_status) == (old_stage, old_status):
            return
    problems = stage_change_problems(
        old_stage=old_stage,
        old_status=old_status,
        new_stage=new_stage,
        new_status=new_status,
        signed_on=signed_on,
        has_partner=has_partner,
        note=row.note,
        started_on=started_on,
        operating_on=operating_on,
    )
    columns = {
        SIGNED_ON: "signed_on",
        PARTNERS: "partners",
        NOTE: "change_note" if ctx.layout.has("change_note") else "status",
        STARTED_ON: "started_on",
        OPERATING_ON: "operating_on",
    }
    for problem in problems:
        column, message = columns.get(problem.key, "stage"), problem.message
        if problem.key in (STARTED_ON, OPERATING_ON) and not ctx.layout.has(column):
            column = "stage"
            message += (
                _("这份台账没有这一列：请先在项目页填写该日期。")
                if project is not None
                else _("这份台账没有这一列：请按较早阶段导入，再在项目页填写该日期后改阶段。")
            )
        row.error(ctx.layout.label(column), message)


def hold_for_review(row, *, label, column_of: dict[str, str]) -> bool:
    """Whether a reviewed user's new or updated ``row`` holds a counted claim; marks what waits.

    The same rule as the admin form (``tracker.review_rules.held_fields``): a
    move up into a counted stage, a change of the amounts, a new public
    project. Sets ``row.held`` (fields), ``row.held_columns`` (their column
    labels, by ``label(key)``; ``column_of`` maps a field to its column key)
    and marks the held ``row.changes``.
    """
    if row.project is None:
        stored = None
        proposed = {name: row.values.get(name, _DEFAULTS[name]) for name in REVIEWABLE}
    else:
        stored = {name: getattr(row.project, name) for name in REVIEWABLE}
        proposed = {name: row.values.get(name, stored[name]) for name in REVIEWABLE}
    row.held = held_fields(stored=stored, proposed=proposed)
    if not row.held:
        return False
    keys = dict.fromkeys(column_of[name] for name in row.held if name in column_of)
    row.held_columns = [label(key) for key in keys]
    for change in row.changes:
        change.held = change.column in row.held_columns
    return True


_DEFAULTS = {name: Project._meta.get_field(name).get_default() for name in REVIEWABLE}
