"""A big ledger confirm survives its worker: ``manage.py jobs_worker`` subprocesses on a
file-based SQLite database and on PostgreSQL, on both task backends, one worker killed
(SIGKILL) mid-write; nothing is left half-written and a fresh worker imports once.

(Moved out of ``test_import_job.py``, which keeps the in-process tests.)
"""

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
from django.conf import settings as django_settings

from tests.databases import drop_postgres
from tests.ledger.job_backends import BACKENDS, forget_queue, redis_url
from tracker.models import ImportBatch, Job
from tracker.services.ledger import _ConfirmProgress

# Enough rows that the worker is still writing when it is killed (the write takes well
# over a second), few enough that each of the four variants takes seconds, not tens.
ROWS = 2000

SETUP = """
import json
from benchmarks.management.commands.bench_import import Command
from tracker.services.ledger import project_import_preview, project_import_submit
c = Command(); c._world()
batch = project_import_preview(data=c._xlsx({rows}, seed=1, year=2021), file_name="big.xlsx",
    user=c.user).batch
outcome = project_import_submit(token=batch.token, user=c.user)
print(json.dumps({{"job": outcome.job.pk, "batch": batch.pk, "status": batch.status}}))
"""

RECOVER = """
import json
from tracker.jobs import jobs_recover
print(json.dumps([job.pk for job in jobs_recover()]))
"""

STATE = """
import json
from tracker.models import ImportBatch, Job, Project, StageChange
job = Job.objects.get(pk={job})
print(json.dumps({{
    "projects": Project.objects.count(),
    "history": Project.history.count(),
    "stage_changes": StageChange.objects.count(),
    "job": job.status, "attempts": job.attempts, "error": job.error,
    "done": job.done, "total": job.total,
    "batch": ImportBatch.objects.get(pk={batch}).status,
}}))
"""


class Site:
    """A throw-away tracker (file SQLite or a scratch PostgreSQL database) and its workers."""

    def __init__(self, tmp_path, database, backend, templates):
        """``templates``: the run's migrated databases, which this site starts as a copy of."""
        self.tmp, self.database, self.backend = tmp_path, database, backend
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings.dev",
            DEBUG="0",
            VAR_DIR=str(tmp_path / "var"),
            TASKS_BACKEND=backend,
            LEDGER_JOB_ROWS="100",
            JOBS_HEARTBEAT_TIMEOUT="1",
        )
        if database == "sqlite":
            self.env["SQLITE_PATH"] = str(templates.copy_sqlite(tmp_path / "site.sqlite3"))
        else:
            self.pg_name = f"tracker_h1job_{uuid.uuid4().hex[:8]}"
            self.env["DATABASE_URL"] = templates.create_postgres(self.pg_name)
        if backend == "redis":
            self.redis_url = redis_url(4)
            self.env["REDIS_URL"] = self.redis_url
            forget_queue(self.redis_url)
        self.workers = []

    def close(self):
        for worker in self.workers:
            if worker.poll() is None:
                self.kill(worker)
        if self.backend == "redis":
            forget_queue(self.redis_url)
        if self.database == "postgres":
            drop_postgres(self.pg_name)

    def manage(self, *args, **env):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=django_settings.BASE_DIR,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def shell(self, code, **env):
        return json.loads(self.manage("shell", "-c", code, **env).strip().splitlines()[-1])

    def worker(self, *args):
        process = subprocess.Popen(
            [sys.executable, "manage.py", "jobs_worker", "--no-schedule", *args],
            cwd=django_settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.tmp / f"worker-{len(self.workers)}.log", "w"),  # noqa: SIM115
            start_new_session=True,
        )
        self.workers.append(process)
        return process

    def kill(self, worker):
        """SIGKILL the worker and every process under it (RQ runs a job in a forked
        work horse in a session of its own, so the process group is not enough)."""
        tree, look = [], [worker.pid]
        while look:
            pid = look.pop()
            tree.append(pid)
            found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
            look.extend(int(child) for child in found.stdout.split())
        for pid in reversed(tree):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        worker.wait()

    def job_status(self, job_id) -> str:
        sql = "SELECT status FROM tracker_job WHERE id = %s"
        if self.database == "sqlite":
            with sqlite3.connect(self.env["SQLITE_PATH"], timeout=30) as conn:
                return conn.execute(sql.replace("%s", "?"), [job_id]).fetchone()[0]
        with psycopg.connect(self.env["DATABASE_URL"]) as conn:
            return conn.execute(sql, [job_id]).fetchone()[0]

    def progress(self, job_id) -> dict:
        if self.backend == "redis":
            from django.core.cache.backends.redis import RedisCache

            cache = RedisCache(self.redis_url, {})
        else:
            from django.core.cache.backends.filebased import FileBasedCache

            cache = FileBasedCache(str(self.tmp / "var" / "progress"), {})
        return cache.get(f"tracker:job:{job_id}:progress") or {}


@pytest.fixture(params=["sqlite", "postgres"])
def database(request):
    return request.param


@pytest.fixture
def site(tmp_path, database, migrated_templates, request):
    backend = request.param if hasattr(request, "param") else "database"
    made = Site(tmp_path, database, backend, migrated_templates)
    yield made
    made.close()


@pytest.mark.slow  # subprocesses: migrate, a worker killed, a fresh worker
@pytest.mark.parametrize("site", list(BACKENDS), indirect=True)
def test_a_worker_killed_mid_import_leaves_nothing_and_a_fresh_worker_imports_once(site):
    queued = site.shell(SETUP.format(rows=ROWS))
    job, batch = queued["job"], queued["batch"]

    # No worker runs: the job waits.
    time.sleep(0.3)
    assert site.job_status(job) == Job.Status.QUEUED

    # A worker starts and takes it; it is killed while writing (past reading and planning).
    worker = site.worker()
    writing = (_ConfirmProgress.SHARES["read"] + _ConfirmProgress.SHARES["plan"]) * ROWS
    deadline = time.monotonic() + 300
    while site.progress(job).get("done", 0) <= writing + ROWS * 0.05:
        assert worker.poll() is None, (site.tmp / "worker-0.log").read_text()
        assert time.monotonic() < deadline, "the import never reached its writing phase"
        time.sleep(0.05)
    site.kill(worker)

    killed = site.shell(STATE.format(job=job, batch=batch))
    assert killed["job"] == Job.Status.RUNNING, killed  # killed before it could finish
    assert (killed["projects"], killed["history"], killed["stage_changes"]) == (0, 0, 0)
    assert killed["batch"] == ImportBatch.Status.PREVIEWED

    time.sleep(1.5)  # longer than JOBS_HEARTBEAT_TIMEOUT: its heartbeat has stopped
    assert site.shell(RECOVER) == [job]
    assert site.job_status(job) == Job.Status.QUEUED

    site.manage("jobs_worker", "--no-schedule", "--batch")

    done = site.shell(STATE.format(job=job, batch=batch))
    assert done["job"] == Job.Status.SUCCEEDED, done
    assert done["attempts"] == 2
    assert (done["projects"], done["history"], done["stage_changes"]) == (ROWS, ROWS, ROWS)
    assert done["batch"] == ImportBatch.Status.APPLIED
    assert (done["done"], done["total"]) == (ROWS, ROWS)
