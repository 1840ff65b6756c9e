"""Rows that belong to a project: partners, the stage timeline, progress reports and citations."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import (
    Citation,
    ProgressReport,
    ProjectPartner,
    StageChange,
)
from ..services import (
    progress_report_create,
)
from .mixins import ImportBatchHistoryMixin, ProjectScopedAdminMixin, TrackerHistoryAdmin


@admin.register(ProjectPartner)
class ProjectPartnerAdmin(ProjectScopedAdminMixin, ImportBatchHistoryMixin, TrackerHistoryAdmin):
    list_display = ["project", "organization", "role"]
    list_select_related = ["project", "organization"]
    list_filter = ["role"]
    search_fields = ["project__code", "project__name", "organization__name"]
    autocomplete_fields = ["project", "organization"]
    show_full_result_count = False


@admin.register(StageChange)
class StageChangeAdmin(ProjectScopedAdminMixin, admin.ModelAdmin):
    """Every project's timeline, read-only: changes are written by the services and imports."""

    list_display = [
        "project",
        "effective_on",
        "from_stage",
        "to_stage",
        "from_status",
        "to_status",
        "recorded_by",
        "recorded_at",
    ]
    list_select_related = ["project", "recorded_by"]
    list_filter = ["to_stage", "to_status"]
    search_fields = ["project__code", "project__name", "note"]
    date_hierarchy = "effective_on"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(ProjectScopedAdminMixin, TrackerHistoryAdmin):
    """进展 across projects (internal). New reports go through ``progress_report_create``."""

    list_display = ["project", "reported_on", "author", "created_at"]
    list_select_related = ["project", "author"]
    search_fields = ["project__code", "project__name", "progress", "problems"]
    autocomplete_fields = ["project"]
    fields = ["project", "reported_on", "progress", "problems", "next_steps"]
    date_hierarchy = "reported_on"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if change:
            obj._history_user = request.user
            obj.save()
            return
        try:
            created = progress_report_create(
                project=obj.project,
                user=request.user,
                reported_on=obj.reported_on,
                progress=obj.progress,
                problems=obj.problems,
                next_steps=obj.next_steps,
            )
        except ValidationError as exc:
            raise PermissionDenied(exc) from exc
        obj.pk = created.pk


@admin.register(Citation)
class CitationAdmin(ProjectScopedAdminMixin, TrackerHistoryAdmin):
    list_display = ["excerpt", "source", "project", "event", "organization"]
    list_select_related = ["source", "project", "event", "organization"]
    list_filter = ["source"]
    search_fields = ["quote", "project__code", "project__name", "event__name"]
    autocomplete_fields = ["source", "project", "event", "organization"]
    show_full_result_count = False

    @admin.display(description=_("原文引述"))
    def excerpt(self, obj):
        return obj.quote if len(obj.quote) <= 40 else obj.quote[:40] + "…"


# --- Imports and assignments ------------------------------------------------------------------
