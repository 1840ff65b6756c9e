"""月报 in the admin: the printable page for a chosen month, and the files built as a job."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from ..jobs import job_enqueue
from ..models import Job
from ..monthly import monthly_report


def _chosen_month(request) -> tuple[int, int]:
    """``?month=2026-03`` (or the form's POST); last month when absent or unreadable."""
    raw = (request.POST.get("month") or request.GET.get("month") or "").strip()
    try:
        year, month = (int(part) for part in raw.split("-")[:2])
        return date(year, month, 1).year, month
    except ValueError:
        first = timezone.localdate().replace(day=1)
        last = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
        return last.year, last.month


class MonthlyReportViewsMixin:
    """月报, served under the project admin (every staff account may read it)."""

    def monthly_view(self, request):
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        year, month = _chosen_month(request)
        if request.method == "POST":
            job = job_enqueue(
                kind=Job.Kind.MONTHLY_REPORT,
                title=gettext("月报 %(year)s年%(month)s月") % {"year": year, "month": month},
                params={"year": year, "month": month},
                user=request.user,
                dedupe_key=f"monthly_report:{year}-{month:02d}",
            )
            return HttpResponseRedirect(reverse("admin:tracker_job_change", args=[job.pk]))
        report = monthly_report(year=year, month=month)
        context = self._context(
            request,
            title=gettext("招商月报：%(period)s") % {"period": report.period},
            report=report,
            month_value=f"{year}-{month:02d}",
            generated=timezone.localtime(),
            report_jobs=Job.objects.filter(kind=Job.Kind.MONTHLY_REPORT).order_by("-pk")[:6],
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/monthly.html", context)

    def get_urls(self):
        from django.urls import path

        info = self.get_model_info()
        return [
            path(
                "monthly/",
                self.admin_site.admin_view(self.monthly_view),
                name="{}_{}_monthly".format(*info),
            ),
            *super().get_urls(),
        ]
