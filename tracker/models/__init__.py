"""The tracker's domain: where projects are, who they are with, and what says so.

Amounts are in 万元 as ``Decimal``; ``None`` means undisclosed and is never
replaced by 0 or by a figure derived from something else. An event's declared
totals are the event's own facts and are never summed with its projects' amounts.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import connection, models
from django.db.models import (
    Case,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .choices import (
    DatePrecision,
    EventKind,
    OrganizationKind,
    PartnerRole,
    RegionKind,
    Stage,
    Status,
)
from .text import credit_code_problem, normalize_name

# 万元 with four decimals: exact to the 元 (0.0001 万元), room for 万亿.
AMOUNT = {"max_digits": 16, "decimal_places": 4}


def amount_field(verbose_name, **extra):
    return models.DecimalField(
        verbose_name=verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        **AMOUNT,
        **extra,
    )


class NameKeyField(models.CharField):
    """A unique comparison key derived from another field by ``normalize_name`` on save."""

    def __init__(self, *args, source="name", **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = normalize_name(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class ImportedHistory(models.Model):
    """Extra columns of the historical tables an import writes to.

    A historical row written by a ledger import points at its ``ImportBatch``;
    rows written by the admin or a command leave it empty. No database
    constraint, like simple-history's own foreign keys: history outlives what
    it points at.
    """

    import_batch = models.ForeignKey(
        "tracker.ImportBatch",
        verbose_name=_("导入批次"),
        related_name="+",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True


# --- Places and sectors -------------------------------------------------------


class RegionQuerySet(models.QuerySet):
    def subtree_ids(self, root) -> list[int]:
        """Ids of ``root`` and every region below it (one query; the tree is small)."""
        root_id = root.pk if isinstance(root, Region) else root
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in Region.objects.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        ids, stack = [], [root_id]
        while stack:
            pk = stack.pop()
            ids.append(pk)
            stack.extend(children.get(pk, ()))
        return ids

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Region(models.Model):
    """A place projects land in: the city, a district or functional zone, or a park within it."""

    name = models.CharField(
        verbose_name=_("名称"),
        max_length=100,
    )
    slug = models.SlugField(
        verbose_name=_("短标识"),
        max_length=100,
        unique=True,
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=20,
        choices=RegionKind.choices,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区域"),
        related_name="children",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    description = models.TextField(
        verbose_name=_("简介"),
        blank=True,
    )
    history = HistoricalRecords()

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("model", "区域")
        verbose_name_plural = _("区域")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:region_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        # Walk up from the proposed parent; meeting ourselves means a cycle.
        node = self.parent
        while node is not None:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("上级区域不能是自身或其下级区域。")})
            node = node.parent


class IndustryQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Industry(models.Model):
    """A sector the bureau courts (教育装备, 数字经济, 新材料 …)."""

    name = models.CharField(
        verbose_name=_("名称"),
        max_length=50,
        unique=True,
    )
    slug = models.SlugField(
        verbose_name=_("短标识"),
        max_length=50,
        unique=True,
    )
    history = HistoricalRecords()

    objects = IndustryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("model", "产业类别")
        verbose_name_plural = _("产业类别")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


# --- Partners -----------------------------------------------------------------


class OrganizationQuerySet(models.QuerySet):
    def get_by_natural_key(self, name):
        return self.get(name_key=normalize_name(name))

    def by_names(self, names) -> dict[str, "Organization"]:
        """Existing organisations for ``names``, keyed by normalised name (one query)."""
        keys = {normalize_name(n) for n in names}
        return {org.name_key: org for org in self.filter(name_key__in=keys)}


class Organization(models.Model):
    """A partner (合作方): an enterprise, university, institute, association, agency …"""

    name = models.CharField(
        verbose_name=_("名称"),
        max_length=200,
    )
    name_key = NameKeyField(
        verbose_name=_("名称比对键"),
        max_length=200,
        unique=True,
        source="name",
        help_text=_("全角/半角括号与空格归一后的名称，用于去重。"),
    )
    short_name = models.CharField(
        verbose_name=_("简称"),
        max_length=50,
        blank=True,
    )
    aliases = models.TextField(
        verbose_name=_("别名"),
        blank=True,
        help_text=_("文中出现的其他写法，每行一个；公开搜索也查别名。"),
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=30,
        choices=OrganizationKind.choices,
        default=OrganizationKind.ENTERPRISE,
    )
    province = models.CharField(
        verbose_name=_("所在省份"),
        max_length=30,
        blank=True,
    )
    city = models.CharField(
        verbose_name=_("所在城市"),
        max_length=30,
        blank=True,
    )
    credit_code = models.CharField(
        verbose_name=_("统一社会信用代码"),
        max_length=18,
        blank=True,
    )
    note = models.TextField(
        verbose_name=_("备注"),
        blank=True,
    )
    history = HistoricalRecords(bases=[ImportedHistory])

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("model", "合作方")
        verbose_name_plural = _("合作方")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="organization_unique_credit_code",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:partner_detail", kwargs={"pk": self.pk})

    def natural_key(self):
        return (self.name,)

    def clean(self):
        errors = {}
        self.credit_code = (self.credit_code or "").strip().upper()
        if self.credit_code and (problem := credit_code_problem(self.credit_code)):
            errors["credit_code"] = _("统一社会信用代码无效：%(problem)s。") % {"problem": problem}
        key = normalize_name(self.name)
        if key and Organization.objects.filter(name_key=key).exclude(pk=self.pk).exists():
            errors["name"] = _("已有同名合作方（全角/半角括号和空格视为相同）。")
        if errors:
            raise ValidationError(errors)


# --- Events -------------------------------------------------------------------


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

    def get_absolute_url(self):
        return reverse("tracker:event_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})


# --- Projects -----------------------------------------------------------------


ALERT_FIELDS = ("alert_not_started", "alert_overdue", "alert_no_progress", "alert_status")
ALERT_LABELS = {
    "alert_not_started": _("签约超期未开工"),
    "alert_overdue": _("在建超期未投产"),
    "alert_no_progress": _("长期未报进展"),
    "alert_status": _("状态滞后/停滞"),
}


def _flag(condition):
    return Case(
        When(condition, then=Value(True)),
        default=Value(False),
        output_field=models.BooleanField(),
    )


def _days_between(start: str, end: str):
    """Whole days from ``start`` to ``end`` (two date expressions), portable across backends."""
    if connection.vendor == "postgresql":
        # date - date is an integer number of days in PostgreSQL.
        return Func(
            F(end),
            F(start),
            template="(%(expressions)s)",
            arg_joiner=" - ",
            output_field=models.IntegerField(),
        )
    return Cast(
        Func(F(end), function="julianday", output_field=models.FloatField())
        - Func(F(start), function="julianday", output_field=models.FloatField()),
        models.IntegerField(),
    )


def totals_aggregates() -> dict:
    """The figures every selection shows: for ``aggregate()``, or per group with ``annotate()``."""
    return {
        "count": models.Count("pk"),
        "disclosed_total": Sum("investment"),
        "undisclosed": models.Count("pk", filter=Q(investment__isnull=True)),
    }


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
        """Rows ready for a list: every foreign key a row shows, fetched in the same query."""
        return self.select_related("region", "industry", "event")

    # --- Follow-up workflow: derived durations and alerts

    def with_durations(self):
        """Annotate the signing date and the days from signing to construction and operation.

        ``signed_date`` is ``signed_on`` or else the first change into 已签约;
        ``construction_date`` / ``operation_date`` are the first changes into
        在建/落地 and 已投产 (from ``StageChange``, never typed in).
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
            construction_date=first_into(Stage.CONSTRUCTION),
            operation_date=first_into(Stage.OPERATING),
        )
        return qs.annotate(
            days_to_construction=_days_between("signed_date", "construction_date"),
            days_to_operation=_days_between("signed_date", "operation_date"),
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
            **{name: _flag(condition) for name, condition in conditions.items()},
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
    is_public = models.BooleanField(
        verbose_name=_("是否公开"),
        default=True,
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

    def get_absolute_url(self):
        return reverse("tracker:project_detail", kwargs={"code": self.code})

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


class ProjectPartnerQuerySet(models.QuerySet):
    def get_by_natural_key(self, project_code, organization_name, role):
        return self.get(
            project__code=project_code,
            organization__name_key=normalize_name(organization_name),
            role=role,
        )


class ProjectPartner(models.Model):
    """A partner's part in a project: who invests, who signs, who operates."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        related_name="project_partners",
        on_delete=models.CASCADE,
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("合作方"),
        related_name="project_roles",
        on_delete=models.PROTECT,
    )
    role = models.CharField(
        verbose_name=_("角色"),
        max_length=20,
        choices=PartnerRole.choices,
        default=PartnerRole.SIGNATORY,
    )
    history = HistoricalRecords(bases=[ImportedHistory])

    objects = ProjectPartnerQuerySet.as_manager()

    class Meta:
        ordering = ["project", "role", "organization"]
        verbose_name = pgettext_lazy("model", "项目合作方")
        verbose_name_plural = _("项目合作方")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organization", "role"],
                name="project_partner_unique_role",
            ),
        ]

    def __str__(self):
        return f"{self.organization}（{self.get_role_display()}）"

    def natural_key(self):
        return (self.project.code, self.organization.name, self.role)

    natural_key.dependencies = ["tracker.project", "tracker.organization"]


# --- Sources ------------------------------------------------------------------


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


# --- Staff workspace ----------------------------------------------------------------


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
        max_length=10,
        choices=Status.choices,
        default=Status.PREVIEWED,
    )
    row_count = models.PositiveIntegerField(verbose_name=_("数据行数"), default=0)
    created_count = models.PositiveIntegerField(verbose_name=_("新增"), default=0)
    updated_count = models.PositiveIntegerField(verbose_name=_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(verbose_name=_("未变"), default=0)
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

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("model", "台账导入批次")
        verbose_name_plural = _("台账导入批次")

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    @property
    def change_reason(self) -> str:
        """What each historical row written by this batch says (the column holds 100 characters)."""
        return f"台账导入 #{self.pk}：{self.file_name}"[:100]


# --- Follow-up workflow ---------------------------------------------------------------


class StageChange(models.Model):
    """A dated change of a project's stage and/or status: the project's timeline.

    ``effective_on`` is when the change took effect (may be back-dated, never
    in the future); ``recorded_at`` is when it was written. Written only by
    ``tracker.services`` and the ledger import, never edited afterwards.
    """

    project = models.ForeignKey(
        Project,
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
        Project,
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
