"""Press reports (新闻稿导入): a pasted article, its candidate records, and what confirming wrote."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import DatePrecision
from .sources import Source


class PressReport(models.Model):
    """One report pasted or uploaded by a clerk, read into candidates, confirmed in one batch.

    ``candidates`` is the extractor's reading (``tracker.press.Extraction.as_json``)
    as the clerk last edited it. ``created`` lists, per model, the ids the
    confirm wrote, so a rollback deletes exactly those rows and nothing else.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("待确认")
        CONFIRMED = "confirmed", _("已导入")
        ROLLED_BACK = "rolled_back", _("已撤销")

    title = models.CharField(verbose_name=_("标题"), max_length=200)
    text = models.TextField(verbose_name=_("原文"))
    file_name = models.CharField(verbose_name=_("上传文件名"), max_length=255, blank=True)
    published_on = models.DateField(verbose_name=_("发布日期"), null=True, blank=True)
    published_on_precision = models.CharField(
        verbose_name=_("发布日期精度"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    publisher = models.CharField(verbose_name=_("发布媒体"), max_length=100, blank=True)
    candidates = models.JSONField(verbose_name=_("候选记录"), default=dict, blank=True)
    status = models.CharField(
        verbose_name=_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("来源文章"),
        related_name="press_reports",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created = models.JSONField(verbose_name=_("本批新建记录"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        related_name="press_reports",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(verbose_name=_("录入时间"), auto_now_add=True)
    confirmed_at = models.DateTimeField(verbose_name=_("导入时间"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(verbose_name=_("撤销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("model", "新闻稿导入")
        verbose_name_plural = _("新闻稿导入")
        permissions = [("confirm_pressreport", _("可确认或撤销新闻稿导入"))]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def change_reason(self) -> str:
        """What each historical row this report's confirm writes says (100 characters at most)."""
        return f"新闻稿导入 #{self.pk}：{self.title}"[:100]
