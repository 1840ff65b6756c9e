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

from ..jobs import JobFailed, job_enqueue
from ..ledger.importer import NEW, UPDATE, ImportPlan, Progress, plan_import
from ..ledger.locks import import_turn
from ..ledger.lookups import any_of
from ..ledger.reader import Table, read_upload
from ..ledger.safety import LedgerError, ReadBudget
from ..models import ImportBatch, Job, Organization, Project, ProjectPartner, StageChange
from ..text import normalize_name

PREVIEW_LIFETIME = timedelta(hours=24)


@dataclass
class LedgerImport:
    """The outcome of an import call: the row-by-row plan and the batch it wrote (if any)."""

    plan: ImportPlan | None
    batch: ImportBatch | None = None
    applied: bool = False
    job: Job | None = None  # set when the confirm was queued as a background job


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


def _read_all(table: Table, progress: Progress | None = None) -> Table:
    """The table with every row read: reading a large xlsx is the slow part, done before any lock."""
    if progress is None:
        return dataclasses.replace(table, rows=list(table.rows))
    rows = []
    for row in table.rows:
        rows.append(row)
        if len(rows) % 200 == 0:
            progress(len(rows), None)
    return dataclasses.replace(table, rows=rows)


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
        # A preview a background confirm waits for is not the user's to lose by uploading
        # more; the job itself discards it if it has outlived its day.
        .exclude(
            pk__in=Job.objects.active().filter(import_batch__isnull=False).values("import_batch")
        )
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


def import_runs_in_background(batch: ImportBatch) -> bool:
    """A preview of more than ``settings.LEDGER_JOB_ROWS`` rows is confirmed by a worker."""
    return batch.row_count > settings.LEDGER_JOB_ROWS


def project_import_submit(*, token, user) -> LedgerImport:
    """Confirm a preview now, or, if it is big, queue its confirm as a background job.

    A small preview is applied in the request (``project_import_confirm``). A
    big one (``import_runs_in_background``) would hold the write lock for
    tens of seconds, so it becomes one ``LEDGER_IMPORT`` job, keyed by the
    batch: confirming twice (a double click, two tabs) while it waits or runs
    gives the same job back, and the job applies the preview at most once.
    The outcome carries the job; nothing is written yet.
    """
    pending = _pending_batch(ImportBatch.objects.filter(token=token, user=user))
    if not import_runs_in_background(pending):
        return project_import_confirm(token=token, user=user)
    _refuse_expired(pending)
    job = job_enqueue(
        kind=Job.Kind.LEDGER_IMPORT,
        title=_("导入台账 %(name)s（%(rows)s 行）")
        % {"name": pending.file_name, "rows": pending.row_count},
        params={"batch_id": pending.pk, "user_id": user.pk},
        user=user,
        dedupe_key=f"ledger_import:{pending.pk}",
        import_batch=pending,
    )
    return LedgerImport(plan=None, batch=pending, job=job)


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
    return _confirm(pending, user=user)


class _ConfirmProgress:
    """One bar over a confirm's three phases, in rows: reading, planning, writing.

    ``total`` is the preview's row count; each phase moves the bar over its
    share (measured on a 50,000-row file), so it never runs backwards, and a
    log line names each phase as it starts.
    """

    SHARES = {"read": 0.45, "plan": 0.15, "write": 0.40}

    def __init__(self, run, total: int):
        self.run, self.total = run, max(total, 1)
        self.start = 0.0

    def phase(self, name: str) -> Progress:
        starts = {"read": 0.0, "plan": self.SHARES["read"]}
        starts["write"] = starts["plan"] + self.SHARES["plan"]
        start, share = starts[name], self.SHARES[name]
        labels = {"read": _("读取文件"), "plan": _("核对预览"), "write": _("写入数据库")}
        self.run.log(labels[name])
        self.run.progress(int(self.total * start), self.total, force=True)

        def report(done: int, total: int | None) -> None:
            fraction = min(1.0, done / (total or self.total))
            self.run.progress(int(self.total * (start + share * fraction)), self.total)

        return report


def project_import_confirm_job(run, *, batch_id: int, user_id: int) -> None:
    """The background confirm of one previewed batch (``Job.Kind.LEDGER_IMPORT``).

    The same all-or-nothing confirm as ``project_import_confirm``, with the
    progress shown on the job's page. Whatever staff should read (the data
    changed since the preview, the preview expired, another import holds the
    turn) fails the job with that message; the preview is kept where it was
    kept before. Run again after its worker died, it finds the batch either
    untouched (the transaction was rolled back: it imports) or applied (the
    first run committed before dying: it reports that and writes nothing).
    """
    batch = ImportBatch.objects.filter(pk=batch_id, user_id=user_id).select_related("user").first()
    if batch is not None and batch.status == ImportBatch.Status.APPLIED:
        run.log(
            _("这批台账已于 %(when)s 导入（批次 #%(batch)s），没有重复写入。")
            % {
                "when": timezone.localtime(batch.applied_at).strftime("%Y-%m-%d %H:%M:%S"),
                "batch": batch.pk,
            }
        )
        run.job.result = _job_result(batch)
        run.progress(batch.row_count, batch.row_count, force=True)
        return
    try:
        pending = _pending_batch(ImportBatch.objects.filter(pk=batch_id, user_id=user_id))
        outcome = _confirm(
            pending, user=pending.user, progress=_ConfirmProgress(run, pending.row_count)
        )
    except LedgerError as exc:
        raise JobFailed(exc.message) from None
    run.job.result = _job_result(outcome.batch)
    run.progress(outcome.batch.row_count, outcome.batch.row_count, force=True)
    run.log(
        _(
            "导入完成（批次 #%(batch)s）：新增 %(new)s 个，更新 %(updated)s 个，未变 %(unchanged)s 个，"
            "新建合作方 %(orgs)s 个。"
        )
        % {
            "batch": outcome.batch.pk,
            "new": outcome.batch.created_count,
            "updated": outcome.batch.updated_count,
            "unchanged": outcome.batch.unchanged_count,
            "orgs": outcome.batch.organizations_created,
        }
    )


def _job_result(batch: ImportBatch) -> dict:
    return {
        "batch": batch.pk,
        "rows": batch.row_count,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "unchanged": batch.unchanged_count,
        "organizations_created": batch.organizations_created,
    }


def _refuse_expired(pending: ImportBatch) -> None:
    # A write, so on SQLite it too may wait for the lock: callers are inside the busy handler.
    if ImportBatch.objects.filter(
        pk=pending.pk,
        status=ImportBatch.Status.PREVIEWED,
        created_at__lt=timezone.now() - PREVIEW_LIFETIME,
    ).update(status=ImportBatch.Status.DISCARDED, content=None):
        raise LedgerError(_("预览已超过 24 小时，请重新上传。"))


def _confirm(pending: ImportBatch, *, user, progress: _ConfirmProgress | None = None):
    phase = progress.phase if progress is not None else (lambda name: None)
    rows = _read_all(read_upload(pending.file_name, bytes(pending.content)), phase("read"))
    try:
        _refuse_expired(pending)
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
            plan = plan_import(rows, user=user, progress=phase("plan"))
            if not plan.ok or plan.digest != batch.preview_digest:
                raise LedgerError(
                    _(
                        "预览之后数据已有变化（例如项目被他人修改），为避免误写未导入；"
                        "请重新上传预览。"
                    )
                )
            hold_planned_projects(plan)
            apply_plan(plan, user=user, batch=batch, progress=phase("write"))
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


# Rows written per statement batch between progress reports (all in one transaction).
WRITE_CHUNK = 5_000


def _chunks(items: list, size: int = WRITE_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def apply_plan(
    plan: ImportPlan, *, user=None, batch=None, progress: Progress | None = None
) -> None:
    """Write an error-free plan: organisations, projects, partner links, and their history.

    ``progress(done, total)``, if given, hears how far the writing got (in
    steps of ``WRITE_CHUNK`` rows: projects, then partner links, then the
    stage timeline); it is all one transaction whatever it reports.
    """
    if not plan.ok:
        raise ValueError("a plan with errors is never applied")
    steps = 3 * max(1, len(plan.rows))

    def report(done: int) -> None:
        if progress is not None:
            progress(min(done, steps), steps)

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

    written = len(plan.rows) - len(new_rows) - len(update_rows)  # unchanged rows: nothing to do
    report(written)
    for chunk in _chunks(new_rows):
        projects = [Project(code=row.code, **row.values) for row in chunk]
        for project in projects:
            project.created_at = project.updated_at = now
        created = bulk_create_with_history(projects, Project, **history)
        for row, project in zip(chunk, created, strict=True):
            row.project = project
            row.before = None
        written += len(chunk)
        report(written)

    for chunk in _chunks(update_rows):
        fields = {"updated_at"}
        for row in chunk:
            row.before = (row.project.stage, row.project.status)
            for attribute, value in row.values.items():
                setattr(row.project, attribute, value)
            row.project.updated_at = now
            fields.update(row.values)
        bulk_update_with_history(
            [row.project for row in chunk], Project, fields=sorted(fields), **history
        )
        written += len(chunk)
        report(written)

    rows = len(plan.rows)
    _apply_partners(
        plan, new_rows + update_rows, org_ids, history, lambda part: report(rows + int(rows * part))
    )
    report(2 * rows)
    _apply_stage_changes(new_rows + update_rows, user=user, batch=batch)
    report(steps)


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


def _apply_partners(plan, rows, org_ids, history, report=lambda part: None) -> None:
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
    for done, chunk in enumerate(_chunks(to_create), start=1):
        bulk_create_with_history(chunk, ProjectPartner, **history)
        report(done * WRITE_CHUNK / len(to_create))
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
