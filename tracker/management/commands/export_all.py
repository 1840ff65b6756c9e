from pathlib import Path

from django.core.management.base import BaseCommand

from tracker.services.backup import tracker_export


class Command(BaseCommand):
    help = "把整个台账（数据、用户、权限组、修改历史）导出到目录，用于迁移或备份。"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory, **options):
        counts = tracker_export(directory=directory)
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(f"已导出 {total} 行（{len(counts)} 个模型）到 {directory}")
        )
