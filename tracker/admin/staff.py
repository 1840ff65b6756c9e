"""Import batches, region assignments and the staff user admin."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import (
    ImportBatch,
    Organization,
    Project,
    ProjectPartner,
    RegionAssignment,
)
from .mixins import TrackerHistoryAdmin


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """A read-only record of every ledger upload."""

    list_display = [
        "pk",
        "file_name",
        "user",
        "source",
        "status",
        "row_count",
        "created_count",
        "updated_count",
        "unchanged_count",
        "error_count",
        "created_at",
        "applied_at",
    ]
    list_display_links = ["pk", "file_name"]
    list_select_related = ["user"]
    list_filter = ["status", "source"]
    search_fields = ["file_name", "user__username"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["content"]
    readonly_fields = ["history_rows"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("写入的历史记录"))
    def history_rows(self, obj):
        return gettext("项目 %(p)s 条，合作方关系 %(l)s 条，合作方 %(o)s 条") % {
            "p": Project.history.filter(import_batch=obj).count(),
            "l": ProjectPartner.history.filter(import_batch=obj).count(),
            "o": Organization.history.filter(import_batch=obj).count(),
        }


@admin.register(RegionAssignment)
class RegionAssignmentAdmin(TrackerHistoryAdmin):
    list_display = ["user", "region", "created_at"]
    list_select_related = ["user", "region"]
    list_filter = ["region"]
    search_fields = ["user__username", "region__name"]
    autocomplete_fields = ["user", "region"]


class RegionAssignmentInline(admin.TabularInline):
    model = RegionAssignment
    extra = 0
    autocomplete_fields = ["region"]
    verbose_name_plural = _("负责区域（区域录入员只能录入这些区域及其下级区域的项目）")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, RegionAssignmentInline]
