"""Jobs on both backends: once per key, once per delivery, waiting for a worker, retries, recovery."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.jobs import work
from tracker.jobs import job_enqueue, job_progress, job_retry, jobs_prune, jobs_recover
from tracker.jobs.kinds import KINDS, JobKind
from tracker.jobs.runner import _send
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind(monkeypatch):
    """Point the alerts kind at a test function; returns a setter."""
    work.RUNS.clear()

    def use(function: str, max_attempts: int = 2) -> str:
        monkeypatch.setitem(
            KINDS, Job.Kind.ALERTS, JobKind(f"tests.jobs.work.{function}", max_attempts)
        )
        return Job.Kind.ALERTS

    return use


def test_a_job_runs_in_a_worker_and_keeps_its_result(tasks_backend, kind):
    job = job_enqueue(kind=kind("counted"), title="计数", params={"n": 1})
    assert job.status == Job.Status.QUEUED
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert [(job.pk, {"n": 1})] == work.RUNS
    assert (job.done, job.total, job.result) == (3, 3, {"runs": 1})
    assert job.log.endswith("counted")
    assert default_storage.open(job.result_file).read() == b"done"
    assert job_progress(job)["percent"] == 100
    assert job.task_id  # the framework's own task id, for looking it up in its backend


def test_the_same_key_enqueued_twice_is_one_job_that_runs_once(tasks_backend, kind):
    first = job_enqueue(kind=kind("counted"), title="a", dedupe_key="same")
    second = job_enqueue(kind=kind("counted"), title="b", dedupe_key="same")
    assert second.pk == first.pk
    run_queued_jobs()
    assert len(work.RUNS) == 1
    # Once it has finished, the key is free: a later change gets a job of its own.
    third = job_enqueue(kind=kind("counted"), title="c", dedupe_key="same")
    assert third.pk != first.pk


def test_a_task_delivered_twice_does_the_work_once(tasks_backend, kind):
    job = job_enqueue(kind=kind("counted"), title="a")
    run_queued_jobs()  # sends it once and runs it
    _send(job.pk, job.kind)  # a second delivery of the same job (e.g. a redelivered message)
    run_queued_jobs()
    job.refresh_from_db()
    assert len(work.RUNS) == 1 and job.attempts == 1


def test_a_job_enqueued_with_no_worker_waits_until_one_starts(tasks_backend, kind):
    job = job_enqueue(kind=kind("counted"), title="a")
    _send(job.pk, job.kind)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and work.RUNS == []  # nobody has taken it
    run_queued_jobs()  # a worker starts
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


def test_a_crashing_job_is_retried_then_marked_failed_with_its_error(tasks_backend, kind):
    job = job_enqueue(kind=kind("crashes", max_attempts=2), title="坏任务")
    run_queued_jobs()
    job.refresh_from_db()
    assert len(work.RUNS) == 2 and job.attempts == 2
    assert job.status == Job.Status.FAILED
    assert "RuntimeError: disk on fire" in job.error and "disk on fire" in job.log


def test_a_refusal_staff_can_act_on_fails_at_once_without_retry(tasks_backend, kind):
    job = job_enqueue(kind=kind("refuses", max_attempts=3), title="导入")
    run_queued_jobs()
    job.refresh_from_db()
    assert len(work.RUNS) == 1
    assert (job.status, job.error) == (Job.Status.FAILED, "预览已过期，请重新上传。")


def test_a_failed_job_retried_is_a_new_job_and_the_failure_stays_on_record(tasks_backend, kind):
    failed = job_enqueue(kind=kind("refuses", max_attempts=1), title="导入", params={"x": 1})
    run_queued_jobs()
    failed.refresh_from_db()
    kind("counted")
    again = job_retry(job=failed)
    run_queued_jobs()
    again.refresh_from_db()
    failed.refresh_from_db()
    assert again.pk != failed.pk and again.params == {"x": 1}
    assert (failed.status, again.status) == (Job.Status.FAILED, Job.Status.SUCCEEDED)


def _lost(job, *, attempts):
    """As a worker killed mid-job leaves it: running, started long ago, no heartbeat."""
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, started_at=long_ago, heartbeat_at=long_ago, attempts=attempts
    )


def test_a_job_whose_worker_died_is_queued_again_and_runs(tasks_backend, kind):
    job = job_enqueue(kind=kind("counted", max_attempts=2), title="a")
    _lost(job, attempts=1)
    assert [j.pk for j in jobs_recover()] == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and "工作进程中断" in job.log
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2


def test_a_job_whose_worker_died_on_its_last_attempt_is_marked_failed(tasks_backend, kind):
    job = job_enqueue(kind=kind("counted", max_attempts=1), title="a")
    _lost(job, attempts=1)
    jobs_recover()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "工作进程中断" in job.error
    run_queued_jobs()
    assert work.RUNS == []


def test_a_running_job_with_a_live_heartbeat_is_left_alone(tasks_backend, kind):
    job = job_enqueue(kind=kind("counted"), title="a")
    _lost(job, attempts=1)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert jobs_recover() == []


def test_finished_jobs_and_their_files_are_pruned_after_the_keep_days(settings, kind):
    job = job_enqueue(kind=kind("counted"), title="old")
    run_queued_jobs()
    job.refresh_from_db()
    path = job.result_file
    assert jobs_prune() == 0  # fresh: kept
    later = timezone.now() + timedelta(days=settings.JOBS_KEEP_DAYS + 1)
    assert jobs_prune(now=later) == 1
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not default_storage.exists(path)
