"""The ledger import: previews, confirms, the write itself, and the import record.

``tracker.ledger`` reads files and plans (``plan_import``: what each row
would do, with a digest); these functions decide when a plan is written,
write it (``apply_plan``) and record each import as one ``ImportBatch``.
Imports are one-way: services → ledger → models.
"""

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..ledger.importer import NEW, UPDATE, ImportPlan, plan_import
from ..ledger.locks import import_turn
from ..ledger.lookups import any_of
from ..ledger.reader import Table, read_upload
from ..ledger.safety import LedgerError, ReadBudget
from ..models import ImportBatch, Organization, Project, ProjectPartner, StageChange
from ..text import normalize_name

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
    """Plan and apply ledger ``rows`` in one go (``import_ledger``, the benchmark).

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
        hold_planned_projects(plan)
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
    pending = _pending_batch(ImportBatch.objects.filter(token=token, user=user))
    rows = _read_all(read_upload(pending.file_name, bytes(pending.content)))
    try:
        # Writes, so on SQLite they too may wait for the lock: inside the busy handler.
        if ImportBatch.objects.filter(
            pk=pending.pk,
            status=ImportBatch.Status.PREVIEWED,
            created_at__lt=timezone.now() - PREVIEW_LIFETIME,
        ).update(status=ImportBatch.Status.DISCARDED, content=None):
            raise LedgerError(_("预览已超过 24 小时，请重新上传。"))
        import_previews_purge()  # everyone else's expired previews
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
            hold_planned_projects(plan)
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


def hold_planned_projects(plan: ImportPlan) -> None:
    """Lock the projects ``plan`` updates and refuse if any changed since it read them.

    Imports take turns among themselves, but an ordinary save does not wait for
    them (on PostgreSQL): one that lands between planning and writing would be
    overwritten with the values the plan read. Locked here, a later save waits
    for the import and is then refused by its own form as out of date.
    """
    read = {row.project.pk: row.project.updated_at for row in plan.rows if row.action == UPDATE}
    if not read:
        return
    now = dict(
        Project.objects.select_for_update()
        .filter(pk__in=any_of(list(read), integer=True))
        .values_list("pk", "updated_at")
    )
    if any(now.get(pk) != updated for pk, updated in read.items()):
        raise LedgerError(
            _("预览之后数据已有变化（例如项目被他人修改），为避免误写未导入；请重新上传预览。")
        )


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


# --- Writing a plan ------------------------------------------------------------------


@transaction.atomic
def apply_plan(plan: ImportPlan, *, user=None, batch=None) -> None:
    """Write an error-free plan: organisations, projects, partner links, and their history."""
    if not plan.ok:
        raise ValueError("a plan with errors is never applied")
    now = timezone.now()
    history = {
        "default_user": user,
        "default_change_reason": batch.change_reason if batch else "台账导入",
        "default_date": now,
        "custom_historical_attrs": {"import_batch": batch} if batch else None,
    }
    org_ids = dict(plan._org_ids)
    if plan.new_organizations:
        created = bulk_create_with_history(
            [Organization(name=name) for name in plan.new_organizations], Organization, **history
        )
        org_ids.update({org.name_key: org.pk for org in created})

    new_rows = [row for row in plan.rows if row.action == NEW]
    update_rows = [row for row in plan.rows if row.action == UPDATE]

    if new_rows:
        projects = [Project(code=row.code, **row.values) for row in new_rows]
        for project in projects:
            project.created_at = project.updated_at = now
        created = bulk_create_with_history(projects, Project, **history)
        for row, project in zip(new_rows, created, strict=True):
            row.project = project
            row.before = None

    if update_rows:
        fields = {"updated_at"}
        for row in update_rows:
            row.before = (row.project.stage, row.project.status)
            for attribute, value in row.values.items():
                setattr(row.project, attribute, value)
            row.project.updated_at = now
            fields.update(row.values)
        bulk_update_with_history(
            [row.project for row in update_rows], Project, fields=sorted(fields), **history
        )

    _apply_partners(plan, new_rows + update_rows, org_ids, history)
    _apply_stage_changes(new_rows + update_rows, user=user, batch=batch)


def _apply_stage_changes(rows, *, user, batch) -> None:
    """One ``StageChange`` per created project and per stage/status change, in one INSERT."""
    today = timezone.localdate()
    changes = []
    for row in rows:
        project = row.project
        if row.before is not None and row.before == (project.stage, project.status):
            continue
        old_stage, old_status = row.before or ("", "")
        changes.append(
            StageChange(
                project_id=project.pk,
                from_stage=old_stage,
                to_stage=project.stage,
                from_status=old_status,
                to_status=project.status,
                effective_on=today,
                note=row.note,
                recorded_by=user,
                import_batch=batch,
            )
        )
    if changes:
        StageChange.objects.bulk_create(changes)


def _apply_partners(plan, rows, org_ids, history) -> None:
    to_create, to_delete = [], []
    for row in rows:
        if row.partners is None:
            continue
        current = {
            (org_id, role): pk
            for pk, org_id, _k, _n, role in plan._partner_rows.get(row.project.pk, [])
        }
        wanted = []
        for name, role in row.partners:
            pair = (org_ids[normalize_name(name)], role)
            if pair not in wanted:
                wanted.append(pair)
        for org_id, role in wanted:
            if (org_id, role) not in current:
                to_create.append(
                    ProjectPartner(project_id=row.project.pk, organization_id=org_id, role=role)
                )
        for (org_id, role), pk in current.items():
            if (org_id, role) not in wanted:
                to_delete.append(
                    ProjectPartner(
                        pk=pk, project_id=row.project.pk, organization_id=org_id, role=role
                    )
                )
    if to_create:
        bulk_create_with_history(to_create, ProjectPartner, **history)
    if to_delete:
        _bulk_delete_with_history(to_delete, ProjectPartner, **history)


def _bulk_delete_with_history(
    objs, model, *, default_user, default_change_reason, default_date, custom_historical_attrs
) -> None:
    """Record "-" history rows in bulk, then delete without per-object signals.

    simple-history has bulk helpers for create and update only; a queryset
    delete would send one post_delete (and one history INSERT) per object.
    The links have nothing depending on them, so a raw delete is safe.
    """
    historical = model.history.model
    tracked = [f.attname for f in historical.tracked_fields]
    historical.objects.bulk_create(
        [
            historical(
                history_date=default_date,
                history_user=default_user,
                history_change_reason=default_change_reason,
                history_type="-",
                **{name: getattr(obj, name) for name in tracked},
                **(custom_historical_attrs or {}),
            )
            for obj in objs
        ]
    )
    queryset = model._base_manager.filter(pk__in=any_of([obj.pk for obj in objs], integer=True))
    queryset._raw_delete(queryset.db)
