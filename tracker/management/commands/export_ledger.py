"""Export the 项目台账 to .xlsx or .csv (UTF-8 with BOM), optionally filtered."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.choices import Stage, Status
from tracker.ledger import exporter, parsers, render
from tracker.ledger.importer import NamedLookup, choice_lookup
from tracker.models import Event, Industry, Project, Region


class Command(BaseCommand):
    help = "导出项目台账到 .xlsx 或 .csv 文件，可按区域（含下级）、产业、阶段、状态、年份等筛选。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="输出文件：以 .xlsx 或 .csv 结尾")
        parser.add_argument("--region", help="区域名称或短标识（含下级区域）")
        parser.add_argument("--industry", help="产业类别名称或短标识")
        parser.add_argument("--event", help="签约活动名称或短标识")
        parser.add_argument("--stage", help="项目阶段（中文或代码）")
        parser.add_argument("--status", help="项目状态（中文或代码）")
        parser.add_argument("--year", type=int, help="签约年份")
        parser.add_argument("--public", help="是否公开：是/否")

    def handle(self, *args, **options):
        path = Path(options["file"])
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise CommandError("输出文件须以 .xlsx 或 .csv 结尾。")
        try:
            queryset = self._filtered(options)
        except parsers.CellError as exc:
            raise CommandError(exc.message) from None
        count = queryset.count()
        if suffix == ".xlsx":
            with path.open("wb") as stream:
                exporter.write_xlsx(exporter.ledger_rows(queryset, native=True), stream)
        else:
            with path.open("w", encoding="utf-8", newline="") as stream:
                for piece in exporter.iter_csv(exporter.ledger_rows(queryset, native=False)):
                    stream.write(piece)
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 个项目到 {path}。"))

    def _filtered(self, options):
        queryset = Project.objects.all()
        if options["region"]:
            regions = NamedLookup(Region.objects.values_list("pk", "name", "slug"), what="区域")
            queryset = queryset.in_region(regions.find(options["region"]))
        if options["industry"]:
            industries = NamedLookup(
                Industry.objects.values_list("pk", "name", "slug"), what="产业类别"
            )
            queryset = queryset.filter(industry_id=industries.find(options["industry"]))
        if options["event"]:
            events = NamedLookup(Event.objects.values_list("pk", "name", "slug"), what="签约活动")
            queryset = queryset.filter(event_id=events.find(options["event"]))
        if options["stage"]:
            stage = parsers.parse_choice(
                options["stage"], choice_lookup(Stage), render.stage_labels().values()
            )
            queryset = queryset.filter(stage=stage)
        if options["status"]:
            status = parsers.parse_choice(
                options["status"], choice_lookup(Status), render.status_labels().values()
            )
            queryset = queryset.filter(status=status)
        if options["year"]:
            queryset = queryset.signed_in_year(options["year"])
        if options["public"]:
            queryset = queryset.filter(is_public=parsers.parse_bool(options["public"]))
        return queryset
