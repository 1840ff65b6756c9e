"""Pieces every tracker model admin shares: history, export permission, region scope, page context.

Region scope is checked on the server for every page that shows or writes one
object: ``in_scope`` says whether an object lies inside a region-scoped
user's regions, and the view, change and delete permissions, the change,
delete and history pages and the revert form all ask it. A revert also needs
the change permission for both the current object and the version it
restores, so a 只读 account sees history pages read-only and cannot post them.
"""

from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import Project
from ..permissions import (
    EXPORT_PERMISSION,
    can_edit_region,
    is_region_scoped,
    scope_projects,
)
from .history_words import WordsContextHelper

HISTORY_FORM_URL_SUFFIX = "_simple_history"


def is_history_form(request) -> bool:
    """Whether ``request`` is for simple-history's page of one version (view or revert)."""
    match = getattr(request, "resolver_match", None)
    return match is not None and (match.url_name or "").endswith(HISTORY_FORM_URL_SUFFIX)


def outside_scope() -> PermissionDenied:
    return PermissionDenied(
        _("这条记录属于您负责区域以外的项目；您只能查看和修改分配给您的区域（含下级区域）的记录。")
    )


class RegionScopeMixin:
    """Objects outside a region-scoped user's regions answer 403 on the pages that write them.

    With ``view_outside_scope`` (projects: 区域录入员 view every district), the
    change, history and version pages of such an object open read-only;
    without it (internal rows such as progress reports) every page answers 403.
    """

    view_outside_scope = False

    def in_scope(self, request, obj) -> bool:
        return True

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.view_outside_scope or self.in_scope(request, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.in_scope(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.in_scope(request, obj))

    def stored_object(self, object_id):
        """The object behind a URL's id, whatever the user may see; ``None`` if there is none."""
        try:
            pk = self.model._meta.pk.to_python(unquote(str(object_id)))
            return self.model._default_manager.filter(pk=pk).first()
        except (ValidationError, ValueError, OverflowError):
            return None

    def deny_outside_scope(self, request, object_id, *, write=None):
        """403, not "does not exist", for an object that exists outside the user's regions.

        ``write`` (default: a POST) refuses even where viewing outside the scope is allowed.
        """
        if write is None:
            write = request.method == "POST"
        obj = self.stored_object(object_id)
        refused = write or not self.view_outside_scope
        if obj is not None and refused and not self.in_scope(request, obj):
            raise outside_scope()
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self.deny_outside_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self.deny_outside_scope(request, object_id, write=True)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self.deny_outside_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)


class TrackerHistoryAdmin(RegionScopeMixin, SimpleHistoryAdmin):
    """A history admin whose revert form obeys the change permission and region scope.

    django-simple-history's revert view saves a posted form for anyone who may
    merely view the history; here a POST needs the change permission for the
    object as stored and for the version being restored (an editor must not
    move a record into scope by restoring an old version, nor out of it).
    """

    # Every tracker history page in words, under Chinese headers (history_words).
    object_history_list_template = "admin/tracker/object_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return WordsContextHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self.deny_outside_scope(request, object_id)
        if request.method == "POST":
            version = self.history_version(object_id, version_id)
            allowed = version is not None and self.has_change_permission(request, version)
            if current is not None:
                allowed = allowed and self.has_change_permission(request, current)
            if not allowed:
                raise PermissionDenied(_("您没有修改这条记录的权限：历史版本只能查看，不能恢复。"))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_version(self, object_id, version_id):
        """The object as a history version left it, or ``None``."""
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        try:
            record = history.filter(
                **{self.model._meta.pk.attname: unquote(str(object_id)), "history_id": version_id}
            ).first()
        except (ValidationError, ValueError, OverflowError):
            return None
        return record.instance if record is not None else None

    def get_readonly_fields(self, request, obj=None):
        # A history version opened by someone who may not restore it shows values, not inputs.
        if is_history_form(request) and not self.has_change_permission(request, obj):
            return [*self.form_field_names(), *self.readonly_fields]
        return super().get_readonly_fields(request, obj)

    def form_field_names(self) -> list[str]:
        """The change form's fields, without building the form (which asks for these)."""
        # Form-only inputs (a change note, say) have nothing stored to show.
        stored = {field.name for field in self.model._meta.get_fields()}
        if self.fieldsets:
            return [name for name in flatten_fieldsets(self.fieldsets) if name in stored]
        if self.fields:
            return [
                name
                for name in flatten_fieldsets([(None, {"fields": self.fields})])
                if name in stored
            ]
        return [
            field.name
            for field in self.model._meta.get_fields()
            if getattr(field, "editable", False)
            and (field.concrete or field.many_to_many)
            and not field.auto_created
        ]


class ImportBatchHistoryMixin:
    """History pages that also show which import batch wrote each version."""

    history_list_display = ["import_batch"]

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        qs = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return qs.select_related("import_batch")


class LedgerExportPermissionMixin:
    """Export of a reference table needs the ledger export permission."""

    def has_export_permission(self, request):
        return request.user.has_perm(EXPORT_PERMISSION)


class ProjectScopedAdminMixin(RegionScopeMixin):
    """Rows that belong to a project follow the project's region scope, on read and on write.

    A region-scoped user is offered, and may post, only projects inside their
    regions: on add, and when moving an existing row to another project.
    """

    def get_queryset(self, request):
        return scope_projects(
            super().get_queryset(request), request.user, region_field="project__region"
        )

    def in_scope(self, request, obj) -> bool:
        if not is_region_scoped(request.user):
            return True
        # By id: a history version may belong to a project that has since been deleted.
        region_id = (
            Project.objects.filter(pk=obj.project_id).values_list("region_id", flat=True).first()
        )
        return region_id is not None and can_edit_region(request.user, region_id)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project" and is_region_scoped(request.user):
            kwargs["queryset"] = scope_projects(Project.objects.all(), request.user)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PageContextMixin:
    """The admin's own context for the extra pages a model admin serves."""

    def _context(self, request, **extra):
        context = self.admin_site.each_context(request)
        context.update(opts=self.model._meta, **extra)
        return context
