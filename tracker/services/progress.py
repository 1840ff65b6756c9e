"""Progress reports (进展): the follow-up notes staff add to a project, internal only."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ProgressReport, Project
from .projects import check_scope


@transaction.atomic
def progress_report_create(
    *,
    project: Project,
    user,
    reported_on,
    progress: str,
    problems: str = "",
    next_steps: str = "",
) -> ProgressReport:
    """Add a progress report (进展) to ``project``; internal only, never published."""
    check_scope(user, project)
    if reported_on > timezone.localdate():
        raise ValidationError({"reported_on": _("报告日期不能晚于今天。")})
    if not (progress or "").strip():
        raise ValidationError({"progress": _("请填写本期进展。")})
    report = ProgressReport(
        project=project,
        reported_on=reported_on,
        progress=progress.strip(),
        problems=(problems or "").strip(),
        next_steps=(next_steps or "").strip(),
        author=user,
    )
    report._history_user = user
    report.save()
    return report
