"""Writes that touch several models. Keyword-only functions; views and commands call these."""

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from ..choices import Stage, Status
from ..ledger.importer import ImportPlan, apply_plan, plan_import
from ..ledger.locks import import_turn
from ..ledger.reader import Table, read_upload
from ..ledger.safety import LedgerError, ReadBudget
from ..models import ImportBatch, ProgressReport, Project, ProjectPartner, StageChange
from ..permissions import can_edit_region
from ..rules import Problem, stage_change_problems

# --- Project codes ---------------------------------------------------------------

_CODE = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<year>\d{4})-(?P<seq>\d{4,})$")


def project_code_next(*, year: int, taken: set[str] | None = None) -> str:
    """The next free code for ``year``: one above the highest sequence in use.

    ``taken`` holds codes reserved in the same unit of work but not yet saved
    (a bulk import hands out many codes before it writes any).
    """
    prefix = f"{settings.PROJECT_CODE_PREFIX}-{year}-"
    codes = set(Project.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    codes |= {c for c in (taken or ()) if c.startswith(prefix)}
    highest = max((int(m["seq"]) for c in codes if (m := _CODE.match(c))), default=0)
    return f"{prefix}{highest + 1:04d}"


# --- Article fixtures ---------------------------------------------------------------
# The loader lives in fixtures.py; importable from here as before.
from .fixtures import LoadReport, articles_load, fixture_paths  # noqa: E402, F401

# --- Ledger import ------------------------------------------------------------------
# The ledger package parses and plans; these functions decide what is written
# and record each import as one ImportBatch.

PREVIEW_LIFETIME = timedelta(hours=24)


@dataclass
class LedgerImport:
    """The outcome of an import call: the row-by-row plan and the batch it wrote (if any)."""

    plan: ImportPlan
    batch: ImportBatch | None = None
    applied: bool = False


def _batch_counts(batch: ImportBatch, plan: ImportPlan) -> None:
    counts = plan.counts
    batch.row_count = len(plan.rows)
    batch.created_count = counts["new"]
    batch.updated_count = counts["update"]
    batch.unchanged_count = counts["unchanged"]
    batch.error_count = counts["error"]
    batch.organizations_created = len(plan.new_organizations) if plan.ok else 0


def project_import(
    *,
    rows: Table,
    file_name: str,
    user=None,
    dry_run: bool = False,
    origin: str = ImportBatch.Origin.COMMAND,
    file_size: int = 0,
    file_sha256: str = "",
) -> LedgerImport:
    """Plan and apply ledger ``rows`` in one go (commands, ``LedgerResource.import_data``).

    ``rows`` comes from ``tracker.ledger.reader.read_upload`` (which refuses
    unsafe files first) or any header-plus-numbered-rows table. Nothing is
    written when ``dry_run`` is set or when any row has an error; a refused
    run is still recorded, as a rejected batch. The file is read before the
    write lock is taken; planning and writing happen in one turn
    (``ledger.locks``), so a concurrent import cannot slip in between.
    """
    if dry_run:
        return LedgerImport(plan=plan_import(rows, user=user))
    rows = _read_all(rows)
    with transaction.atomic():
        import_turn(wait=True)
        plan = plan_import(rows, user=user)
        batch = ImportBatch(
            file_name=file_name[:255],
            file_size=file_size,
            file_sha256=file_sha256,
            user=user,
            source=origin,
            preview_digest=plan.digest,
        )
        _batch_counts(batch, plan)
        if not plan.ok:
            batch.status = ImportBatch.Status.REJECTED
            batch.save()
            return LedgerImport(plan=plan, batch=batch)
        batch.status = ImportBatch.Status.APPLIED
        batch.applied_at = timezone.now()
        batch.save()
        apply_plan(plan, user=user, batch=batch)
    return LedgerImport(plan=plan, batch=batch, applied=True)


def _read_all(table: Table) -> Table:
    """The table with every row read: reading a large xlsx is the slow part, done before any lock."""
    return dataclasses.replace(table, rows=list(table.rows))


# Each open preview holds up to ``safety.MAX_BYTES``; a user's newest few are kept.
MAX_OPEN_PREVIEWS = 3


def import_previews_purge(*, user=None) -> int:
    """Discard previews older than a day and, given ``user``, theirs beyond the newest few.

    A discarded preview gives its bytes back. Returns how many were discarded.
    """
    stale = Q(created_at__lt=timezone.now() - PREVIEW_LIFETIME)
    if user is not None:
        newest = ImportBatch.objects.filter(user=user, status=ImportBatch.Status.PREVIEWED)
        keep = list(newest.order_by("-created_at", "-pk").values_list("pk", flat=True))
        stale |= Q(user=user) & ~Q(pk__in=keep[:MAX_OPEN_PREVIEWS])
    return (
        ImportBatch.objects.filter(status=ImportBatch.Status.PREVIEWED)
        .filter(stale)
        .update(status=ImportBatch.Status.DISCARDED, content=None)
    )


def project_import_preview(*, data: bytes, file_name: str, user) -> LedgerImport:
    """Plan an upload and keep it, keyed by the batch token, until it is confirmed.

    The bytes (at most ``safety.MAX_BYTES``, checked by ``read_upload``) are
    stored in the database (not on one server's disk) together with the
    plan's digest; a user keeps at most ``MAX_OPEN_PREVIEWS`` open. Reading
    stops at ``settings.LEDGER_READ_SECONDS``, so a slow file is refused with
    a message before the web worker's timeout. A plan with errors is
    recorded as rejected and its bytes are not kept.
    """
    import_previews_purge()
    budget = ReadBudget(seconds=settings.LEDGER_READ_SECONDS)
    plan = plan_import(read_upload(file_name, data, budget), user=user)
    batch = ImportBatch(
        file_name=file_name[:255],
        file_size=len(data),
        file_sha256=hashlib.sha256(data).hexdigest(),
        user=user,
        source=ImportBatch.Origin.ADMIN,
        preview_digest=plan.digest,
        status=ImportBatch.Status.PREVIEWED if plan.ok else ImportBatch.Status.REJECTED,
        content=data if plan.ok else None,
    )
    _batch_counts(batch, plan)
    batch.save()
    if plan.ok:
        import_previews_purge(user=user)
    return LedgerImport(plan=plan, batch=batch)


def project_import_confirm(*, token, user) -> LedgerImport:
    """Apply a previewed upload exactly as previewed, or refuse with a ``LedgerError``.

    The stored bytes are read first, outside any lock. Then, in one
    transaction and in the import's turn (``ledger.locks``), the rows are
    planned again and written only if the plan's digest equals the
    preview's: anything changed since (another edit, another import of the
    same rows, a code taken meanwhile) refuses the whole file. A preview is
    applied at most once however many confirms race: the others are told it
    is being imported or already was. A preview older than a day is discarded.
    """
    if ImportBatch.objects.filter(
        token=token,
        user=user,
        status=ImportBatch.Status.PREVIEWED,
        created_at__lt=timezone.now() - PREVIEW_LIFETIME,
    ).update(status=ImportBatch.Status.DISCARDED, content=None):
        raise LedgerError(_("预览已超过 24 小时，请重新上传。"))
    import_previews_purge()  # everyone else's expired previews (this one was checked above)
    pending = _pending_batch(ImportBatch.objects.filter(token=token, user=user))
    rows = _read_all(read_upload(pending.file_name, bytes(pending.content)))
    try:
        with transaction.atomic():
            try:
                batch = _pending_batch(
                    ImportBatch.objects.select_for_update(nowait=True).filter(pk=pending.pk)
                )
            except OperationalError:  # PostgreSQL: another confirm holds this batch
                raise LedgerError(_("这批台账正在导入，请稍后刷新导入记录查看结果。")) from None
            if not import_turn(wait=False):
                raise LedgerError(_("另一批台账正在导入，请稍后再确认；这次的预览仍然保留。"))
            plan = plan_import(rows, user=user)
            if not plan.ok or plan.digest != batch.preview_digest:
                raise LedgerError(
                    _(
                        "预览之后数据已有变化（例如项目被他人修改），为避免误写未导入；"
                        "请重新上传预览。"
                    )
                )
            apply_plan(plan, user=user, batch=batch)
            _batch_counts(batch, plan)
            batch.status = ImportBatch.Status.APPLIED
            batch.applied_at = timezone.now()
            batch.content = None
            batch.save()
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        # SQLite: the write lock stayed busy past the busy timeout. Nothing was written.
        raise LedgerError(
            _("数据库正忙（可能有另一批台账正在导入），请稍后再确认；这次的预览仍然保留。")
        ) from None
    return LedgerImport(plan=plan, batch=batch, applied=True)


def _pending_batch(batches) -> ImportBatch:
    """The one batch of ``batches`` if it still waits for confirmation; else say why not."""
    batch = batches.first()
    if batch is None or batch.status in (
        ImportBatch.Status.DISCARDED,
        ImportBatch.Status.REJECTED,
    ):
        raise LedgerError(_("找不到待确认的导入，可能已经导入或已过期；请重新上传。"))
    if batch.status == ImportBatch.Status.APPLIED:
        raise LedgerError(
            _("这批台账已于 %(when)s 导入（批次 #%(batch)s），没有重复写入。")
            % {
                "when": timezone.localtime(batch.applied_at).strftime("%Y-%m-%d %H:%M:%S"),
                "batch": batch.pk,
            }
        )
    return batch


def project_import_discard(*, token, user) -> bool:
    """Drop a preview the user decided not to import."""
    import_previews_purge()
    return bool(
        ImportBatch.objects.filter(
            token=token, user=user, status=ImportBatch.Status.PREVIEWED
        ).update(status=ImportBatch.Status.DISCARDED, content=None)
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
        before = _stage_status(project)
        if workflow:
            problems = stage_change_problems(
                old_stage=project.stage,
                old_status=project.status,
                new_stage=changes.get("stage", project.stage),
                new_status=changes.get("status", project.status),
                signed_on=project.signed_on,
                has_partner=project.pk in with_partner,
                note=note,
            )
            if problems:
                if refused is not None:
                    refused.append((project, problems))
                continue
        for name, value in changes.items():
            setattr(project, name, value)
        project.updated_at = now
        changed.append(project)
        if workflow and before != _stage_status(project):
            stage_changes.append(
                _stage_change(project, before, note=note, effective_on=today, user=user)
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
    return len(changed)


# --- Follow-up workflow: stage changes and progress reports ----------------------------


def _stage_status(project) -> tuple[str, str]:
    return (project.stage, project.status)


def _stage_change(project, before, *, note, effective_on, user, import_batch=None) -> StageChange:
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


def _record_change(project, before, *, note, effective_on, user) -> StageChange:
    change = _stage_change(project, before, note=note, effective_on=effective_on, user=user)
    change.save()
    return change


def _raise(problems: list[Problem]) -> None:
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.key, []).append(problem.message)
        raise ValidationError(errors)


def _check_scope(user, project) -> None:
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
) -> StageChange | None:
    """Move ``project`` to ``stage`` and/or ``status`` as of ``effective_on``; record it.

    Obeys the rules by stage (raises ``ValidationError`` keyed by
    signed_on/partners/note/effective_on) and the user's region scope
    (``PermissionDenied``). Returns the ``StageChange``, or ``None`` when
    nothing differs.
    """
    _check_scope(user, project)
    before = _stage_status(project)
    stage, status = stage or project.stage, status or project.status
    if (stage, status) == before:
        return None
    _raise(
        stage_change_problems(
            old_stage=project.stage,
            old_status=project.status,
            new_stage=stage,
            new_status=status,
            signed_on=project.signed_on,
            has_partner=project.project_partners.exists(),
            note=note,
            effective_on=effective_on,
            today=timezone.localdate(),
        )
    )
    project.stage, project.status = stage, status
    project._history_user = user
    project._change_reason = (note or _("阶段/状态变更"))[:100]
    project.save(update_fields=["stage", "status", "updated_at"])
    return _record_change(project, before, note=note, effective_on=effective_on, user=user)


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
        _raise(
            stage_change_problems(
                old_stage=before[0] if before else None,
                old_status=before[1] if before else None,
                new_stage=project.stage,
                new_status=project.status,
                signed_on=project.signed_on,
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
    if before is None or before != _stage_status(project):
        return _record_change(project, before, note=note, effective_on=effective_on, user=user)
    return None


@transaction.atomic
def progress_report_create(
    *,
    project: Project,
    user,
    reported_on,
    progress: str,
    problems: str = "",
    next_steps: str = "",
) -> ProgressReport:
    """Add a progress report (进展) to ``project``; internal only, never published."""
    _check_scope(user, project)
    if reported_on > timezone.localdate():
        raise ValidationError({"reported_on": _("报告日期不能晚于今天。")})
    if not (progress or "").strip():
        raise ValidationError({"progress": _("请填写本期进展。")})
    report = ProgressReport(
        project=project,
        reported_on=reported_on,
        progress=progress.strip(),
        problems=(problems or "").strip(),
        next_steps=(next_steps or "").strip(),
        author=user,
    )
    report._history_user = user
    report.save()
    return report
