"""Run a background worker for the configured backend, with the scheduler beside it.

    python manage.py jobs_worker [--no-schedule] [--batch] [--queue default|figures]

- ``TASKS_BACKEND=database`` (default): django-tasks-db's ``db_worker``.
- ``TASKS_BACKEND=redis``: django-rq's ``rqworker`` with django-tasks-rq's job class.

Without ``--queue`` it serves every queue (``settings.JOB_QUEUES``): "default" in this
process and "figures" (the public figures' recompute) in a child process beside it, so a
recompute never waits behind a long import or open-data build. The child stops with it
(and, on Linux, when this process is killed). ``--batch`` works through both queues in
this one process and exits.

It runs at ``settings.JOBS_NICE`` (default 10), below the web server's priority.
Before taking work it recovers jobs whose worker died (``jobs_recover``).
Unless ``--no-schedule``, a thread enqueues the timetable's jobs
(``tracker.jobs.schedule``) and recovers lost jobs every minute; several
workers may all run it, each entry still runs once a day. Stop with Ctrl-C
or SIGTERM: the running job is stopped, its transaction rolled back, and the
next worker start re-queues it.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

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
        parser.add_argument(
            "--queue",
            choices=settings.JOB_QUEUES,
            help="只处理这一个队列（默认：全部，figures 队列在旁边的子进程中）",
        )

    def handle(self, *args, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend not in ("django_tasks_rq.RQBackend", "django_tasks_db.DatabaseBackend"):
            self.stdout.write("TASKS_BACKEND=immediate：任务在调用处直接运行，无需工作进程。")
            return
        _lower_priority(settings.JOBS_NICE)
        for job in jobs_recover():
            self.stderr.write(f"任务 #{job.pk} 的工作进程已中断：{job.title}")
        scheduler = None
        if not options["no_schedule"] and not options["batch"]:
            scheduler = SchedulerThread()
            scheduler.start()
        verbosity = options["verbosity"]
        queues = [options["queue"]] if options["queue"] else list(settings.JOB_QUEUES)
        beside = []
        try:
            if not options["queue"] and not options["batch"]:
                # This process keeps "default"; every other queue gets a child of its own.
                queues, others = queues[:1], queues[1:]
                beside = [_start_beside(queue, verbosity) for queue in others]
            if backend == "django_tasks_rq.RQBackend":
                call_command(
                    "rqworker",
                    *queues,
                    job_class="django_tasks_rq.Job",
                    burst=options["batch"],
                    verbosity=verbosity,
                )
            else:
                call_command(
                    "db_worker",
                    queue_name=",".join(queues),
                    batch=options["batch"],
                    reload=False,
                    verbosity=verbosity,
                )
        finally:
            if scheduler is not None:
                scheduler.stopped.set()
            for process in beside:
                _stop(process)


def _lower_priority(nice: int) -> None:
    """Run at niceness ``nice`` at least; a child of a worker already has it (inherited)."""
    if nice > 0 and hasattr(os, "setpriority"):
        current = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, 0, max(current, min(nice, 19)))


def _die_with_parent():  # runs in the child before it starts (Linux: prctl PR_SET_PDEATHSIG)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def _start_beside(queue: str, verbosity: int) -> subprocess.Popen:
    """A worker for ``queue`` in a child process (same settings, environment and group)."""
    manage = Path(settings.BASE_DIR) / "manage.py"
    command = [sys.executable, str(manage), "jobs_worker", "--queue", queue, "--no-schedule"]
    return subprocess.Popen(
        [*command, f"--verbosity={verbosity}"],
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # the worker finishes or rolls back its job, as on Ctrl-C
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
