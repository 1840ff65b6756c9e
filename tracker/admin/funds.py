"""到位资金 and 年度目标 in the staff workspace.

Funds rows belong to a project, so a 区域录入员 records them for the projects of
their regions only (``ProjectScopedAdminMixin``); targets are the city's, set by
招商管理员. A month is entered as ``2026-03`` (or any date in it) and kept as
the month's first day.
"""

import re
from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import DistrictTarget, FundsArrival
from .mixins import ProjectScopedAdminMixin, TrackerHistoryAdmin

_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?\s*$")


class MonthField(forms.DateField):
    """``2026-03``, ``2026年3月`` or a date: the first day of that month."""

    widget = forms.TextInput(attrs={"placeholder": "2026-03", "size": 10})

    def to_python(self, value):
        if isinstance(value, date):
            return value.replace(day=1)
        if value in self.empty_values:
            return None
        match = _MONTH.match(str(value))
        if match is None:
            raise ValidationError(_("请按“2026-03”的格式填写月份。"), code="invalid")
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValidationError(_("月份应在 1 到 12 之间。"), code="invalid")
        return date(year, month, 1)

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, date) else value


class FundsArrivalForm(forms.ModelForm):
    month = MonthField(label=_("到位月份"))

    class Meta:
        model = FundsArrival
        fields = ["project", "month", "origin", "amount", "note", "evidence"]


class FundsArrivalInline(admin.TabularInline):
    model = FundsArrival
    form = FundsArrivalForm
    extra = 0
    fields = ["month", "origin", "amount", "note", "evidence", "recorded_by"]
    readonly_fields = ["recorded_by"]
    ordering = ["-month", "origin"]
    verbose_name_plural = _("到位资金（内部）")


@admin.register(FundsArrival)
class FundsArrivalAdmin(ProjectScopedAdminMixin, TrackerHistoryAdmin):
    form = FundsArrivalForm
    list_display = ["project", "month_display", "origin", "amount", "recorded_by", "recorded_at"]
    list_select_related = ["project", "recorded_by"]
    list_filter = ["origin", ("month", admin.DateFieldListFilter)]
    search_fields = ["project__code", "project__name", "note", "evidence"]
    autocomplete_fields = ["project"]
    date_hierarchy = "month"
    show_full_result_count = False

    @admin.display(description=_("到位月份"), ordering="month")
    def month_display(self, obj):
        return obj.month.strftime("%Y-%m")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DistrictTarget)
class DistrictTargetAdmin(TrackerHistoryAdmin):
    list_display = [
        "region",
        "year",
        "signed_count",
        "signed_amount",
        "started_count",
        "operating_count",
        "funds_amount",
    ]
    list_select_related = ["region"]
    list_filter = ["year"]
    search_fields = ["region__name"]
    autocomplete_fields = ["region"]
    fieldsets = [
        (None, {"fields": ["region", "year", "note"]}),
        (
            _("目标"),
            {
                "fields": [
                    ("signed_count", "signed_amount"),
                    ("started_count", "operating_count"),
                    "funds_amount",
                    ("tier_1_count", "tier_5_count", "tier_10_count", "tier_20_count"),
                ]
            },
        ),
    ]
