"""Inlines of the project change page: partners, citations, the stage timeline and progress reports."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import (
    Citation,
    ProgressReport,
    ProjectPartner,
    StageChange,
)
from .forms import PartnerFormSet


class ProjectPartnerInline(admin.TabularInline):
    model = ProjectPartner
    formset = PartnerFormSet
    extra = 0
    autocomplete_fields = ["organization"]
    verbose_name = _("合作方")
    verbose_name_plural = _("合作方（含角色）")


class CitationInline(admin.StackedInline):
    model = Citation
    fk_name = "project"
    extra = 0
    fields = ["source", "quote"]
    autocomplete_fields = ["source"]


class StageChangeInline(admin.TabularInline):
    """The full timeline on the change page: read-only, written by the services."""

    model = StageChange
    extra = 0
    can_delete = False
    fields = [
        "effective_on",
        "from_stage",
        "to_stage",
        "from_status",
        "to_status",
        "note",
        "recorder",
        "recorded_at",
        "import_batch",
    ]
    readonly_fields = fields
    ordering = ["-effective_on", "-pk"]
    classes = ["followup-timeline"]
    verbose_name_plural = _("阶段时间线")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by", "import_batch")

    @admin.display(description=_("记录人"))
    def recorder(self, obj):
        user = obj.recorded_by
        return (user.get_full_name() or user.get_username()) if user else "-"


class ProgressReportInline(admin.StackedInline):
    """进展: new entries are created through ``progress_report_create``."""

    model = ProgressReport
    extra = 0
    fields = [("reported_on", "author"), "progress", "problems", "next_steps"]
    readonly_fields = ["author"]
    ordering = ["-reported_on", "-pk"]
    verbose_name_plural = _("项目进展（内部）")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")
