"""后台任务: every background job, its progress bar, log, result file, and a retry.

Read-only: jobs are written by ``tracker.jobs`` only. Every staff account
sees its own jobs and the system's (nightly files, daily alerts); 招商管理员
(``tracker.change_job``) sees and retries everyone's. A result file is
private storage, streamed to whoever may see the job, never a public URL.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from ..jobs import JobFailed, job_progress, job_retry
from ..models import Job

# The framework's own task rows are an implementation detail of the database backend;
# staff follow their work on the Job pages (each shows its task id).
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


def manages_jobs(user) -> bool:
    return user.has_perm("tracker.change_job")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "title",
        "kind",
        "status_badge",
        "progress_text",
        "user",
        "created_at",
        "finished_at",
    ]
    list_display_links = ["pk", "title"]
    list_select_related = ["user"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "user__username"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = [
        "title",
        "kind",
        "status",
        "user",
        "import_batch",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "worker",
        "result_link",
        "result",
        "error",
        "log",
    ]
    readonly_fields = fields
    change_form_template = "admin/tracker/job/change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if manages_jobs(request.user):
            return queryset
        return queryset.filter(Q(user=request.user) | Q(user__isnull=True))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A queued or running job is never deleted under its worker; finished ones may be.
        if obj is not None and obj.is_active:
            return False
        return super().has_delete_permission(request, obj)

    def may_retry(self, request, job) -> bool:
        return job.status == Job.Status.FAILED and (
            manages_jobs(request.user) or job.user_id == request.user.pk
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/progress/", view(self.progress_view), name="tracker_job_progress"),
            path("<int:pk>/retry/", view(self.retry_view), name="tracker_job_retry"),
            path("<int:pk>/download/", view(self.download_view), name="tracker_job_download"),
            *super().get_urls(),
        ]

    def _job(self, request, pk) -> Job:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def progress_view(self, request, pk):
        """What the progress bar polls: status, done/total, percent, the latest log lines."""
        job = self._job(request, pk)
        return JsonResponse(
            {
                "status": job.status,
                "status_label": job.get_status_display(),
                **job_progress(job),
                "error": job.error,
                "result": job.result,
                "download": reverse("admin:tracker_job_download", args=[job.pk])
                if job.result_file
                else "",
            },
            headers={"Cache-Control": "no-store"},
        )

    def retry_view(self, request, pk):
        job = self._job(request, pk)
        if not self.may_retry(request, job):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            again = job_retry(job=job, user=request.user)
        except JobFailed as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:tracker_job_change", args=[job.pk]))
        self.message_user(request, gettext("已重新排队：任务 #%(pk)s。") % {"pk": again.pk})
        return HttpResponseRedirect(reverse("admin:tracker_job_change", args=[again.pk]))

    def download_view(self, request, pk):
        """The job's file; ``?file=pdf`` picks another file the job made (``result["files"]``)."""
        job = self._job(request, pk)
        files = job.result.get("files") if isinstance(job.result, dict) else None
        path = job.result_file
        if request.GET.get("file"):
            path = (files or {}).get(request.GET["file"], "")
        if not path or not default_storage.exists(path):
            raise Http404(gettext("这个任务没有结果文件，或文件已过期清理。"))
        return FileResponse(
            default_storage.open(path, "rb"), as_attachment=True, filename=path.rsplit("/", 1)[-1]
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "job": job,
            "progress": job_progress(job) if job else None,
            "may_retry": job is not None and self.may_retry(request, job),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("状态"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="job-status job-{}">{}</span>', obj.status, obj.get_status_display()
        )

    @admin.display(description=_("进度"))
    def progress_text(self, obj):
        progress = job_progress(obj)
        if not progress["total"]:
            return "—"
        return f"{progress['done']:,} / {progress['total']:,}（{progress['percent']}%）"

    @admin.display(description=_("结果文件"))
    def result_link(self, obj):
        if not obj.result_file:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:tracker_job_download", args=[obj.pk]),
            obj.result_name,
        )
