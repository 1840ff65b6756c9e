"""Source documents (来源文章) and the quotes in them that records cite."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import DatePrecision
from ..text import normalize_name
from .events import Event
from .fields import HistoricalRecords
from .partners import Organization
from .places import Region
from .projects import Project


class SourceQuerySet(models.QuerySet):
    def get_by_natural_key(self, file):
        return self.get(file=file)


class Source(models.Model):
    """A source document (one newspaper article) that records cite; the file lives in ``seeds/``."""

    file = models.CharField(
        verbose_name=_("文件"),
        max_length=100,
        unique=True,
        help_text=_("seeds/ 目录下的文件名。"),
    )
    title = models.CharField(
        verbose_name=_("标题"),
        max_length=200,
    )
    publisher = models.CharField(
        verbose_name=_("发布媒体"),
        max_length=100,
        blank=True,
    )
    published_on = models.DateField(
        verbose_name=_("发布日期"),
        null=True,
        blank=True,
    )
    published_on_precision = models.CharField(
        verbose_name=_("发布日期精度"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("涉及区域"),
        related_name="sources",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    note = models.TextField(
        verbose_name=_("说明"),
        blank=True,
    )

    history = HistoricalRecords()

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["file"]
        verbose_name = pgettext_lazy("model", "来源文章")
        verbose_name_plural = _("来源文章")

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.file,)

    @property
    def path(self):
        return settings.SEEDS_DIR / self.file


class CitationQuerySet(models.QuerySet):
    def get_by_natural_key(self, source_file, project_code, event_slug, organization_name, quote):
        return self.get(
            source__file=source_file,
            project__code=project_code,
            event__slug=event_slug,
            organization__name_key=normalize_name(organization_name) if organization_name else None,
            quote=quote,
        )


class Citation(models.Model):
    """The sentence in a source that supports one record (a project, an event or a partner)."""

    source = models.ForeignKey(
        Source,
        verbose_name=_("来源文章"),
        related_name="citations",
        on_delete=models.PROTECT,
    )
    quote = models.TextField(
        verbose_name=_("原文引述"),
        help_text=_("逐字摘自原文的句子。"),
    )
    headline = models.CharField(
        verbose_name=_("所在报道标题"),
        max_length=200,
        blank=True,
        help_text=_("来源含多篇报道时，引述所在报道的原标题；只有一篇或为图片说明时留空。"),
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        related_name="citations",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("招商活动"),
        related_name="citations",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("合作方"),
        related_name="citations",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )

    history = HistoricalRecords()

    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["source", "pk"]
        verbose_name = pgettext_lazy("model", "引述")
        verbose_name_plural = _("引述")
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False, event__isnull=True, organization__isnull=True)
                | Q(project__isnull=True, event__isnull=False, organization__isnull=True)
                | Q(project__isnull=True, event__isnull=True, organization__isnull=False),
                name="citation_exactly_one_subject",
            ),
        ]

    def __str__(self):
        return f"{self.source}: {self.quote[:30]}…"

    def natural_key(self):
        return (
            self.source.file,
            self.project.code if self.project_id else None,
            self.event.slug if self.event_id else None,
            self.organization.name if self.organization_id else None,
            self.quote,
        )

    natural_key.dependencies = [
        "tracker.source",
        "tracker.project",
        "tracker.event",
        "tracker.organization",
    ]

    def clean(self):
        subjects = [self.project_id, self.event_id, self.organization_id]
        if sum(s is not None for s in subjects) != 1:
            raise ValidationError(_("引述必须且只能对应一个项目、活动或合作方。"))
