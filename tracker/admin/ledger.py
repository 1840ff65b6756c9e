"""The ledger pages of the project admin: upload with a stored preview, confirm, export, the empty template."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ..ledger import exporter
from ..ledger.funds import funds_preview
from ..ledger.importer import ERROR, NEW, SUBMIT, UNCHANGED, UPDATE
from ..ledger.preview import build_preview
from ..ledger.safety import LedgerError, check_size
from ..permissions import (
    EXPORT_PERMISSION,
    IMPORT_PERMISSION,
)
from ..services.ledger import (
    import_runs_in_background,
    project_import_discard,
    project_import_preview,
    project_import_submit,
)
from ..spreadsheets import download_response
from .forms import LedgerUploadForm

PREVIEW_ROWS = 2_000


class LedgerViewsMixin:
    """Import (preview → confirm), export (xlsx or streamed CSV) and the empty template."""

    # --- ledger import / export

    def has_import_permission(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)

    def has_export_permission(self, request):
        return request.user.has_perm(EXPORT_PERMISSION)

    def import_action(self, request, **kwargs):
        """Upload → checks → preview (stored in an ImportBatch, keyed by its token)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = LedgerUploadForm(request.POST or None, request.FILES or None)
        context = self._context(request, title=gettext("导入项目台账"), form=form)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            try:
                check_size(upload.size)
                data = b"".join(upload.chunks())
                outcome = project_import_preview(
                    data=data, file_name=upload.name, user=request.user
                )
            except LedgerError as exc:
                form.add_error("import_file", exc.message)
            else:
                context.update(self._preview_context(outcome.plan, outcome.batch))
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/ledger_import.html", context)

    def _preview_context(self, plan, batch):
        counts = plan.counts
        labels = {
            NEW: gettext("新增"),
            UPDATE: gettext("更新"),
            UNCHANGED: gettext("未变"),
            ERROR: gettext("错误"),
        }
        return {
            "plan": plan,
            "batch": batch,
            "counts": [(labels[k], k, counts[k]) for k in (NEW, UPDATE, UNCHANGED, ERROR)],
            "action_labels": labels,
            # Errors, then changes, then unchanged rows; new rows with their stored values.
            "preview": build_preview(plan, limit=PREVIEW_ROWS),
            "error_rows": plan.error_rows,
            "funds": funds_preview(plan.funds, limit=PREVIEW_ROWS),
            "in_background": import_runs_in_background(batch),
        }

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Confirm (or discard) a stored preview by its token; a big one goes to a worker."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        info = self.get_model_info()
        try:
            token = uuid.UUID(request.POST.get("token", ""))
        except ValueError:
            raise PermissionDenied from None
        if "discard" in request.POST:
            project_import_discard(token=token, user=request.user)
            self.message_user(request, gettext("已放弃这次导入，未写入任何数据。"), messages.INFO)
            return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))
        try:
            outcome = project_import_submit(token=token, user=request.user)
        except LedgerError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:{}_{}_import".format(*info)))
        if outcome.job is not None:
            self.message_user(
                request,
                gettext(
                    "这批台账（%(rows)s 行）正在后台导入（任务 #%(job)s）：本页显示进度，"
                    "可以离开本页，导入不受影响。"
                )
                % {"rows": outcome.batch.row_count, "job": outcome.job.pk},
                messages.INFO,
            )
            return HttpResponseRedirect(reverse("admin:tracker_job_change", args=[outcome.job.pk]))
        counts = outcome.plan.counts
        self.message_user(
            request,
            gettext(
                "导入完成（批次 #%(batch)s）：新增 %(new)s 个，更新 %(updated)s 个，未变 %(unchanged)s 个，"
                "新建合作方 %(orgs)s 个。"
            )
            % {
                "batch": outcome.batch.pk,
                "new": counts[NEW],
                "updated": counts[UPDATE],
                "unchanged": counts[UNCHANGED],
                "orgs": len(outcome.plan.new_organizations),
            },
            messages.SUCCESS,
        )
        if counts[SUBMIT]:
            self.message_user(
                request,
                gettext(
                    "另有 %(n)s 行（新项目、进入已签约及以后阶段或金额变更）已提交审核，"
                    "审核通过后才计入统计。"
                )
                % {"n": counts[SUBMIT]},
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))

    def export_action(self, request):
        """Choose xlsx or CSV; the changelist's filters and search carry over."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            queryset = self.get_export_queryset(request)
            if request.POST.get("format") == "csv":
                return self._csv_response(queryset)
            return self._xlsx_response(queryset)
        context = self._context(
            request,
            title=gettext("导出项目台账"),
            query_string=request.GET.urlencode(),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/ledger_export.html", context)

    def template_view(self, request):
        """The empty ledger: headers, one example row, and a sheet of instructions."""
        if not (self.has_import_permission(request) or self.has_export_permission(request)):
            raise PermissionDenied
        rows = exporter.template_rows()
        if request.GET.get("format") == "csv":
            return download_response("项目台账模板.csv", lines=exporter.iter_csv(rows))
        return download_response(
            "项目台账模板.xlsx", write=lambda stream: exporter.write_xlsx(rows, stream, notes=True)
        )

    def _filename(self, extension):
        return f"项目台账-{timezone.localdate():%Y%m%d}.{extension}"

    def _xlsx_response(self, queryset):
        rows = exporter.ledger_rows(queryset, native=True)
        return download_response(
            self._filename("xlsx"), write=lambda stream: exporter.write_xlsx(rows, stream)
        )

    def _csv_response(self, queryset):
        rows = exporter.ledger_rows(queryset, native=False)
        return download_response(self._filename("csv"), lines=exporter.iter_csv(rows))
