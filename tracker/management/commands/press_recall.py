"""How much of the article fixtures the press-report extractor proposes, per seed article."""

from django.conf import settings
from django.core.management.base import BaseCommand

from tracker.press.recall import measure


class Command(BaseCommand):
    help = (
        "在五篇种子文章上运行新闻稿抽取，与 fixtures 对照：每篇的项目、合作方、活动召回，"
        "无对应的提议，以及台账规则会拒绝的金额或阶段（应为 0）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--details", action="store_true", help="列出每条无对应的提议、漏掉的项目和差异。"
        )

    def handle(self, *args, **options):
        results = measure(settings.BASE_DIR)
        head = "| 文章 | 项目召回 | 合作方召回 | 活动召回 | 提议项目 | 无对应提议 | 规则拒绝 |"
        self.stdout.write(head)
        self.stdout.write("| --- | --- | --- | --- | --- | --- | --- |")
        total = {"fp": 0, "mp": 0, "fl": 0, "ml": 0, "fe": 0, "me": 0, "pp": 0, "un": 0, "rj": 0}
        for r in results:
            self.stdout.write(
                f"| {r.file[:3]} | {r.matched_projects}/{r.fixture_projects} "
                f"| {r.matched_partners}/{r.fixture_partners} | {r.matched_events}/{r.fixture_events} "
                f"| {r.proposed_projects} | {len(r.unmatched)} | {len(r.rejected)} |"
            )
            for key, value in (
                ("fp", r.fixture_projects),
                ("mp", r.matched_projects),
                ("fl", r.fixture_partners),
                ("ml", r.matched_partners),
                ("fe", r.fixture_events),
                ("me", r.matched_events),
                ("pp", r.proposed_projects),
                ("un", len(r.unmatched)),
                ("rj", len(r.rejected)),
            ):
                total[key] += value
        self.stdout.write(
            f"| 合计 | {total['mp']}/{total['fp']} | {total['ml']}/{total['fl']} "
            f"| {total['me']}/{total['fe']} | {total['pp']} | {total['un']} | {total['rj']} |"
        )
        if options["details"]:
            for r in results:
                self.stdout.write(f"\n## {r.file}")
                for title, rows in (
                    ("规则拒绝", r.rejected),
                    ("无对应的提议", r.unmatched),
                    ("漏掉的台账项目", r.missed),
                    ("差异（较弱的阶段、未提出的金额、角色）", r.differences),
                    ("与台账一致的金额、日期和活动公布数", r.agreed),
                ):
                    self.stdout.write(f"### {title}（{len(rows)}）")
                    for row in rows:
                        self.stdout.write(f"- {row}")
