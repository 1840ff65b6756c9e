"""The daily alerts (预警): which projects need attention, why, and who is told.

``alert_lines`` is the one reading of "needs attention" that the
``project_alerts`` command prints and the daily job mails. The job mails each
responsible person (the project's 领导 and 联系人 accounts) their own lines;
lines with nobody to tell go to every 招商管理员, so no alert is dropped for
want of an address.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ALERT_FIELDS, ALERT_LABELS
from ..permissions import ADMIN_GROUP


def alert_detail(project, name: str, today: date) -> str:
    """Why ``project`` raises alert ``name``, in one short Chinese phrase."""
    if name == "alert_not_started":
        days = (today - project.alert_signed_date).days
        return _("签约 %(days)s 天未开工（签约于 %(on)s）") % {
            "days": days,
            "on": project.alert_signed_date.isoformat(),
        }
    if name == "alert_overdue":
        return _("计划 %(on)s 投产，已逾期 %(days)s 天") % {
            "on": project.planned_operation_on.isoformat(),
            "days": (today - project.planned_operation_on).days,
        }
    if name == "alert_no_progress":
        if project.last_report_on:
            return _("最近进展 %(on)s，已 %(days)s 天未报") % {
                "on": project.last_report_on.isoformat(),
                "days": (today - project.last_report_on).days,
            }
        return _("从未报进展（超过 %(days)s 天）") % {"days": settings.ALERT_NO_PROGRESS_DAYS}
    return _("状态：%(status)s") % {"status": project.get_status_display()}


@dataclass
class AlertLine:
    code: str
    name: str
    region: str
    alert: str
    detail: str
    people: str
    recipients: list = field(default_factory=list)

    def text(self) -> str:
        suffix = f"  [{self.people}]" if self.people else ""
        return f"{self.code} {self.name}（{self.region}）{self.alert}：{self.detail}{suffix}"


def alert_lines(projects, *, today: date) -> list[AlertLine]:
    """One line per alert of ``projects`` (any project queryset), by region and code."""
    projects = (
        projects.needing_attention(today=today)
        .select_related("region", "leader_user", "unit_contact")
        .order_by("region__name", "code")
    )
    lines = []
    for project in projects:
        users = [u for u in (project.leader_user, project.unit_contact) if u is not None]
        people = "、".join(u.get_full_name() or u.get_username() for u in users) or project.leader
        for name in ALERT_FIELDS:
            if getattr(project, name):
                lines.append(
                    AlertLine(
                        code=project.code,
                        name=project.name,
                        region=project.region.name,
                        alert=str(ALERT_LABELS[name]),
                        detail=alert_detail(project, name, today),
                        people=people,
                        recipients=[u for u in users if u.is_active and u.email],
                    )
                )
    return lines


def alerts_mail_job(run, *, on: str = "") -> None:
    """Mail each responsible person the day's alerts on their projects."""
    from ..models import Project

    today = date.fromisoformat(on) if on else timezone.localdate()
    lines = alert_lines(Project.objects.all(), today=today)
    run.log(_("%(day)s：%(n)s 条预警。") % {"day": today.isoformat(), "n": len(lines)})
    managers = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=ADMIN_GROUP)
        .exclude(email="")
        .distinct()
    )
    inbox = defaultdict(list)
    unassigned = 0
    for line in lines:
        recipients = line.recipients or managers
        unassigned += not line.recipients
        for user in recipients:
            inbox[user].append(line)
    subject = _("项目预警 %(day)s") % {"day": today.isoformat()}
    messages = [
        EmailMessage(
            subject=f"{subject}（{len(mine)} 条）",
            body="\n".join(
                [_("以下项目需关注（%(day)s）：") % {"day": today.isoformat()}, ""]
                + [line.text() for line in mine]
            ),
            to=[user.email],
        )
        for user, mine in sorted(inbox.items(), key=lambda item: item[0].pk)
    ]
    sent = get_connection().send_messages(messages) if messages else 0
    run.job.result = {"alerts": len(lines), "mails": sent or 0, "to_managers": unassigned}
    run.progress(len(lines), len(lines), force=True)
    run.log(_("已发送 %(mails)s 封邮件。") % {"mails": sent or 0})
