"""Changelist filters: the region tree, signing year, alerts and the responsible person."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import (
    ALERT_FIELDS,
    ALERT_LABELS,
    Project,
    Region,
    RegionTree,
)


class RegionTreeFilter(admin.SimpleListFilter):
    """A region and every region below it (a district includes its parks)."""

    title = _("所属区域（含下级）")
    parameter_name = "region_tree"

    def lookups(self, request, model_admin):
        # Only regions whose subtree holds a project the user can list: the others always give 0.
        used = set(
            model_admin.get_queryset(request)
            .order_by()
            .values_list("region_id", flat=True)
            .distinct()
        )
        tree = RegionTree.load()
        return [
            (str(r.pk), "\u3000" * depth + r.name)
            for depth, r in tree.walk()
            if used.intersection(tree.subtree_ids(r))
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            root = int(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(region_id__in=Region.objects.subtree_ids(root))


class SignedYearFilter(admin.SimpleListFilter):
    title = _("签约年份")
    parameter_name = "signed_year"

    def lookups(self, request, model_admin):
        years = Project.objects.dates("signed_on", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years] + [("none", _("未填写"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(signed_on__isnull=True)
        if value and value.isdigit():
            return queryset.filter(signed_on__year=int(value))
        return queryset


class AlertFilter(admin.SimpleListFilter):
    """预警: projects raising one alert, or any (``ProjectQuerySet.with_alert``)."""

    title = _("预警")
    parameter_name = "alert"

    def lookups(self, request, model_admin):
        return [("any", _("任一预警")), *ALERT_LABELS.items()]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "any" or value in ALERT_FIELDS:
            return queryset.with_alert(value)
        return queryset


class ResponsibleFilter(admin.SimpleListFilter):
    """我的项目 / a responsible person: leader_user or unit_contact."""

    title = _("责任人")
    parameter_name = "responsible"

    def lookups(self, request, model_admin):
        User = get_user_model()
        people = User.objects.filter(Q(led_projects__isnull=False) | Q(unit_projects__isnull=False))
        return [("me", _("我的项目"))] + [
            (str(u.pk), u.get_full_name() or u.get_username())
            for u in people.distinct().order_by("username")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.responsible(request.user)
        if value and value.isdigit():
            return queryset.filter(Q(leader_user_id=int(value)) | Q(unit_contact_id=int(value)))
        return queryset
