"""Background jobs as staff see them: who started what, how far it got, what it made.

Django's task framework (``django-tasks``) queues and runs the work; it knows
a task's status but not its progress, its log or the file it wrote, and a
worker killed mid-task leaves the database backend's row "running" for
ever. A ``Job`` is the tracker's own record of one piece of work, kept
beside the framework's: ``tracker.jobs`` creates it, enqueues one task for
it, and the task claims it (once, however often it is delivered), reports
progress, and finishes or fails it.

``dedupe_key`` makes "the same job enqueued twice" one job: while one job
with a key is queued or running, enqueuing the key again returns that job.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Job.ACTIVE)

    def finished(self):
        return self.exclude(status__in=Job.ACTIVE)


class JobKind(models.TextChoices):
    LEDGER_IMPORT = "ledger_import", _("台账导入")
    OPEN_DATA = "open_data", _("开放数据文件")
    PERFORMANCE_REPORT = "performance_report", _("推进效率报表")
    MONTHLY_REPORT = "monthly_report", _("月报")
    ALERTS = "alerts", _("每日预警")
    STATS = "stats", _("公开统计预计算")


def job_kinds():
    # A callable, so a new kind of job needs no migration (the column is free text).
    return JobKind.choices


class Job(models.Model):
    Kind = JobKind

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(verbose_name=_("类型"), max_length=32, choices=job_kinds)
    title = models.CharField(verbose_name=_("名称"), max_length=200)
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=10,
        choices=Status.choices,
        default=Status.QUEUED,
        db_index=True,
    )
    params = models.JSONField(verbose_name=_("参数"), default=dict, blank=True)
    dedupe_key = models.CharField(
        verbose_name=_("去重键"),
        max_length=200,
        blank=True,
        help_text=_("同一键的任务排队或运行时，不会再排一个。"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        related_name="jobs",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    import_batch = models.ForeignKey(
        "tracker.ImportBatch",
        verbose_name=_("导入批次"),
        related_name="jobs",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    task_id = models.CharField(verbose_name=_("任务编号"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(verbose_name=_("已尝试次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(verbose_name=_("最多尝试次数"), default=2)
    worker = models.CharField(verbose_name=_("工作进程"), max_length=200, blank=True)
    done = models.PositiveIntegerField(verbose_name=_("已完成"), default=0)
    total = models.PositiveIntegerField(verbose_name=_("总数"), default=0)
    log = models.TextField(verbose_name=_("日志"), blank=True)
    result = models.JSONField(verbose_name=_("结果"), default=dict, blank=True)
    result_file = models.CharField(
        verbose_name=_("结果文件"),
        max_length=300,
        blank=True,
        help_text=_("存储中的路径（非公开）。"),
    )
    error = models.TextField(verbose_name=_("错误"), blank=True)
    created_at = models.DateTimeField(verbose_name=_("排队时间"), auto_now_add=True)
    started_at = models.DateTimeField(verbose_name=_("开始时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(verbose_name=_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(verbose_name=_("结束时间"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("model", "后台任务")
        verbose_name_plural = _("后台任务")
        constraints = [
            # One queued-or-running job per key: the database, not a race, decides.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=["queued", "running"]) & ~Q(dedupe_key=""),
                name="job_one_active_per_key",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def result_name(self) -> str:
        return self.result_file.rsplit("/", 1)[-1] if self.result_file else ""
