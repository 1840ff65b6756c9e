"""The follow-up pages of the project admin: 需关注, 我的项目, 报进展 and 推进效率."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from ..jobs import job_enqueue
from ..models import (
    ALERT_FIELDS,
    ALERT_LABELS,
    Job,
    Project,
)
from ..permissions import (
    can_edit_region,
)
from ..reports import attention_summary, performance_report
from ..services import (
    progress_report_create,
)
from .forms import ProgressReportForm
from .review import my_change_requests


class FollowUpViewsMixin:
    """需关注, 我的项目, 报进展 and 推进效率, served under the project admin."""

    def _changelist_url(self, **params):
        from urllib.parse import urlencode

        url = reverse("admin:tracker_project_changelist")
        return f"{url}?{urlencode(params)}" if params else url

    def attention_view(self, request):
        """需关注: alerts counted by district and by responsible person, linking to the list."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        summary = attention_summary(self.get_queryset(request))
        alerts = [(name, ALERT_LABELS[name]) for name in ALERT_FIELDS]

        def row(entry, key, value):
            return {
                "label": entry.label,
                "total": entry.total,
                "url": self._changelist_url(**{key: value, "alert": "any"}),
                "cells": [
                    (count, self._changelist_url(**{key: value, "alert": name}))
                    for name, count in entry.cells()
                ],
            }

        context = self._context(
            request,
            title=gettext("需关注的项目"),
            summary=summary,
            alerts=alerts,
            totals=[
                (label, summary.by_alert[name], self._changelist_url(alert=name))
                for name, label in alerts
            ],
            all_url=self._changelist_url(alert="any"),
            districts=[row(d, "region_tree", d.key) for d in summary.districts],
            people=[row(p, "responsible", p.key) for p in summary.people],
            thresholds={
                "signed": settings.ALERT_SIGNED_NOT_STARTED_DAYS,
                "progress": settings.ALERT_NO_PROGRESS_DAYS,
            },
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/attention.html", context)

    def mine_view(self, request):
        """我的项目: projects the user is responsible for, the ones needing attention first."""
        projects = (
            Project.objects.responsible(request.user)
            .with_alerts()
            .select_related("region")
            .order_by("-alert_count", "code")
        )
        rows = [
            {
                "project": p,
                "alerts": [ALERT_LABELS[name] for name in ALERT_FIELDS if getattr(p, name)],
                "change_url": reverse("admin:tracker_project_change", args=[p.pk]),
                "report_url": reverse("admin:tracker_project_progress", args=[p.pk]),
            }
            for p in projects
        ]
        context = self._context(
            request,
            title=gettext("我的项目"),
            rows=rows,
            **my_change_requests(request.user),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/mine.html", context)

    def progress_view(self, request, pk):
        """报进展: a short form that adds one progress report through the service."""
        project = get_object_or_404(Project.objects.select_related("region"), pk=pk)
        responsible = request.user.pk in (project.leader_user_id, project.unit_contact_id)
        if not (
            responsible
            or (
                request.user.has_perm("tracker.add_progressreport")
                and can_edit_region(request.user, project.region_id)
            )
        ):
            raise PermissionDenied
        form = ProgressReportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                progress_report_create(project=project, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field_name, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field_name, error)
            else:
                self.message_user(
                    request, gettext("已记录 %(project)s 的进展。") % {"project": project}
                )
                return HttpResponseRedirect(reverse("admin:tracker_project_mine"))
        context = self._context(
            request,
            title=gettext("报进展：%(project)s") % {"project": project},
            project=project,
            form=form,
            recent=project.progress_reports.select_related("author")[:3],
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/progress_form.html", context)

    def performance_view(self, request):
        """How fast projects move; POST builds the same figures as an xlsx in the background."""
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            job = job_enqueue(
                kind=Job.Kind.PERFORMANCE_REPORT,
                title=gettext("项目推进效率 %(day)s") % {"day": timezone.localdate().isoformat()},
                user=request.user,
                dedupe_key=f"performance_report:{request.user.pk}",
            )
            return HttpResponseRedirect(reverse("admin:tracker_job_change", args=[job.pk]))
        report = performance_report(self.get_queryset(request))
        context = self._context(
            request,
            title=gettext("项目推进效率"),
            report=report,
            report_jobs=Job.objects.filter(kind=Job.Kind.PERFORMANCE_REPORT).order_by("-pk")[:5],
            groups=[
                (gettext("按区县"), report.districts),
                (gettext("按签约年份"), report.years),
            ],
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/performance.html", context)
