"""Create or refresh the staff groups 招商管理员, 区域录入员 and 只读."""

from django.core.management.base import BaseCommand

from tracker.services.groups import groups_sync


class Command(BaseCommand):
    help = "创建或更新工作人员用户组（招商管理员、区域录入员、只读）及其权限；可重复运行。"

    def handle(self, *args, **options):
        for name, count in groups_sync().items():
            self.stdout.write(f"{name}：{count} 项权限")
        self.stdout.write(
            self.style.SUCCESS("用户组已就绪。区域录入员的负责区域在“区域分工”中设置。")
        )
