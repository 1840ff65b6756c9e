"""Enqueue, claim, run, watch and clean up jobs.

A job's life: ``job_enqueue`` writes a queued ``Job`` and, once that row is
committed, enqueues one ``run_job`` task for it (the one task the framework
knows). A worker runs the task:
``job_execute`` claims the job with one conditional UPDATE (queued → running;
a second delivery finds nothing to claim), runs the kind's function with a
``JobRun`` and records the outcome. While it runs, a heartbeat thread marks
it alive; ``jobs_recover`` fails (and, attempts allowing, re-queues) a job
whose heartbeat stopped: its worker was killed. Live progress goes to the
``jobs`` cache, because on SQLite the job's own import transaction holds the
only write lock; the row gets the final figures.
"""

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from ..models import Job
from .kinds import KINDS

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
PROGRESS_SECONDS = 0.5
LOG_LINES = 200


class JobFailed(Exception):
    """A job stops for a reason staff can act on (shown as the job's error; not retried)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _cache():
    return caches["jobs"]


def _key(job_id: int, what: str) -> str:
    return f"tracker:job:{job_id}:{what}"


# --- Enqueueing ---------------------------------------------------------------------


def job_enqueue(
    *,
    kind: str,
    title: str,
    params: dict | None = None,
    user=None,
    dedupe_key: str = "",
    import_batch=None,
) -> Job:
    """Queue a job, or return the queued-or-running job that already has ``dedupe_key``.

    The task is sent when the surrounding transaction commits, so a worker
    never looks for a job row it cannot see yet.
    """
    spec = KINDS[kind]
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                title=title[:200],
                params=params or {},
                user=user,
                dedupe_key=dedupe_key,
                import_batch=import_batch,
                max_attempts=spec.max_attempts,
            )
    except IntegrityError:
        existing = (
            Job.objects.active().filter(dedupe_key=dedupe_key).first() if dedupe_key else None
        )
        if existing is None:
            raise
        return existing
    transaction.on_commit(lambda: _send(job.pk, kind))
    return job


def _send(job_id: int, kind: str) -> None:
    result = run_job.using(queue_name=KINDS[kind].queue).enqueue(job_id)
    Job.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])


def job_retry(*, job: Job, user=None) -> Job:
    """A new job doing what a failed one tried; the failed one stays as the record."""
    if job.status != Job.Status.FAILED:
        raise JobFailed(_("只有失败的任务可以重试。"))
    return job_enqueue(
        kind=job.kind,
        title=job.title,
        params=job.params,
        user=user or job.user,
        dedupe_key=job.dedupe_key,
        import_batch=job.import_batch,
    )


# --- Running ------------------------------------------------------------------------


class JobRun:
    """What a job's function gets: progress, a log, a place for its file."""

    def __init__(self, job: Job):
        self.job = job
        self._lines: list[str] = []
        self._last_progress = 0.0

    def progress(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Rows (or steps) done out of ``total``; cheap to call for every row."""
        now = time.monotonic()
        self.job.done = done
        if total is not None:
            self.job.total = total
        if force or now - self._last_progress >= PROGRESS_SECONDS:
            self._last_progress = now
            _cache().set(
                _key(self.job.pk, "progress"),
                {"done": self.job.done, "total": self.job.total, "log": self._lines[-5:]},
                timeout=24 * 3600,
            )

    def log(self, line: str) -> None:
        stamp = timezone.localtime().strftime("%H:%M:%S")
        self._lines.append(f"{stamp} {line}")
        del self._lines[:-LOG_LINES]
        self.progress(self.job.done, force=True)

    def save_file(self, name: str, content: bytes) -> str:
        """Keep ``content`` as this job's result file (private storage); returns its path."""
        path = default_storage.save(f"jobs/{self.job.pk}/{name}", ContentFile(content))
        self.job.result_file = path
        return path

    @property
    def log_text(self) -> str:
        return "\n".join(self._lines)


class _Heartbeat(threading.Thread):
    """Marks the job alive every few seconds, whatever its function is busy with."""

    def __init__(self, job_id: int):
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.is_set():
                _beat(self.job_id)
                # Well inside the timeout, however short it is set: another worker's
                # recovery (each one recovers as it starts) must never take a live job.
                self.stopped.wait(min(HEARTBEAT_SECONDS, settings.JOBS_HEARTBEAT_TIMEOUT / 3))
        finally:
            connection.close()  # this thread's own connection


def _beat(job_id: int) -> None:
    now = timezone.now()
    _cache().set(_key(job_id, "beat"), now.timestamp(), timeout=24 * 3600)
    # On PostgreSQL the row is written too (its own connection, its own transaction), so
    # workers on other machines without a shared cache see the job alive. On SQLite the
    # running import holds the one write lock; the cache is the heartbeat there.
    if connection.vendor != "sqlite":
        Job.objects.filter(pk=job_id).update(heartbeat_at=now)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@task()
def run_job(job_id: int) -> str:
    """The one task the framework knows: run the ``Job`` with this id.

    Everything a job needs is on its row, so the task's argument is one integer
    (JSON-safe on every backend), and a task delivered twice finds the job
    already claimed and does nothing.
    """
    return job_execute(job_id)


def job_execute(job_id: int) -> str:
    """Run job ``job_id`` if it is still queued (a worker's task calls this)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=_worker_name()[:200],
        attempts=F("attempts") + 1,
        error="",
    )
    if not claimed:
        return "skipped"  # run already, running elsewhere, or deleted
    job = Job.objects.get(pk=job_id)
    run = JobRun(job)
    beat = _Heartbeat(job.pk)
    beat.start()
    outcome = Job.Status.SUCCEEDED
    retry = False
    try:
        import_string(KINDS[job.kind].run)(run, **job.params)
    except JobFailed as exc:
        outcome, job.error = Job.Status.FAILED, exc.message
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        outcome = Job.Status.FAILED
        job.error = _("运行出错：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"[:2000]}
        retry = job.attempts < job.max_attempts
    finally:
        beat.stopped.set()
        beat.join()
    if outcome == Job.Status.FAILED:
        run.log(job.error)
    _finish(job, run, outcome, retry=retry)
    return outcome


def _finish(job: Job, run: JobRun, outcome: str, *, retry: bool) -> None:
    job.log = run.log_text
    job.finished_at = timezone.now()
    job.status = Job.Status.QUEUED if retry else outcome
    fields = ["status", "log", "finished_at", "done", "total", "result", "result_file", "error"]
    Job.objects.filter(pk=job.pk).update(**{name: getattr(job, name) for name in fields})
    _cache().delete_many([_key(job.pk, "progress"), _key(job.pk, "beat")])
    if retry:
        _send(job.pk, job.kind)


# --- Watching -----------------------------------------------------------------------


def job_progress(job: Job) -> dict:
    """``done``, ``total``, ``percent`` and the latest log lines, live while it runs."""
    live = _cache().get(_key(job.pk, "progress")) if job.is_active else None
    done, total = (live["done"], live["total"]) if live else (job.done, job.total)
    lines = live["log"] if live else job.log.splitlines()[-5:]
    if job.status == Job.Status.SUCCEEDED:
        percent = 100
    else:
        percent = min(100, int(done * 100 / total)) if total else 0
    return {"done": done, "total": total, "percent": percent, "log": lines}


def _last_beat(job: Job):
    stamp = _cache().get(_key(job.pk, "beat"))
    beats = [job.heartbeat_at, job.started_at]
    if stamp:
        beats.append(datetime.fromtimestamp(stamp, tz=UTC))
    return max(b for b in beats if b is not None)


def jobs_recover(*, now=None) -> list[Job]:
    """Fail (or re-queue, attempts allowing) running jobs whose worker stopped beating.

    Runs at every worker start and every minute in the scheduler. The work
    of a job that died is safe to run again (see ``kinds``).
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.JOBS_HEARTBEAT_TIMEOUT)
    recovered = []
    for job in Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=stale):
        if _last_beat(job) >= stale:
            continue
        retry = job.attempts < job.max_attempts
        message = _("工作进程中断（%(worker)s 超过 %(seconds)s 秒无心跳）") % {
            "worker": job.worker or "?",
            "seconds": settings.JOBS_HEARTBEAT_TIMEOUT,
        }
        updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.QUEUED if retry else Job.Status.FAILED,
            error=message,
            finished_at=now,
            log=(job.log + "\n" if job.log else "") + message + ("，已重新排队" if retry else ""),
        )
        _task_result_failed(job.task_id)
        if updated:
            recovered.append(job)
            if retry:
                _send(job.pk, job.kind)
    return recovered


def _task_result_failed(task_id: str) -> None:
    """The database backend leaves a killed task "running" for ever; say it failed."""
    if not task_id or settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now()
    )


def jobs_prune(*, now=None) -> int:
    """Delete finished jobs (and their files) older than ``JOBS_KEEP_DAYS``."""
    now = now or timezone.now()
    old = Job.objects.finished().filter(
        finished_at__lt=now - timedelta(days=settings.JOBS_KEEP_DAYS)
    )
    count = 0
    for job in old:
        files = job.result.get("files", {}) if isinstance(job.result, dict) else {}
        for path in {job.result_file, *files.values()} - {""}:
            if default_storage.exists(path):
                default_storage.delete(path)
        job.delete()
        count += 1
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.finished().filter(
            finished_at__lt=now - timedelta(days=settings.JOBS_KEEP_DAYS)
        ).delete()
    return count
