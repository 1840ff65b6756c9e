"""Work that outlives a request, on Django's task framework.

- ``kinds``: the table of job kinds (what runs, how often it may be retried).
- ``runner``: enqueue a ``Job`` (once per key), claim and run it in a worker,
  report progress, keep its file, recover jobs whose worker died, prune old ones.
- ``schedule``: the nightly and daily jobs, enqueued by the worker's scheduler thread
  (or a cron line running ``manage.py jobs_schedule --once``).
- ``testing``: run every queued job now, on whichever backend is configured (tests).

The backend (database or Redis) is a setting (``TASKS_BACKEND``); nothing here
depends on which one runs.
"""

from .runner import (
    JobFailed,
    JobRun,
    job_enqueue,
    job_progress,
    job_retry,
    jobs_prune,
    jobs_recover,
)

__all__ = [
    "JobFailed",
    "JobRun",
    "job_enqueue",
    "job_progress",
    "job_retry",
    "jobs_prune",
    "jobs_recover",
]
