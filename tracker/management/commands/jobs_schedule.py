"""Enqueue the timetable's due jobs, recover lost ones, prune old ones.

    python manage.py jobs_schedule --once     # e.g. from cron, every few minutes
    python manage.py jobs_schedule            # loop, one tick a minute

Only enqueues: the work runs in a worker (``jobs_worker``). The worker runs
this same tick in a thread already; this command is for deployments that
prefer cron or a separate scheduler process.
"""

import time

from django.core.management.base import BaseCommand

from tracker.jobs.schedule import TICK_SECONDS, schedule_tick


class Command(BaseCommand):
    help = "把到点的定时任务放入队列（--once 运行一次后退出），并处理中断与过期的任务。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="运行一次后退出")

    def handle(self, *args, **options):
        while True:
            for job in schedule_tick():
                self.stdout.write(f"已排队 #{job.pk} {job.title}")
            if options["once"]:
                return
            time.sleep(TICK_SECONDS)
