"""Rules by stage: what a proposed stage or status change needs before it is allowed.

One pure function, ``stage_change_problems``, decides; the service layer
(``tracker.services.project_stage_change`` and friends), the admin form and
inline, the bulk actions and the ledger import's per-row validation all call
it, so every way in obeys the same rules with the same Chinese messages.

The rules apply to *transitions*: a record already at 已签约 or beyond
without a signing date (the articles often state none) may still be edited;
only moving a project into 已签约 or beyond — or creating it there — asks
for the date and a partner.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import Stage, Status

# Keys of the problems, so callers can attach them to their own fields or columns.
SIGNED_ON, PARTNERS, NOTE, EFFECTIVE_ON = "signed_on", "partners", "note", "effective_on"

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
) -> list[Problem]:
    """What stops moving a project from (old_stage, old_status) to (new_stage, new_status).

    ``old_stage`` is ``None`` when the project is being created. ``has_partner``
    ``None`` skips the partner check (the caller checks partners elsewhere,
    e.g. the admin's partner inline). Returns an empty list when allowed.
    """
    problems: list[Problem] = []
    creating = old_stage is None
    note = (note or "").strip()
    signed_rank = Stage.rank(Stage.SIGNED)
    new_rank = Stage.rank(new_stage)
    entering_signed = new_rank >= signed_rank and (creating or Stage.rank(old_stage) < signed_rank)
    if entering_signed:
        label = Stage(new_stage).label
        if not signed_on:
            problems.append(
                Problem(
                    SIGNED_ON,
                    _("项目进入“%(stage)s”阶段须填写签约日期。") % {"stage": label},
                )
            )
        if has_partner is False:
            problems.append(
                Problem(
                    PARTNERS,
                    _("项目进入“%(stage)s”阶段须至少有一个合作方。") % {"stage": label},
                )
            )
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
