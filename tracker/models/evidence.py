"""Evidence (凭证): files that prove a project's claim — a contract, a permit, a photo.

Stored through Django's storage API (``default_storage``: local files under
the private ``MEDIA_ROOT`` by default, any django-storages backend in
production) under ``evidence/<project id>/`` with a random name, so the
stored name says nothing and cannot be guessed. Nothing serves these files:
staff download them through the admin view that checks who may see the
project (``tracker.admin.evidence``). The original name, size and SHA-256 are
kept so a file can be recognised and checked later.
"""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..requirements import EvidenceKind
from .fields import HistoricalRecords


def evidence_upload_path(instance, filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower()[:10]
    return f"evidence/{instance.project_id}/{secrets.token_hex(16)}{suffix}"


class Evidence(models.Model):
    project = models.ForeignKey(
        "tracker.Project",
        verbose_name=_("项目"),
        related_name="evidence",
        on_delete=models.CASCADE,
    )
    stage_change = models.ForeignKey(
        "tracker.StageChange",
        verbose_name=_("阶段变更"),
        related_name="evidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    kind = models.CharField(verbose_name=_("凭证类型"), max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(verbose_name=_("标题"), max_length=200)
    document_on = models.DateField(verbose_name=_("文件日期"), null=True, blank=True)
    file = models.FileField(verbose_name=_("文件"), upload_to=evidence_upload_path, max_length=300)
    original_name = models.CharField(verbose_name=_("原文件名"), max_length=255, editable=False)
    content_type = models.CharField(verbose_name=_("文件类型"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(verbose_name=_("大小（字节）"), editable=False)
    sha256 = models.CharField(verbose_name="SHA-256", max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        related_name="uploaded_evidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
    )
    uploaded_at = models.DateTimeField(verbose_name=_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "-uploaded_at", "-pk"]
        verbose_name = pgettext_lazy("model", "凭证")
        verbose_name_plural = _("凭证")
        indexes = [models.Index(fields=["project", "kind"], name="evidence_project_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"
