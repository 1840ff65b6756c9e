"""Import batches, region assignments and the staff user admin."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import (
    ImportBatch,
    Organization,
    Project,
    ProjectPartner,
    RegionAssignment,
)
from ..services.ledger_rollback import (
    ROLLBACK_PERMISSION,
    import_batch_rollback,
    import_batch_rollback_check,
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
        "submitted_count",
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
    change_form_template = "admin/tracker/importbatch/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # An audit record: a wrong import is undone by rolling it back, never erased.
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/rollback/",
                self.admin_site.admin_view(self.rollback_view),
                name=f"{info[0]}_{info[1]}_rollback",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, unquote(object_id))
        may = (
            batch is not None
            and batch.status == ImportBatch.Status.APPLIED
            and request.user.has_perm(ROLLBACK_PERMISSION)
        )
        extra_context = {**(extra_context or {}), "may_roll_back": may}
        return super().change_view(request, object_id, form_url, extra_context)

    def rollback_view(self, request, object_id):
        """GET: what rolling the batch back would do (or why it may not); POST: do it."""
        if not request.user.has_perm(ROLLBACK_PERMISSION):
            raise PermissionDenied
        batch = self.get_object(request, unquote(object_id))
        if batch is None:
            raise Http404
        here = reverse("admin:tracker_importbatch_change", args=[batch.pk])
        if request.method == "POST":
            try:
                counts = import_batch_rollback(batch=batch, user=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    gettext(
                        "已撤销导入批次 #%(pk)s：删除新增项目 %(deleted)s 个，恢复被修改的项目"
                        " %(restored)s 个，删除本批新建的合作方 %(orgs)s 个。"
                    )
                    % {
                        "pk": batch.pk,
                        "deleted": counts["projects_deleted"],
                        "restored": counts["projects_restored"],
                        "orgs": counts["organizations"],
                    },
                )
            return HttpResponseRedirect(here)
        try:
            counts, refusal = import_batch_rollback_check(batch=batch), None
        except ValidationError as exc:
            counts, refusal = None, " ".join(exc.messages)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("整批撤销导入批次 #%(pk)s") % {"pk": batch.pk},
            "batch": batch,
            "counts": counts,
            "refusal": refusal,
            "back": here,
        }
        return TemplateResponse(request, "admin/tracker/importbatch/rollback_confirm.html", context)

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
