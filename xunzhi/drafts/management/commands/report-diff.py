"""xunzhi report-diff A B: the differences between two versions of a report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from xunzhi.lib.commands import XunzhiCommand


class Command(XunzhiCommand):
    help = "比较报告的两个版本（草稿或定稿写编号，如 12；生成版本写 V 加编号，如 V5）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("a", help="较早的版本")
        parser.add_argument("b", help="较新的版本")
        parser.add_argument("-o", "--output", help="写出带修订标记的 Word 文件（.docx）")

    def handle(self, *args: str, **options: Any) -> None:
        from xunzhi.drafts.cli import report_diff

        for line in report_diff(options["a"], options["b"], options["output"]):
            self.stdout.write(line)
