"""Print the projects needing attention, one line per alert.

The app mails these itself every morning (the ``alerts`` job in
``tracker.jobs.schedule``, run by ``jobs_worker``); this command prints the
same lines (``tracker.services.alerts.alert_lines``) for a shell or a pipe.

    python manage.py project_alerts [--region 名称或短标识] [--format text|csv] [--date YYYY-MM-DD]

Exits 0 whether or not anything is printed, so cron mails only when there is
output (e.g. ``MAILTO`` with ``project_alerts | ifne mail …``). An unknown
region is an error (exit 1).
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker import spreadsheets
from tracker.models import Project, Region
from tracker.services.alerts import alert_lines


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
        lines = [
            [line.code, line.name, line.region, line.alert, line.detail, line.people]
            for line in alert_lines(projects, today=today)
        ]
        if options["format"] == "csv":
            header = ["code", "name", "region", "alert", "detail", "responsible"]
            # No BOM: this goes to a mail body or a pipe, not straight into Excel.
            for piece in spreadsheets.csv_lines(header, lines, bom=False, lineterminator="\n"):
                self.stdout.write(piece, ending="")
            return
        for code, name, region, alert, detail, people in lines:
            suffix = f"  [{people}]" if people else ""
            self.stdout.write(f"{code} {name}（{region}）{alert}：{detail}{suffix}")
