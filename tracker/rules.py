"""Rules by stage: what a proposed stage or status change needs before it is allowed.

One pure function, ``stage_change_problems``, decides; the service layer
(``tracker.services.project_stage_change`` and friends), the admin form and
inline, the bulk actions and the ledger import's per-row validation all call
it, so every way in obeys the same rules with the same Chinese messages.

The rules apply to *transitions*: a record already at 已签约 or beyond
without a signing date (the articles often state none) may still be edited;
only moving a project into 已签约 or beyond — or creating it there — asks
for the date and a partner.

Which fields each stage needs is the table ``tracker.requirements.STAGE_REQUIREMENTS``;
this module only turns a missing field into a message. The start and
operation dates are checked only for callers that pass them (``started_on``,
``operating_on``): older callers that do not are not asked for them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import Stage, Status
from .requirements import OPERATING_ON, PARTNERS, SIGNED_ON, STARTED_ON, crossed

# Keys of the problems, so callers can attach them to their own fields or columns.
NOTE, EFFECTIVE_ON = "note", "effective_on"
__all__ = [
    "EFFECTIVE_ON",
    "NOTE",
    "OPERATING_ON",
    "PARTNERS",
    "SIGNED_ON",
    "STARTED_ON",
    "Problem",
    "stage_change_problems",
]

# A date the caller did not pass: not checked (``None`` is a date left empty).
UNCHECKED = object()

CLOSING_STATUSES = frozenset({Status.CANCELLED, Status.LOST})


@dataclass(frozen=True)
class Problem:
    key: str
    message: str


def stage_change_problems(
    *,
    old_stage: str | None,
    old_status: str | None,
    new_stage: str,
    new_status: str,
    signed_on=None,
    has_partner: bool | None = None,
    note: str = "",
    effective_on=None,
    today=None,
    started_on=UNCHECKED,
    operating_on=UNCHECKED,
) -> list[Problem]:
    """What stops moving a project from (old_stage, old_status) to (new_stage, new_status).

    ``old_stage`` is ``None`` when the project is being created. ``has_partner``
    ``None`` skips the partner check (the caller checks partners elsewhere,
    e.g. the admin's partner inline). ``started_on`` / ``operating_on`` left
    out are not checked. Returns an empty list when allowed.
    """
    problems: list[Problem] = []
    creating = old_stage is None
    note = (note or "").strip()
    new_rank = Stage.rank(new_stage)
    label = Stage(new_stage).label
    dates = {SIGNED_ON: signed_on, STARTED_ON: started_on, OPERATING_ON: operating_on}
    for requirement in crossed(old_stage, new_stage):
        for key in requirement.fields:
            if key == PARTNERS:
                missing = has_partner is False
            else:
                missing = dates[key] is not UNCHECKED and not dates[key]
            if missing:
                problems.append(Problem(key, _field_message(key, label)))
    if new_status in CLOSING_STATUSES and new_status != old_status and not note:
        problems.append(
            Problem(
                NOTE,
                _("项目状态改为“%(status)s”须说明原因。") % {"status": Status(new_status).label},
            )
        )
    if not creating and new_rank < Stage.rank(old_stage) and not note:
        problems.append(
            Problem(
                NOTE,
                _("阶段从“%(old)s”退回“%(new)s”须说明原因。")
                % {"old": Stage(old_stage).label, "new": Stage(new_stage).label},
            )
        )
    if effective_on is not None and today is not None and effective_on > today:
        problems.append(Problem(EFFECTIVE_ON, _("生效日期不能晚于今天。")))
    return problems


def _field_message(key: str, stage_label) -> str:
    messages = {
        SIGNED_ON: _("项目进入“%(stage)s”阶段须填写签约日期。"),
        PARTNERS: _("项目进入“%(stage)s”阶段须至少有一个合作方。"),
        STARTED_ON: _("项目进入“%(stage)s”阶段须填写开工日期。"),
        OPERATING_ON: _("项目进入“%(stage)s”阶段须填写投产日期。"),
    }
    return messages[key] % {"stage": stage_label}
