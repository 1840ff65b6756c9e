"""Partners (合作方) and the part each plays in a project."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import OrganizationKind, PartnerRole
from ..text import credit_code_problem, normalize_name
from .fields import HistoricalRecords, ImportedHistory, NameKeyField


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
        "tracker.Project",
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
