"""The follow-up workflow: a project's dated stage changes and its progress reports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import Stage, Status
from .fields import HistoricalRecords
from .staff import ImportBatch


class StageChange(models.Model):
    """A dated change of a project's stage and/or status: the project's timeline.

    ``effective_on`` is when the change took effect (may be back-dated, never
    in the future); ``recorded_at`` is when it was written. Written only by
    ``tracker.services`` and the ledger import, never edited afterwards.
    """

    project = models.ForeignKey(
        "tracker.Project",
        verbose_name=_("项目"),
        related_name="stage_changes",
        on_delete=models.CASCADE,
    )
    from_stage = models.CharField(
        verbose_name=_("原阶段"), max_length=20, choices=Stage.choices, blank=True
    )
    to_stage = models.CharField(
        verbose_name=_("新阶段"), max_length=20, choices=Stage.choices, blank=True
    )
    from_status = models.CharField(
        verbose_name=_("原状态"), max_length=20, choices=Status.choices, blank=True
    )
    to_status = models.CharField(
        verbose_name=_("新状态"), max_length=20, choices=Status.choices, blank=True
    )
    effective_on = models.DateField(verbose_name=_("生效日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        related_name="recorded_stage_changes",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField(verbose_name=_("记录时间"), auto_now_add=True)
    note = models.TextField(verbose_name=_("说明/原因"), blank=True)
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("导入批次"),
        related_name="stage_changes",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["project", "effective_on", "pk"]
        verbose_name = pgettext_lazy("model", "阶段变更")
        verbose_name_plural = _("阶段变更")
        indexes = [
            models.Index(
                fields=["project", "to_stage", "effective_on"], name="stagechange_into_idx"
            ),
        ]

    def __str__(self):
        stage = self.get_to_stage_display() if self.stage_changed else self.get_to_status_display()
        return f"{self.effective_on:%Y-%m-%d} {stage}"

    @property
    def stage_changed(self) -> bool:
        return self.from_stage != self.to_stage

    @property
    def status_changed(self) -> bool:
        return self.from_status != self.to_status


class ProgressReport(models.Model):
    """A dated progress entry (进展) on a project. Internal: never published."""

    project = models.ForeignKey(
        "tracker.Project",
        verbose_name=_("项目"),
        related_name="progress_reports",
        on_delete=models.CASCADE,
    )
    reported_on = models.DateField(verbose_name=_("报告日期"))
    progress = models.TextField(verbose_name=_("本期进展"))
    problems = models.TextField(verbose_name=_("问题和建议"), blank=True)
    next_steps = models.TextField(verbose_name=_("下一步"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        related_name="progress_reports",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(verbose_name=_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "-reported_on", "-pk"]
        verbose_name = pgettext_lazy("model", "项目进展")
        verbose_name_plural = _("项目进展")
        indexes = [
            models.Index(fields=["project", "reported_on"], name="progress_project_date_idx"),
        ]

    def __str__(self):
        return f"{self.reported_on:%Y-%m-%d}"
