"""Print the projects needing attention, one line per alert, for a daily cron mail.

    python manage.py project_alerts [--region 名称或短标识] [--format text|csv] [--date YYYY-MM-DD]

Exits 0 whether or not anything is printed, so cron mails only when there is
output (e.g. ``MAILTO`` with ``project_alerts | ifne mail …``). An unknown
region is an error (exit 1).
"""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker import spreadsheets
from tracker.models import ALERT_FIELDS, ALERT_LABELS, Project, Region


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


class Command(BaseCommand):
    help = "列出需关注的项目（每条预警一行），适合每日定时邮件；可按区域（含下级）筛选。"

    def add_arguments(self, parser):
        parser.add_argument("--region", help="区域名称或短标识，如 解放区 或 jiefang（含下级区域）")
        parser.add_argument("--format", choices=["text", "csv"], default="text")
        parser.add_argument("--date", type=date.fromisoformat, help="按哪一天计算，默认今天")

    def handle(self, *args, **options):
        today = options["date"] or timezone.localdate()
        projects = Project.objects.all()
        if options["region"]:
            wanted = options["region"].strip()
            region = Region.objects.filter(slug=wanted).first()
            if region is None:
                # Names are not unique (two parks may share one): a name must pick one region.
                named = list(Region.objects.filter(name=wanted)[:2])
                if len(named) > 1:
                    raise CommandError(
                        _("有多个区域名为“%(region)s”，请改用短标识。") % {"region": wanted}
                    )
                region = named[0] if named else None
            if region is None:
                raise CommandError(_("没有名称或短标识为“%(region)s”的区域。") % {"region": wanted})
            projects = projects.in_region(region)
        projects = (
            projects.needing_attention(today=today)
            .select_related("region", "leader_user", "unit_contact")
            .order_by("region__name", "code")
        )
        lines = []
        for project in projects:
            people = (
                "、".join(
                    u.get_full_name() or u.get_username()
                    for u in (project.leader_user, project.unit_contact)
                    if u is not None
                )
                or project.leader
            )
            for name in ALERT_FIELDS:
                if getattr(project, name):
                    lines.append(
                        [
                            project.code,
                            project.name,
                            project.region.name,
                            str(ALERT_LABELS[name]),
                            alert_detail(project, name, today),
                            people,
                        ]
                    )
        if options["format"] == "csv":
            header = ["code", "name", "region", "alert", "detail", "responsible"]
            # No BOM: this goes to a mail body or a pipe, not straight into Excel.
            for piece in spreadsheets.csv_lines(header, lines, bom=False, lineterminator="\n"):
                self.stdout.write(piece, ending="")
            return
        for code, name, region, alert, detail, people in lines:
            suffix = f"  [{people}]" if people else ""
            self.stdout.write(f"{code} {name}（{region}）{alert}：{detail}{suffix}")
