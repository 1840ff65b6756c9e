from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.services.backup import MoveError, tracker_import


class Command(BaseCommand):
    help = "把 export_all 导出的目录导入到一个新建并已迁移的数据库；导入后逐个模型核对行数。"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory, **options):
        try:
            counts = tracker_import(directory=directory)
        except MoveError as err:
            raise CommandError(str(err)) from err
        self.stdout.write(
            self.style.SUCCESS(f"已导入 {sum(counts.values())} 行，行数与导出清单一致。")
        )
