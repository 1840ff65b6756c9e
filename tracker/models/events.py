"""Investment-promotion events (招商活动) and the totals they declared."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import EventKind
from ..links import page_url
from .fields import HistoricalRecords, amount_field
from .partners import Organization
from .places import Region


class EventQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def with_public_project_count(self):
        return self.annotate(
            public_project_count=models.Count("projects", filter=Q(projects__is_public=True))
        )


class Event(models.Model):
    """An investment-promotion event (招商活动) and the totals it declared when published.

    ``declared_*`` are what the event announced ("签约项目14个，总投资142亿元");
    they are never computed from, nor added to, the amounts of its projects.
    """

    name = models.CharField(
        verbose_name=_("名称"),
        max_length=200,
    )
    slug = models.SlugField(
        verbose_name=_("短标识"),
        max_length=100,
        unique=True,
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=20,
        choices=EventKind.choices,
    )
    city = models.CharField(
        verbose_name=_("举办城市"),
        max_length=50,
        blank=True,
    )
    venue = models.CharField(
        verbose_name=_("地点"),
        max_length=200,
        blank=True,
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("牵头区域"),
        related_name="events",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    organisers = models.ManyToManyField(
        Organization,
        verbose_name=_("主办/承办方"),
        related_name="organised_events",
        blank=True,
    )
    start_date = models.DateField(
        verbose_name=_("开始日期"),
        null=True,
        blank=True,
    )
    end_date = models.DateField(
        verbose_name=_("结束日期"),
        null=True,
        blank=True,
    )
    declared_signed_count = models.PositiveIntegerField(
        verbose_name=_("公布签约项目数"),
        null=True,
        blank=True,
    )
    declared_signed_investment = amount_field(_("公布签约总投资（万元）"))
    declared_promoted_count = models.PositiveIntegerField(
        verbose_name=_("公布推介项目数"),
        null=True,
        blank=True,
    )
    declared_promoted_investment = amount_field(_("公布推介总投资（万元）"))
    summary = models.TextField(
        verbose_name=_("概况"),
        blank=True,
    )
    note = models.TextField(
        verbose_name=_("内部备注"),
        blank=True,
    )
    history = HistoricalRecords()

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = pgettext_lazy("model", "招商活动")
        verbose_name_plural = _("招商活动")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="event_end_not_before_start",
            ),
        ]

    def __str__(self):
        return self.name

    # Its public page (tracker.links.page_url), for list rows read as values too.
    page_route = ("tracker:event_detail", "slug")

    def get_absolute_url(self):
        return page_url(self)

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})
