"""Project writes: a whole-form save, a stage/status change, bulk edits.

Each stage or status change obeys the rules by stage (``tracker.rules``) and
is recorded as a ``StageChange``; the helpers for that record and for the
user's region scope are shared with ``progress`` and ``fixtures``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from ..choices import Stage, Status
from ..models import REVIEW_PERMISSION, Project, ProjectPartner, StageChange
from ..permissions import can_edit_region
from ..requirements import is_counted
from ..rules import Problem, stage_change_problems
from ..signals import public_data_changed


def review_problem(user, old_stage, new_stage) -> Problem | None:
    """A reviewed user (区域录入员) may not move a project up into a counted stage directly.

    Such a move is a claim: it is submitted from the project page with its
    evidence (``tracker.services.review``). Commands and imports (``user``
    ``None``) and reviewers are not asked.
    """
    if user is None or user.has_perm(REVIEW_PERMISSION):
        return None
    if not is_counted(new_stage) or (old_stage and Stage.rank(new_stage) <= Stage.rank(old_stage)):
        return None
    return Problem(
        "stage",
        _("进入“%(stage)s”须在项目页提交审核并附凭证，通过后才计入统计。")
        % {"stage": Stage(new_stage).label},
    )


# --- Bulk edits ----------------------------------------------------------------------

_BULK_FIELDS = {
    "stage": set(Stage.values),
    "status": set(Status.values),
    "is_public": {True, False},
}


def projects_bulk_set(
    *, projects, user, reason: str = "", note: str = "", refused: list | None = None, **changes
) -> int:
    """Give many projects the same stage, status or visibility; returns how many changed.

    Only projects whose value differs are written, with one historical row
    each (bulk, not one save per project). A stage or status change obeys
    the rules by stage (``tracker.rules``) project by project: refused
    projects are left alone and appended to ``refused`` as (project, problems);
    the others each get a ``StageChange`` (bulk-created), dated today.
    """
    for name, value in changes.items():
        if name not in _BULK_FIELDS or value not in _BULK_FIELDS[name]:
            raise ValueError(f"{name}={value!r} cannot be bulk-set")
    now = timezone.now()
    today = timezone.localdate()
    projects = list(projects)
    workflow = "stage" in changes or "status" in changes
    with_partner = (
        set(
            ProjectPartner.objects.filter(project__in=[p.pk for p in projects]).values_list(
                "project_id", flat=True
            )
        )
        if workflow
        else set()
    )
    changed, stage_changes = [], []
    for project in projects:
        if not any(getattr(project, name) != value for name, value in changes.items()):
            continue
        before = stage_status(project)
        if workflow:
            problems = stage_change_problems(
                old_stage=project.stage,
                old_status=project.status,
                new_stage=changes.get("stage", project.stage),
                new_status=changes.get("status", project.status),
                signed_on=project.signed_on,
                started_on=project.started_on,
                operating_on=project.operating_on,
                has_partner=project.pk in with_partner,
                note=note,
            )
            review = review_problem(user, project.stage, changes.get("stage", project.stage))
            problems += [review] if review else []
            if problems:
                if refused is not None:
                    refused.append((project, problems))
                continue
        for name, value in changes.items():
            setattr(project, name, value)
        project.updated_at = now
        changed.append(project)
        if workflow and before != stage_status(project):
            stage_changes.append(
                stage_change_build(project, before, note=note, effective_on=today, user=user)
            )
    if changed:
        bulk_update_with_history(
            changed,
            Project,
            fields=[*changes, "updated_at"],
            default_user=user,
            default_change_reason=(note or reason)[:100] or None,
            default_date=now,
        )
        StageChange.objects.bulk_create(stage_changes)
        public_data_changed()  # bulk_update sends no model signals
    return len(changed)


# --- Follow-up workflow: stage changes and progress reports ----------------------------


def stage_status(project) -> tuple[str, str]:
    return (project.stage, project.status)


def stage_change_build(
    project, before, *, note, effective_on, user, import_batch=None
) -> StageChange:
    """An unsaved ``StageChange`` from ``before`` (stage, status; ``None`` = created) to now."""
    old_stage, old_status = before if before else ("", "")
    return StageChange(
        project=project,
        from_stage=old_stage or "",
        to_stage=project.stage,
        from_status=old_status or "",
        to_status=project.status,
        effective_on=effective_on or timezone.localdate(),
        note=note or "",
        recorded_by=user,
        import_batch=import_batch,
    )


def stage_change_record(project, before, *, note, effective_on, user) -> StageChange:
    change = stage_change_build(project, before, note=note, effective_on=effective_on, user=user)
    change.save()
    return change


def raise_problems(problems: list[Problem]) -> None:
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.key, []).append(problem.message)
        raise ValidationError(errors)


def check_scope(user, project) -> None:
    """区域录入员 write only inside their regions; a project's responsible people may report on it."""
    if user is None:
        return
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        raise PermissionDenied
    responsible = user.pk in (project.leader_user_id, project.unit_contact_id)
    if not responsible and not can_edit_region(user, project.region_id):
        raise PermissionDenied


@transaction.atomic
def project_stage_change(
    *,
    project: Project,
    stage: str | None = None,
    status: str | None = None,
    effective_on,
    note: str = "",
    user,
    started_on=None,
    operating_on=None,
) -> StageChange | None:
    """Move ``project`` to ``stage`` and/or ``status`` as of ``effective_on``; record it.

    ``started_on`` / ``operating_on``, when given, are set with the move (the
    rules by stage ask for them on entering 在建/落地 and 已投产).

    Obeys the rules by stage (raises ``ValidationError`` keyed by
    signed_on/partners/note/effective_on) and the user's region scope
    (``PermissionDenied``). Returns the ``StageChange``, or ``None`` when
    nothing differs.
    """
    check_scope(user, project)
    before = stage_status(project)
    stage, status = stage or project.stage, status or project.status
    if (stage, status) == before:
        return None
    review = review_problem(user, project.stage, stage)
    raise_problems([review] if review else [])
    dates = {"started_on": started_on, "operating_on": operating_on}
    dates = {name: value for name, value in dates.items() if value is not None}
    for name, value in dates.items():
        setattr(project, name, value)
    raise_problems(
        stage_change_problems(
            old_stage=project.stage,
            old_status=project.status,
            new_stage=stage,
            new_status=status,
            signed_on=project.signed_on,
            started_on=project.started_on,
            operating_on=project.operating_on,
            has_partner=project.project_partners.exists(),
            note=note,
            effective_on=effective_on,
            today=timezone.localdate(),
        )
    )
    project.stage, project.status = stage, status
    project._history_user = user
    project._change_reason = (note or _("阶段/状态变更"))[:100]
    project.save(update_fields=["stage", "status", *dates, "updated_at"])
    return stage_change_record(project, before, note=note, effective_on=effective_on, user=user)


@transaction.atomic
def project_save(
    *,
    project: Project,
    user,
    effective_on=None,
    note: str = "",
    has_partner: bool | None = None,
    rules_checked: bool = False,
) -> StageChange | None:
    """Save a project edited as a whole (the admin form); record a stage/status change.

    The previous stage and status are read from the database. A new project
    gets a first ``StageChange`` (from nothing to its stage). ``has_partner``
    is what the partner inline will leave (``None``: as stored).
    ``rules_checked``: the caller has already checked this change against the
    rules by stage with the same function (the admin's form and partner
    inline do, to show each problem on its field), so they are not run again.
    """
    creating = project._state.adding or project.pk is None
    before = (
        None
        if creating
        else Project.objects.filter(pk=project.pk).values_list("stage", "status").first()
    )
    if has_partner is None and not rules_checked:
        has_partner = (not creating) and project.project_partners.exists()
    if not rules_checked:
        raise_problems(
            stage_change_problems(
                old_stage=before[0] if before else None,
                old_status=before[1] if before else None,
                new_stage=project.stage,
                new_status=project.status,
                signed_on=project.signed_on,
                started_on=project.started_on,
                operating_on=project.operating_on,
                has_partner=has_partner,
                note=note,
                effective_on=effective_on,
                today=timezone.localdate(),
            )
        )
    project._history_user = user
    if note:
        project._change_reason = note[:100]
    project.save()
    if before is None or before != stage_status(project):
        return stage_change_record(project, before, note=note, effective_on=effective_on, user=user)
    return None
