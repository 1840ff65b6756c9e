from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.services.fixtures import articles_load


class Command(BaseCommand):
    help = "载入五篇来源文章整理出的台账数据（fixtures/*.json）。可重复运行：第二次不做任何修改。"

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="*", type=Path, help="只载入这些文件（默认 fixtures/*.json 全部）"
        )

    def handle(self, *args, **options):
        missing = [str(p) for p in options["files"] if not p.is_file()]
        if missing:
            raise CommandError("找不到文件：" + "、".join(missing))
        report = articles_load(paths=options["files"] or None)
        labels = sorted(set(report.created) | set(report.updated) | set(report.unchanged))
        for label in labels:
            self.stdout.write(
                f"{label:32} 新增 {report.created[label]:4}  更新 {report.updated[label]:4}"
                f"  未变 {report.unchanged[label]:4}"
            )
        for label in sorted(set(report.kept) | set(report.removed)):
            if report.kept[label] or report.removed[label]:
                self.stdout.write(
                    f"{label:32} 保留人工修改的字段 {report.kept[label]:4}"
                    f"  删除文章已不含的 {report.removed[label]:4}"
                )
        verdict = "已写入变更。" if report.changed else "数据已是最新，未做修改。"
        self.stdout.write(self.style.SUCCESS(verdict))
