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
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..jobs import JobFailed, job_enqueue
from ..ledger.freshness import plan_is_current, reference_version
from ..ledger.importer import SUBMIT, UPDATE, ImportPlan, Progress, plan_import
from ..ledger.locks import import_turn
from ..ledger.lookups import any_of
from ..ledger.reader import Table, read_upload
from ..ledger.safety import LedgerError, ReadBudget
from ..models import (
    ImportBatch,
    Job,
    Project,
)
from .ledger_funds import funds_write
from .ledger_writes import apply_plan, prepare_writes
from .review import import_rows_submit

__all__ = ["apply_plan"]  # written by ledger_writes, used by benchmarks and tests from here

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
    batch.submitted_count = counts[SUBMIT]
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
        import_rows_submit(plan=plan, user=user, batch=batch)
        funds_write(plan=plan, user=user, batch=batch)
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
        self.high = 0  # a phase run again (planned again under the lock) never moves it back

    def _show(self, done: int, *, force: bool = False) -> None:
        self.high = max(self.high, done)
        self.run.progress(self.high, self.total, force=force)

    def phase(self, name: str) -> Progress:
        starts = {"read": 0.0, "plan": self.SHARES["read"]}
        starts["write"] = starts["plan"] + self.SHARES["plan"]
        start, share = starts[name], self.SHARES[name]
        labels = {"read": _("读取文件"), "plan": _("核对预览"), "write": _("写入数据库")}
        self.run.log(labels[name])
        self._show(int(self.total * start), force=True)

        def report(done: int, total: int | None) -> None:
            fraction = min(1.0, done / (total or self.total))
            self._show(int(self.total * (start + share * fraction)))

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
            "提交审核 %(submitted)s 个，新建合作方 %(orgs)s 个。"
        )
        % {
            "batch": outcome.batch.pk,
            "new": outcome.batch.created_count,
            "updated": outcome.batch.updated_count,
            "unchanged": outcome.batch.unchanged_count,
            "submitted": outcome.batch.submitted_count,
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
        "submitted": batch.submitted_count,
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


def _changed_since_preview() -> LedgerError:
    return LedgerError(
        _("预览之后数据已有变化（例如项目被他人修改），为避免误写未导入；请重新上传预览。")
    )


def _confirm(pending: ImportBatch, *, user, progress: _ConfirmProgress | None = None):
    phase = progress.phase if progress is not None else (lambda name: None)
    rows = _read_all(read_upload(pending.file_name, bytes(pending.content)), phase("read"))
    plan = prepared = version = writing = None
    if connection.vendor == "sqlite":
        # On SQLite every other writer waits while the import holds the write lock, so
        # the plan and the INSERTs' values are made before it. Inside the lock the plan
        # is kept if nothing it read has been written since (``ledger.freshness``: saves
        # of other projects do not count); otherwise it is made again there, as on
        # PostgreSQL (where nobody waits for an import).
        version = reference_version()
        plan = plan_import(rows, user=user, progress=phase("plan"))
        if not plan.ok or plan.digest != pending.preview_digest:
            raise _changed_since_preview()
        write = phase("write")
        if write is not None:  # preparing is the first half of writing, inserting the second
            prepared = prepare_writes(
                plan, user=user, batch=pending, progress=lambda d, t: write(d, 2 * t)
            )
            writing = lambda d, t: write(t + d, 2 * t)  # noqa: E731
        else:
            prepared = prepare_writes(plan, user=user, batch=pending)
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
            if version is None or not plan_is_current(plan, version=version):
                prepared = writing = None
                plan = plan_import(rows, user=user, progress=phase("plan"))
                if not plan.ok or plan.digest != batch.preview_digest:
                    raise _changed_since_preview()
            hold_planned_projects(plan)
            if writing is None:
                writing = phase("write")
            apply_plan(plan, user=user, batch=batch, progress=writing, prepared=prepared)
            import_rows_submit(plan=plan, user=user, batch=batch)
            funds_write(plan=plan, user=user, batch=batch)
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
    read = {
        row.project.pk: row.project.updated_at
        for row in plan.rows
        if row.action == UPDATE or (row.action == SUBMIT and row.project is not None)
    }
    if not read:
        return
    now = dict(
        Project.objects.select_for_update()
        .filter(pk__in=any_of(list(read), integer=True))
        .values_list("pk", "updated_at")
    )
    if any(now.get(pk) != updated for pk, updated in read.items()):
        raise _changed_since_preview()


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
