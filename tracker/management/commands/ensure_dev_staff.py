from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "zhaoshang-dev"


class Command(BaseCommand):
    help = "开发环境：确保存在一个本地管理员账号并打印其用户名和密码（仅限 DEBUG）。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_staff 只能在开发设置（DEBUG=1）下使用。")
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created or not user.check_password(PASSWORD):
            user.set_password(PASSWORD)
            user.is_staff = user.is_superuser = True
            user.save()
        self.stdout.write(
            self.style.SUCCESS(f"本地管理员 / dev staff login: {USERNAME} / {PASSWORD}  → /admin/")
        )
