"""Run a background worker for the configured backend, with the scheduler beside it.

    python manage.py jobs_worker [--no-schedule] [--batch]

- ``TASKS_BACKEND=database`` (default): django-tasks-db's ``db_worker``.
- ``TASKS_BACKEND=redis``: django-rq's ``rqworker`` with django-tasks-rq's job class.

Before taking work it recovers jobs whose worker died (``jobs_recover``).
Unless ``--no-schedule``, a thread enqueues the timetable's jobs
(``tracker.jobs.schedule``) and recovers lost jobs every minute; several
workers may all run it, each entry still runs once a day. Stop with Ctrl-C
or SIGTERM: the running job is stopped, its transaction rolled back, and the
next worker start re-queues it.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tracker.jobs import jobs_recover
from tracker.jobs.schedule import SchedulerThread


class Command(BaseCommand):
    help = "运行后台任务进程（按 TASKS_BACKEND 选择数据库或 Redis），并同时运行定时任务。"

    def add_arguments(self, parser):
        parser.add_argument("--no-schedule", action="store_true", help="不在此进程运行定时任务")
        parser.add_argument("--batch", action="store_true", help="做完排队的任务就退出")

    def handle(self, *args, **options):
        for job in jobs_recover():
            self.stderr.write(f"任务 #{job.pk} 的工作进程已中断：{job.title}")
        scheduler = None
        if not options["no_schedule"] and not options["batch"]:
            scheduler = SchedulerThread()
            scheduler.start()
        backend = settings.TASKS["default"]["BACKEND"]
        verbosity = options["verbosity"]
        try:
            if backend == "django_tasks_rq.RQBackend":
                call_command(
                    "rqworker",
                    "default",
                    job_class="django_tasks_rq.Job",
                    burst=options["batch"],
                    verbosity=verbosity,
                )
            elif backend == "django_tasks_db.DatabaseBackend":
                call_command(
                    "db_worker",
                    batch=options["batch"],
                    reload=False,
                    verbosity=verbosity,
                )
            else:
                self.stdout.write("TASKS_BACKEND=immediate：任务在调用处直接运行，无需工作进程。")
        finally:
            if scheduler is not None:
                scheduler.stopped.set()
