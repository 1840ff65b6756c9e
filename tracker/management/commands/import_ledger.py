"""Import a 项目台账 file (xlsx or CSV) from the command line, with a per-row report."""

import hashlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from tracker.ledger.importer import ERROR, NEW, UNCHANGED, UPDATE
from tracker.ledger.reader import read_upload
from tracker.ledger.safety import LedgerError, check_size
from tracker.permissions import IMPORT_PERMISSION
from tracker.services.ledger import project_import

LABELS = {NEW: "新增", UPDATE: "更新", UNCHANGED: "未变", ERROR: "错误"}


class Command(BaseCommand):
    help = (
        "导入项目台账（.xlsx 或 .csv）。逐行报告新增/更新/未变/错误；"
        "任何一行有错误则不写入任何数据，并以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件路径（.xlsx 或 .csv）")
        parser.add_argument("--dry-run", action="store_true", help="只检查和预览，不写入")
        parser.add_argument(
            "--user",
            help="以该用户名导入：历史记录记在其名下，并按其权限和负责区域检查",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = self._user(options["user"])
        try:
            check_size(path.stat().st_size)
            data = path.read_bytes()
            outcome = project_import(
                rows=read_upload(path.name, data),
                file_name=path.name,
                user=user,
                dry_run=options["dry_run"],
                file_size=len(data),
                file_sha256=hashlib.sha256(data).hexdigest(),
            )
        except LedgerError as exc:
            raise CommandError(exc.message) from None
        except DatabaseError as exc:
            # The import runs in one transaction: a lost connection rolls all of it back.
            raise CommandError(
                f"数据库出错，导入已整体回滚，未写入任何数据；数据库恢复后可重新导入。（{exc}）"
            ) from None
        plan = outcome.plan
        self._report(plan, verbose=options["verbosity"] >= 1)
        counts = plan.counts
        summary = (
            f"共 {len(plan.rows)} 行：新增 {counts[NEW]}，更新 {counts[UPDATE]}，"
            f"未变 {counts[UNCHANGED]}，错误 {counts[ERROR]}；新建合作方 {len(plan.new_organizations)}。"
        )
        if not plan.ok:
            raise CommandError(f"{summary} 有错误，未写入任何数据。")
        if options["dry_run"]:
            self.stdout.write(self.style.WARNING(f"{summary}（试运行，未写入）"))
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary} 已写入，批次 #{outcome.batch.pk}。"))

    def _user(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的用户。")
        if not user.is_active or not user.has_perm(IMPORT_PERMISSION):
            raise CommandError(f"用户 {username} 没有导入项目台账的权限。")
        return user

    def _report(self, plan, *, verbose: bool):
        for message in plan.file_errors:
            self.stderr.write(f"文件：{message}")
        if plan.sheet:
            self.stdout.write(f"工作表：{plan.sheet}，表头在第 {plan.header_row} 行")
        if plan.ignored_columns:
            self.stdout.write("已忽略的列：" + "、".join(plan.ignored_columns))
        for message in plan.warnings:
            self.stdout.write(self.style.WARNING(f"注意：{message}"))
        for skipped in plan.skipped:
            self.stdout.write(f"第 {skipped.number} 行\t跳过\t{skipped.reason}")
        for row in plan.rows:
            if not verbose and row.action != ERROR:
                continue
            line = f"第 {row.number} 行\t{LABELS[row.action]}\t{row.code}\t{row.name}"
            self.stdout.write(line)
            for column, message in row.errors:
                self.stdout.write(f"    {column}：{message}" if column else f"    {message}")
            for change in row.changes:
                self.stdout.write(
                    f"    {change.column}：{change.old or '（空）'} → {change.new or '（空）'}"
                )
            if row.new_organizations:
                self.stdout.write("    新建合作方：" + "、".join(row.new_organizations))
