"""Pieces every tracker model admin shares: history pages, export permission, project scope, page context."""

from ..permissions import (
    EXPORT_PERMISSION,
    can_edit_region,
    is_region_scoped,
    scope_projects,
)


class ImportBatchHistoryMixin:
    """History pages that also show which import batch wrote each version."""

    history_list_display = ["import_batch"]
    object_history_list_template = "admin/tracker/object_history_list.html"

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        qs = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return qs.select_related("import_batch")


class LedgerExportPermissionMixin:
    """Export of a reference table needs the ledger export permission."""

    def has_export_permission(self, request):
        return request.user.has_perm(EXPORT_PERMISSION)


# --- Filters -----------------------------------------------------------------------------


class ProjectScopedAdminMixin:
    """Rows that belong to a project follow the project's region scope."""

    def get_queryset(self, request):
        return scope_projects(
            super().get_queryset(request), request.user, region_field="project__region"
        )

    def _in_scope(self, request, obj):
        if obj is None or not is_region_scoped(request.user):
            return True
        return obj.project_id is not None and can_edit_region(request.user, obj.project.region_id)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)


class PageContextMixin:
    """The admin's own context for the extra pages a model admin serves."""

    def _context(self, request, **extra):
        context = self.admin_site.each_context(request)
        context.update(opts=self.model._meta, **extra)
        return context
