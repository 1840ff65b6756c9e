"""Projects (项目): how far each has come, and the queries the lists, alerts and totals share."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Case,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import DatePrecision, Stage, Status
from ..links import page_url
from .alerts import days_between, flag
from .events import Event
from .fields import HistoricalRecords, ImportedHistory, amount_field
from .partners import Organization
from .places import Industry, Region
from .workflow import ProgressReport, StageChange


def totals_aggregates() -> dict:
    """The figures every selection shows: for ``aggregate()``, or per group with ``annotate()``."""
    return {
        "count": models.Count("pk"),
        "disclosed_total": Sum("investment"),
        "undisclosed": models.Count("pk", filter=Q(investment__isnull=True)),
    }


# A project's amount (or band) and its dates at their precision, in the order every list,
# export and form of them gives them.
AMOUNT_FIELDS = ("investment", "investment_low", "investment_high", "investment_approximate")
DATE_FIELDS = (
    "signed_on",
    "signed_on_precision",
    "started_on",
    "started_on_precision",
    "operating_on",
    "operating_on_precision",
)

# Columns of a list row's project, region and event that no list or figure reads.
LIST_UNSHOWN = (
    "note",
    "leader",
    "leader_user",
    "responsible_unit",
    "unit_contact",
    "created_at",
    "updated_at",
    "region__description",
    "event__summary",
    "event__note",
    "event__venue",
)


class ProjectQuerySet(models.QuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)

    def public(self):
        """What the public may see: projects marked public."""
        return self.filter(is_public=True)

    def in_region(self, region):
        """Projects in ``region`` or any region below it."""
        return self.filter(region_id__in=Region.objects.subtree_ids(region))

    def for_list(self):
        """Rows ready for a list: every foreign key a row shows, fetched in the same query,
        without the columns no list shows (internal notes and owners, long texts of the
        region and event, the row's own timestamps, which PostgreSQL's rows hand to Python
        to parse one by one)."""
        return self.select_related("region", "industry", "event").defer(*LIST_UNSHOWN)

    # --- Follow-up workflow: derived durations and alerts

    def with_durations(self):
        """Annotate the signing date and the days from signing to construction and operation.

        ``signed_date`` is ``signed_on`` or else the first change into 已签约;
        ``construction_date`` / ``operation_date`` are ``started_on`` /
        ``operating_on`` where staff typed them (the form, a ledger's 开工日期 and
        投产日期), else the first changes into 在建/落地 and 已投产 (``StageChange``).
        ``days_to_construction`` / ``days_to_operation`` are whole days (``None``
        when either end is unknown).
        """

        def first_into(stage):
            return Subquery(
                StageChange.objects.filter(project=OuterRef("pk"), to_stage=stage)
                .order_by("effective_on", "pk")
                .values("effective_on")[:1],
                output_field=models.DateField(),
            )

        qs = self.annotate(
            signed_date=Coalesce(F("signed_on"), first_into(Stage.SIGNED)),
            construction_date=Coalesce(F("started_on"), first_into(Stage.CONSTRUCTION)),
            operation_date=Coalesce(F("operating_on"), first_into(Stage.OPERATING)),
        )
        return qs.annotate(
            days_to_construction=days_between("signed_date", "construction_date"),
            days_to_operation=days_between("signed_date", "operation_date"),
        )

    def with_alerts(self, *, today=None):
        """Annotate one boolean per alert rule, plus ``alert_count`` and ``last_report_on``.

        Thresholds come from settings (``ALERT_SIGNED_NOT_STARTED_DAYS``,
        ``ALERT_NO_PROGRESS_DAYS``). A fixed number of subqueries whatever the
        number of rows.
        """
        today = today or timezone.localdate()
        signed_limit = today - timedelta(days=settings.ALERT_SIGNED_NOT_STARTED_DAYS)
        progress_limit = today - timedelta(days=settings.ALERT_NO_PROGRESS_DAYS)
        first_signed = Subquery(
            StageChange.objects.filter(project=OuterRef("pk"), to_stage=Stage.SIGNED)
            .order_by("effective_on", "pk")
            .values("effective_on")[:1],
            output_field=models.DateField(),
        )
        last_report = Subquery(
            ProgressReport.objects.filter(project=OuterRef("pk"))
            .order_by("-reported_on", "-pk")
            .values("reported_on")[:1],
            output_field=models.DateField(),
        )
        open_ = ~Q(status__in=[Status.CANCELLED, Status.LOST])
        qs = self.annotate(
            alert_signed_date=Coalesce(F("signed_on"), first_signed),
            last_report_on=last_report,
        )
        conditions = {
            "alert_not_started": open_ & Q(stage=Stage.SIGNED, alert_signed_date__lt=signed_limit),
            "alert_overdue": open_ & Q(stage=Stage.CONSTRUCTION, planned_operation_on__lt=today),
            "alert_no_progress": open_
            & ~Q(stage=Stage.OPERATING)
            & (
                Q(last_report_on__lt=progress_limit)
                | Q(last_report_on__isnull=True, created_at__date__lt=progress_limit)
            ),
            "alert_status": Q(status__in=[Status.DELAYED, Status.STALLED]),
        }
        # CASE, not the bare comparison: a comparison with NULL is NULL, not false.
        return qs.annotate(
            **{name: flag(condition) for name, condition in conditions.items()},
            alert_count=sum(
                (
                    Case(When(condition, then=Value(1)), default=Value(0))
                    for condition in conditions.values()
                ),
                Value(0),
            ),
        )

    def needing_attention(self, *, today=None):
        """Projects with at least one alert, the most alerts first."""
        return (
            self.with_alerts(today=today).filter(alert_count__gt=0).order_by("-alert_count", "code")
        )

    def with_alert(self, name: str, *, today=None):
        """Projects raising alert ``name`` (one of ``ALERT_FIELDS``, or "any")."""
        qs = self.with_alerts(today=today)
        if name == "any":
            return qs.filter(alert_count__gt=0)
        return qs.filter(**{name: True})

    def responsible(self, user):
        """Projects ``user`` follows as leader or unit contact."""
        return self.filter(Q(leader_user=user) | Q(unit_contact=user))

    def with_review_basis(self):
        """Annotate ``approved_on``: when a 招商管理员 last approved a claim (None: never)."""
        from .review import ChangeRequest

        return self.annotate(
            approved_on=Subquery(
                ChangeRequest.objects.filter(
                    project=OuterRef("pk"), status=ChangeRequest.Status.APPROVED
                )
                .order_by("-decided_at")
                .values("decided_at")[:1]
            )
        )

    def signed_in_year(self, year: int):
        return self.filter(signed_on__year=year)

    def totals(self) -> dict:
        """Count, disclosed total (万元) and count of undisclosed amounts, in one query."""
        return self.aggregate(**totals_aggregates())


class Project(models.Model):
    """An investment project the district courts or has signed (项目), with how far it has come.

    ``investment`` is the total investment in 万元 that a source states for this
    project; ``None`` when undisclosed. A band ("1000万元至1亿元") goes in
    ``investment_low``/``investment_high``.
    """

    code = models.CharField(
        verbose_name=_("项目编号"),
        max_length=20,
        unique=True,
        help_text=_("例如 JZ-2020-0007；用于网址和台账表格。"),
    )
    name = models.CharField(
        verbose_name=_("项目名称"),
        max_length=200,
    )
    summary = models.TextField(
        verbose_name=_("建设内容"),
        blank=True,
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        related_name="projects",
        on_delete=models.PROTECT,
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("产业类别"),
        related_name="projects",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    stage = models.CharField(
        verbose_name=_("项目阶段"),
        max_length=20,
        choices=Stage.choices,
        default=Stage.LEAD,
    )
    status = models.CharField(
        verbose_name=_("项目状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.ON_TRACK,
    )
    investment = amount_field(_("总投资（万元）"), help_text=_("留空表示未披露；不要填 0。"))
    investment_low = amount_field(_("投资下限（万元）"))
    investment_high = amount_field(_("投资上限（万元）"))
    # 约2亿元: the source gives a round figure, not an exact one; shown as 约… everywhere.
    investment_approximate = models.BooleanField(
        verbose_name=_("总投资为约数"),
        default=False,
        help_text=_("来源写的是“约、近、左右”等约数时勾选，显示为“约…”。"),
    )
    signed_on = models.DateField(
        verbose_name=_("签约日期"),
        null=True,
        blank=True,
    )
    signed_on_precision = models.CharField(
        verbose_name=_("签约日期精度"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    started_on = models.DateField(
        verbose_name=_("开工日期"),
        null=True,
        blank=True,
    )
    started_on_precision = models.CharField(
        verbose_name=_("开工日期精度"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    operating_on = models.DateField(
        verbose_name=_("投产日期"),
        null=True,
        blank=True,
    )
    operating_on_precision = models.CharField(
        verbose_name=_("投产日期精度"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("签约活动"),
        related_name="projects",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    partners = models.ManyToManyField(
        Organization,
        verbose_name=_("合作方"),
        related_name="projects",
        through="ProjectPartner",
        blank=True,
    )
    leader = models.CharField(
        verbose_name=_("包联领导"),
        max_length=50,
        blank=True,
    )
    responsible_unit = models.CharField(
        verbose_name=_("责任单位"),
        max_length=100,
        blank=True,
    )
    leader_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包联领导/首席服务官（账号）"),
        related_name="led_projects",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("负责跟踪本项目的工作人员账号；“我的项目”据此列出。"),
    )
    unit_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任单位联系人（账号）"),
        related_name="unit_projects",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    planned_operation_on = models.DateField(
        verbose_name=_("计划投产日期"),
        null=True,
        blank=True,
    )
    # Not public until someone publishes it: a lead typed in must not reach the public site.
    is_public = models.BooleanField(
        verbose_name=_("是否公开"),
        default=False,
    )
    note = models.TextField(
        verbose_name=_("内部备注"),
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("更新时间"),
        auto_now=True,
    )
    history = HistoricalRecords(excluded_fields=["updated_at"], bases=[ImportedHistory])

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = pgettext_lazy("model", "项目")
        verbose_name_plural = _("项目")
        permissions = [
            ("import_ledger", _("可导入项目台账")),
            ("export_ledger", _("可导出项目台账")),
            ("edit_all_regions", _("可编辑所有区域的项目")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(investment__isnull=True) | Q(investment__gt=0),
                name="project_investment_positive",
            ),
            models.CheckConstraint(
                condition=Q(investment_low__isnull=True) | Q(investment_low__gte=0),
                name="project_investment_low_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(investment_low__isnull=True)
                | Q(investment_high__isnull=True)
                | Q(investment_low__lte=models.F("investment_high")),
                name="project_investment_band_ordered",
            ),
        ]
        indexes = [
            # Partial indexes over public rows only: the public site filters on a bare
            # "is_public", which SQLite cannot match to a leading is_public column.
            # PostgreSQL also gets descending NULLS LAST twins (migration 0004).
            models.Index(
                fields=["signed_on", "id"],
                condition=Q(is_public=True),
                name="project_pub_signed_idx",
            ),
            # A filter's columns, then the default order (code): the page's ids are
            # read from the index alone, already sorted when one value is asked for.
            models.Index(
                fields=["stage", "code"],
                condition=Q(is_public=True),
                name="project_pub_stage_code_idx",
            ),
            models.Index(
                fields=["region", "stage", "code"],
                condition=Q(is_public=True),
                name="project_pub_region_stage_idx",
            ),
            models.Index(
                fields=["investment", "id"],
                condition=Q(is_public=True),
                name="project_pub_amount_idx",
            ),
            models.Index(
                fields=["name", "id"], condition=Q(is_public=True), name="project_pub_name_idx"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    # Its public page (tracker.links.page_url), for list rows read as values too.
    page_route = ("tracker:project_detail", "code")

    def get_absolute_url(self):
        return page_url(self)

    def natural_key(self):
        return (self.code,)

    @property
    def stage_rank(self) -> int:
        return Stage.rank(self.stage)

    def clean(self):
        errors = {}
        if self.investment is not None and self.investment <= 0:
            errors["investment"] = _("总投资必须大于 0；未披露请留空。")
        for field in ("investment_low", "investment_high"):
            value = getattr(self, field)
            if value is not None and value < 0:
                errors[field] = _("金额不能为负数。")
        low, high = self.investment_low, self.investment_high
        if low is not None and high is not None and low > high:
            errors["investment_high"] = _("投资上限不能小于下限。")
        if errors:
            raise ValidationError(errors)
