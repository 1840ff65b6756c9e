"""Discard import previews nobody confirmed within a day, giving their stored bytes back.

    python manage.py purge_previews

Previewing, confirming and discarding purge too; run this from cron (e.g.
hourly or daily) so bytes do not wait for the next upload.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from tracker.services.ledger import import_previews_purge


class Command(BaseCommand):
    help = "Discard ledger import previews older than a day and drop their stored bytes."

    def handle(self, *args, **options):
        count = import_previews_purge()
        self.stdout.write(
            ngettext(
                "已清除 %(count)s 个过期的导入预览。", "已清除 %(count)s 个过期的导入预览。", count
            )
            % {"count": count}
        )
