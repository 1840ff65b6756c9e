"""审核: a claim a 区域录入员 submits, which counts only once a 招商管理员 approves it.

A ``ChangeRequest`` holds the proposed values (field → value, as JSON) of the
fields that count in the figures — the stage and its dates, the amounts, and
for a new project its publication — while the project itself keeps the
approved values. So every public page, figure, report and ranking counts
approved data only without knowing that reviews exist. Written only by
``tracker.services.review``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .fields import HistoricalRecords

REVIEW_PERMISSION = "tracker.review_changerequest"


class ChangeRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")

    project = models.ForeignKey(
        "tracker.Project",
        verbose_name=_("项目"),
        related_name="change_requests",
        on_delete=models.CASCADE,
    )
    changes = models.JSONField(verbose_name=_("申报的变更"), default=dict)
    # The approved values when it was submitted, to show "from → to".
    before = models.JSONField(verbose_name=_("提交时的值"), default=dict)
    is_new_project = models.BooleanField(verbose_name=_("新项目"), default=False)
    note = models.TextField(verbose_name=_("变更说明"), blank=True)
    effective_on = models.DateField(verbose_name=_("变更生效日期"), null=True, blank=True)
    evidence = models.ManyToManyField(
        "tracker.Evidence", verbose_name=_("凭证"), related_name="change_requests", blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        related_name="submitted_change_requests",
        on_delete=models.SET_NULL,
        null=True,
    )
    submitted_at = models.DateTimeField(verbose_name=_("提交时间"), auto_now_add=True)
    status = models.CharField(
        verbose_name=_("审核状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        related_name="decided_change_requests",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(verbose_name=_("审核时间"), null=True, blank=True)
    reason = models.TextField(verbose_name=_("退回原因/审核意见"), blank=True)
    stage_change = models.ForeignKey(
        "tracker.StageChange",
        verbose_name=_("通过后的阶段变更"),
        related_name="change_requests",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    # Filed by a ledger import (an editor's 提交审核 rows): rolling the batch back withdraws it.
    import_batch = models.ForeignKey(
        "tracker.ImportBatch",
        verbose_name=_("导入批次"),
        related_name="change_requests",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = pgettext_lazy("model", "审核申请")
        verbose_name_plural = _("审核申请")
        permissions = [("review_changerequest", _("审核区域录入员提交的变更"))]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="changerequest_status_idx"),
            models.Index(fields=["project", "status"], name="changerequest_project_idx"),
        ]

    def __str__(self):
        return f"{self.project_id} {self.get_status_display()} {self.submitted_at:%Y-%m-%d}"
