"""The jobs that run by the clock, and the loop that enqueues them.

``SCHEDULE`` is the whole timetable (local time, ``TIME_ZONE``). An entry is
due once its time has passed today; it is enqueued under the key
``schedule:<kind>:<date>``, and a day's key that any job already carries
(queued, running or finished) is not enqueued again: several workers'
schedulers, or a cron line besides, still run each entry once a day.
"""

import logging
import threading
from dataclasses import dataclass, field
from datetime import time

from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Job
from .runner import job_enqueue, jobs_prune, jobs_recover

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    kind: str
    at: time
    title: str
    params: dict = field(default_factory=dict)


SCHEDULE = (
    Entry(Job.Kind.OPEN_DATA, time(2, 0), _("每晚重建开放数据文件")),
    Entry(Job.Kind.ALERTS, time(8, 0), _("每日预警邮件")),
)
TICK_SECONDS = 60


def schedule_due(*, now=None) -> list[Job]:
    """Enqueue every entry that is due today and not yet enqueued today."""
    now = timezone.localtime(now)
    queued = []
    for entry in SCHEDULE:
        if now.time() < entry.at:
            continue
        key = f"schedule:{entry.kind}:{now.date().isoformat()}"
        if Job.objects.filter(dedupe_key=key).exists():
            continue
        queued.append(
            job_enqueue(
                kind=entry.kind, title=str(entry.title), params=entry.params, dedupe_key=key
            )
        )
    return queued


def schedule_tick(*, now=None) -> list[Job]:
    """One turn of the scheduler: recover lost jobs, enqueue due ones, prune old ones."""
    recovered = jobs_recover(now=now)
    for job in recovered:
        logger.warning("job %s lost its worker: %s", job.pk, job.title)
    queued = schedule_due(now=now)
    jobs_prune(now=now)
    return queued


class SchedulerThread(threading.Thread):
    """The scheduler inside a worker process (``jobs_worker``), ticking every minute."""

    def __init__(self):
        super().__init__(daemon=True, name="tracker-scheduler")
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                close_old_connections()
                schedule_tick()
            except Exception:  # a bad tick must not stop the clock
                logger.exception("scheduler tick failed")
            finally:
                close_old_connections()
            self.stopped.wait(TICK_SECONDS)
