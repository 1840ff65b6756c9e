"""The staff workspace: who may edit which regions, and each upload of the 项目台账."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .fields import HistoricalRecords
from .places import Region


class RegionAssignment(models.Model):
    """A region a 区域录入员 may edit; the regions below it come with it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        related_name="region_assignments",
        on_delete=models.CASCADE,
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("区域"),
        related_name="assignments",
        on_delete=models.CASCADE,
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "region"]
        verbose_name = pgettext_lazy("model", "区域分工")
        verbose_name_plural = _("区域分工")
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="region_assignment_unique"),
        ]

    def __str__(self):
        return f"{self.user} → {self.region}"


class ImportBatch(models.Model):
    """One upload of the 项目台账: who sent which file, what it changed, and its preview.

    The uploaded bytes are kept in the database between preview and confirm
    (several app servers share one database, not one disk) and dropped once
    the batch is applied or discarded. ``preview_digest`` fingerprints what
    the preview showed; confirming re-plans the same bytes and refuses if the
    fingerprint differs, so what is written is exactly what was previewed.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("已预览，待确认")
        APPLIED = "applied", _("已导入")
        REJECTED = "rejected", _("有错误，未导入")
        DISCARDED = "discarded", _("已放弃")
        ROLLED_BACK = "rolled_back", _("已撤销")

    class Origin(models.TextChoices):
        ADMIN = "admin", _("管理后台")
        COMMAND = "command", _("命令行")

    token = models.UUIDField(
        verbose_name=_("令牌"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
    )
    file_name = models.CharField(
        verbose_name=_("文件名"),
        max_length=255,
    )
    file_size = models.PositiveIntegerField(
        verbose_name=_("文件大小（字节）"),
        default=0,
    )
    file_sha256 = models.CharField(
        verbose_name=_("文件 SHA-256"),
        max_length=64,
        blank=True,
    )
    content = models.BinaryField(
        verbose_name=_("待确认的文件内容"),
        null=True,
        blank=True,
        editable=False,
    )
    preview_digest = models.CharField(
        verbose_name=_("预览指纹"),
        max_length=64,
        blank=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        related_name="import_batches",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    source = models.CharField(
        verbose_name=_("来源"),
        max_length=10,
        choices=Origin.choices,
        default=Origin.ADMIN,
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=12,
        choices=Status.choices,
        default=Status.PREVIEWED,
    )
    row_count = models.PositiveIntegerField(verbose_name=_("数据行数"), default=0)
    created_count = models.PositiveIntegerField(verbose_name=_("新增"), default=0)
    updated_count = models.PositiveIntegerField(verbose_name=_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(verbose_name=_("未变"), default=0)
    submitted_count = models.PositiveIntegerField(verbose_name=_("提交审核"), default=0)
    error_count = models.PositiveIntegerField(verbose_name=_("错误行"), default=0)
    organizations_created = models.PositiveIntegerField(
        verbose_name=_("新建合作方"),
        default=0,
    )
    created_at = models.DateTimeField(
        verbose_name=_("上传时间"),
        auto_now_add=True,
    )
    applied_at = models.DateTimeField(
        verbose_name=_("导入时间"),
        null=True,
        blank=True,
    )
    rolled_back_at = models.DateTimeField(
        verbose_name=_("撤销时间"),
        null=True,
        blank=True,
    )
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("model", "台账导入批次")
        verbose_name_plural = _("台账导入批次")
        permissions = [("rollback_importbatch", _("可以整批撤销台账导入"))]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    @property
    def change_reason(self) -> str:
        """What each historical row written by this batch says (the column holds 100 characters)."""
        return f"台账导入 #{self.pk}：{self.file_name}"[:100]
