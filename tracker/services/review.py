"""审核: a 区域录入员's counted claims are submitted; a 招商管理员 approves or returns them.

What is submitted rather than applied is decided by ``tracker.review_rules.held_fields``
(shared with the ledger import's planning): a move up into a counted stage
(已签约 or beyond) with the dates that stage needs, any change of the
amounts, and for a new project its publication. The project keeps its
approved values, so public pages, figures, reports and rankings count only
approved data without a change to their queries. Everything else the editor
changes is saved at once. Managers and superusers hold
``tracker.review_changerequest``: their own edits apply at once.

Approval applies the held values through ``project_save`` (rules by stage,
history, a ``StageChange``) once the evidence the table
(``tracker.requirements``) asks for is attached; a return needs a reason.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from ..choices import Stage
from ..formatting import plain_decimal
from ..ledger.importer import SUBMIT
from ..ledger.lookups import any_of
from ..models import (
    REVIEW_PERMISSION,
    ChangeRequest,
    Organization,
    Project,
    ProjectPartner,
    StageChange,
)
from ..requirements import crossed, missing_evidence
from ..review_rules import REVIEWABLE, held_fields, needs_review
from ..text import normalize_name

# The import's partner-link writes, shared so a submitted row's links are written the same way.
from .ledger_writes import bulk_delete_with_history, history_attrs, partner_changes
from .projects import check_scope, project_save

# A new project whose counted stage waits for review is recorded at the last uncounted one.
HOLDING_STAGE = Stage.AGREED


def _json(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return value


def _value(name, value):
    return Project._meta.get_field(name).to_python(value)


def _placeholder(name: str, proposed):
    """What a new project holds, before approval, instead of a held value."""
    if name == "stage":
        return HOLDING_STAGE
    if name == "is_public":
        return False
    if name.endswith("_precision"):
        return Project._meta.get_field(name).get_default()
    return None


def change_values(change_request: ChangeRequest) -> dict:
    return {name: _value(name, value) for name, value in change_request.changes.items()}


@transaction.atomic
def project_save_or_submit(
    *, project: Project, user, effective_on=None, note="", has_partner=None, rules_checked=False
):
    """Save ``project`` as edited; a reviewed user's counted claims become a ``ChangeRequest``.

    Returns ``(stage_change, change_request)``, either ``None``. The rules by
    stage are checked against what the user proposed (by the caller when
    ``rules_checked``), so a claim that could never be approved is refused now.
    """
    if not needs_review(user):
        change = project_save(
            project=project,
            user=user,
            effective_on=effective_on,
            note=note,
            has_partner=has_partner,
            rules_checked=rules_checked,
        )
        return change, None
    creating = project._state.adding or project.pk is None
    stored = None if creating else Project.objects.filter(pk=project.pk).values(*REVIEWABLE).first()
    proposed = {name: getattr(project, name) for name in REVIEWABLE}
    held = held_fields(stored=stored, proposed=proposed)
    if not held:
        change = project_save(
            project=project,
            user=user,
            effective_on=effective_on,
            note=note,
            has_partner=has_partner,
            rules_checked=rules_checked,
        )
        return change, None
    if not rules_checked:
        # The proposed values must pass the rules by stage before anything is written.
        from ..rules import stage_change_problems
        from .projects import raise_problems

        raise_problems(
            stage_change_problems(
                old_stage=stored["stage"] if stored else None,
                old_status=None if creating else project.status,
                new_stage=project.stage,
                new_status=project.status,
                signed_on=project.signed_on,
                started_on=project.started_on,
                operating_on=project.operating_on,
                has_partner=has_partner
                if has_partner is not None
                else (not creating and project.project_partners.exists()),
                note=note,
                effective_on=effective_on,
                today=timezone.localdate(),
            )
        )
    for name in held:
        setattr(project, name, stored[name] if stored else _placeholder(name, proposed))
    change = project_save(
        project=project,
        user=user,
        effective_on=effective_on,
        note=note,
        has_partner=has_partner,
        rules_checked=True,
    )
    changes = {name: _json(proposed[name]) for name in held}
    # What the project holds meanwhile (for a new one, the placeholders).
    before = {name: _json(getattr(project, name)) for name in held}
    pending = (
        ChangeRequest.objects.select_for_update()
        .filter(project=project, status=ChangeRequest.Status.PENDING)
        .first()
    )
    if pending is not None:
        # One claim waits per project: a second submission adds to it.
        pending.changes = {**pending.changes, **changes}
        pending.before = {**before, **pending.before}
        pending.note = note or pending.note
        pending.effective_on = effective_on or pending.effective_on
        pending.submitted_by = user
        pending.submitted_at = timezone.now()
        pending._history_user = user
        pending.save()
        return change, pending
    request = ChangeRequest(
        project=project,
        changes=changes,
        before=before,
        is_new_project=creating,
        note=note,
        effective_on=effective_on,
        submitted_by=user,
    )
    request._history_user = user
    request.save()
    return change, request


def change_request_link_evidence(*, change_request: ChangeRequest) -> None:
    """The evidence the project carries now goes with the request (what the reviewer sees)."""
    change_request.evidence.set(change_request.project.evidence.all())


def evidence_missing(change_request: ChangeRequest) -> list:
    """The stage requirements whose evidence the project still lacks for this request."""
    if "stage" not in change_request.changes:
        return []
    old_stage = change_request.project.stage
    new_stage = change_request.changes["stage"]
    kinds = change_request.project.evidence.values_list("kind", flat=True)
    return missing_evidence(crossed(old_stage, new_stage), kinds)


def _decidable(change_request: ChangeRequest, user) -> ChangeRequest:
    if user is None or not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    locked = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if locked.status != ChangeRequest.Status.PENDING:
        raise ValidationError(_("这条申请已经审核过了。"))
    return locked


@transaction.atomic
def change_request_approve(*, change_request: ChangeRequest, user, comment: str = ""):
    """Apply a pending claim to its project (rules by stage, evidence, history); returns it."""
    request = _decidable(change_request, user)
    project = Project.objects.select_for_update().get(pk=request.project_id)
    request.project = project
    missing = evidence_missing(request)
    if missing:
        raise ValidationError(
            {
                "evidence": [
                    _("进入“%(stage)s”须有凭证：%(kinds)s。")
                    % {"stage": r.label, "kinds": r.evidence_label()}
                    for r in missing
                ]
            }
        )
    check_scope(user, project)
    for name, value in change_values(request).items():
        setattr(project, name, value)
    project._change_reason = (_("审核通过：%(note)s") % {"note": request.note or "-"})[:100]
    stage_change = project_save(
        project=project,
        user=user,
        effective_on=request.effective_on or timezone.localdate(),
        note=request.note,
        has_partner=None,
        rules_checked=False,
    )
    change_request_link_evidence(change_request=request)
    request.status = ChangeRequest.Status.APPROVED
    request.decided_by, request.decided_at = user, timezone.now()
    request.reason = comment
    request.stage_change = stage_change
    request._history_user = user
    request.save()
    return request


@transaction.atomic
def change_request_return(*, change_request: ChangeRequest, user, reason: str):
    """Send a pending claim back to its editor with ``reason``; nothing on the project changes."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("退回须说明原因。")]})
    request = _decidable(change_request, user)
    change_request_link_evidence(change_request=request)
    request.status = ChangeRequest.Status.RETURNED
    request.decided_by, request.decided_at = user, timezone.now()
    request.reason = reason
    request._history_user = user
    request.save()
    return request


@transaction.atomic
def import_rows_submit(*, plan, user, batch) -> int:
    """File a ledger import's SUBMIT rows as if the editor had saved each in the admin.

    Called right after ``apply_plan`` (which leaves SUBMIT rows alone), in
    the same transaction. Each row goes through ``project_save_or_submit``:
    what needs no review is written, the counted claim (a new project, a move
    into a counted stage, an amount) becomes or joins the project's pending
    ``ChangeRequest`` with the evidence the project carries. The rules by
    stage were checked at planning. The rows' partner links are written as
    ``apply_plan`` writes them, and their history points at ``batch``.
    Returns how many rows were submitted.
    """
    rows = [row for row in plan.rows if row.action == SUBMIT]
    if not rows:
        return 0
    if not needs_review(user):
        raise ValueError("SUBMIT rows are planned for reviewed users only")
    started = timezone.now()
    reason = batch.change_reason if batch else _("台账导入")
    stage_changes, requests = [], []
    for row in rows:
        creating = row.project is None
        project = Project(code=row.code) if creating else row.project
        for name, value in row.values.items():
            setattr(project, name, value)
        change, request = project_save_or_submit(
            project=project, user=user, note=row.note or reason, rules_checked=True
        )
        row.project = project
        stage_changes += [change.pk] if change else []
        if request is not None:
            requests.append((request, creating))
    for request in dict.fromkeys(request for request, creating in requests if not creating):
        change_request_link_evidence(change_request=request)
    _write_partner_links(plan, rows, user=user, batch=batch)
    if batch is not None:
        ids = [row.project.pk for row in rows]
        Project.history.filter(id__in=ids, history_date__gte=started).update(import_batch=batch)
        StageChange.objects.filter(pk__in=stage_changes).update(import_batch=batch)
        # The requests this import opened (not older ones its rows joined) are its own.
        filed = [request.pk for request, _c in requests if request.submitted_at >= started]
        ChangeRequest.objects.filter(pk__in=filed).update(import_batch=batch)
    return len(rows)


def _write_partner_links(plan, rows, *, user, batch) -> None:
    """The partner links ``rows`` add and drop, written as ``apply_plan`` writes them."""
    org_ids = dict(plan._org_ids)
    keys = {normalize_name(name) for row in rows if row.partners for name, _r in row.partners}
    if keys - set(org_ids):
        found = Organization.objects.filter(name_key__in=any_of(sorted(keys - set(org_ids))))
        org_ids.update(found.values_list("name_key", "pk"))
    to_create, to_delete = partner_changes(plan, rows, org_ids)
    history = history_attrs(user, batch, timezone.now())
    if to_create:
        bulk_create_with_history(to_create, ProjectPartner, **history)
    if to_delete:
        bulk_delete_with_history(to_delete, ProjectPartner, **history)
