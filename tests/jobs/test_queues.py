"""The public figures' recompute has a queue of its own, so it never waits behind a long job.

At 1,000,000 projects an open-data build takes minutes; with one queue the recompute
after an edit waited for it (bench_serve measured the figures fresh 120 s after an edit).
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings

from tests.databases import manage
from tests.jobs import work
from tracker.jobs import job_enqueue
from tracker.jobs.kinds import KINDS, JobKind
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Job

pytestmark = pytest.mark.django_db


def test_the_recompute_goes_to_the_figures_queue_and_long_jobs_to_default():
    assert KINDS[Job.Kind.STATS].queue == "figures"
    assert {spec.queue for kind, spec in KINDS.items() if kind != Job.Kind.STATS} == {"default"}


def test_a_worker_of_the_default_queue_leaves_the_recompute_to_the_figures_worker(
    tasks_backend, monkeypatch
):
    work.RUNS.clear()
    for kind, queue in ((Job.Kind.ALERTS, "default"), (Job.Kind.STATS, "figures")):
        monkeypatch.setitem(KINDS, kind, JobKind("tests.jobs.work.counted", 2, queue))
    long_job = job_enqueue(kind=Job.Kind.ALERTS, title="长任务")
    figures = job_enqueue(kind=Job.Kind.STATS, title="重新计算")

    run_queued_jobs(queues=["default"])
    long_job.refresh_from_db(), figures.refresh_from_db()
    assert (long_job.status, figures.status) == (Job.Status.SUCCEEDED, Job.Status.QUEUED)

    run_queued_jobs(queues=["figures"])
    figures.refresh_from_db()
    assert figures.status == Job.Status.SUCCEEDED
    assert [pk for pk, _params in work.RUNS] == [long_job.pk, figures.pk]


ENQUEUE_STATS = """
from tracker.jobs import job_enqueue
from tracker.models import Job
print(job_enqueue(kind=Job.Kind.STATS, title="重新计算").pk)
"""


STATUS = "from tracker.models import Job; print(Job.objects.get(pk={job}).{field})"


def _children(pid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-a", "-P", str(pid)], capture_output=True, text=True)
    return found.stdout.splitlines()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "zombie" not in status.read()
    except FileNotFoundError:
        return False


@pytest.mark.slow  # subprocesses: a worker and its child
def test_jobs_worker_runs_the_figures_queue_beside_itself_and_they_stop_together(
    tmp_path, migrated_templates
):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DEBUG="0",
        SQLITE_PATH=str(migrated_templates.copy_sqlite(tmp_path / "site.sqlite3")),
        VAR_DIR=str(tmp_path / "var"),
        TASKS_BACKEND="database",
        JOBS_NICE="7",
    )

    def last_line(*args):
        out = manage(*args, env=env, timeout=120).strip()
        return out.splitlines()[-1] if out else ""

    last_line("createcachetable")  # the figures' shared cache (make migrate does the same)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "jobs_worker", "--no-schedule"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any("--queue figures" in line for line in _children(worker.pid)):
            assert worker.poll() is None and time.monotonic() < deadline, "no figures worker"
            time.sleep(0.2)
        job = int(last_line("shell", "-c", ENQUEUE_STATS))
        status = ""
        while status != Job.Status.SUCCEEDED:
            assert status != Job.Status.FAILED, last_line(
                "shell", "-c", STATUS.format(job=job, field="error")
            )
            assert time.monotonic() < deadline, f"the recompute was not run ({status})"
            time.sleep(0.3)
            status = last_line("shell", "-c", STATUS.format(job=job, field="status"))
        [child] = [int(line.split()[0]) for line in _children(worker.pid)]
        # Both below the web server's priority, the child at the same level (not 7 + 7).
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == 7
        assert os.getpriority(os.PRIO_PROCESS, child) == 7
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _alive(child):
            assert time.monotonic() < deadline, "the figures worker outlived its parent"
            time.sleep(0.1)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
