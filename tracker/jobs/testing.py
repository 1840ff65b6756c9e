"""Run the queued jobs now, in this process, on whichever backend is configured.

For tests and one-off scripts: the database backend's worker in batch mode,
or RQ's non-forking worker in burst mode, so both backends run the very code
a deployed worker runs.
"""

from django.conf import settings


def run_queued_jobs(queues=None) -> None:
    """Send every queued job not yet sent, then work until the queues (default: all of
    ``settings.JOB_QUEUES``) are empty.

    A test's transaction never commits, so ``job_enqueue``'s on-commit send
    never fires there; sending the held-back jobs here stands in for the commit.
    """
    from ..models import Job
    from .runner import _send

    for job_id, kind in Job.objects.filter(status=Job.Status.QUEUED, task_id="").values_list(
        "pk", "kind"
    ):
        _send(job_id, kind)
    queues = list(queues or settings.JOB_QUEUES)
    backend = settings.TASKS["default"]["BACKEND"]
    if backend == "django_tasks_db.DatabaseBackend":
        from unittest import mock

        from django_tasks_db.management.commands import db_worker

        # The worker closes connections between tasks, as a long-lived process should;
        # here it would close the test's own transaction (PostgreSQL says "connection is
        # closed"), so in-process it leaves the connection alone.
        with mock.patch.object(db_worker, "close_old_connections", lambda: None):
            _work(db_worker.Worker, queues)
    elif backend == "django_tasks_rq.RQBackend":
        import django_rq
        from django_tasks_rq import Job as RQJob
        from rq import SimpleWorker

        taken = [django_rq.get_queue(name, job_class=RQJob) for name in queues]
        SimpleWorker(taken, connection=taken[0].connection, job_class=RQJob).work(burst=True)


def _work(worker_class, queues) -> None:
    worker_class(
        queue_names=queues,
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
    ).run()
