"""xunzhi restore: replace the database and the data folder by a backup (all or nothing)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from xunzhi.backups.services import backup_restore
from xunzhi.lib.commands import XunzhiCommand
from xunzhi.lib.errors import UserError


class Command(XunzhiCommand):
    help = (
        "用备份文件替换当前的数据库和数据目录。先完整检查备份，任何一步失败都保持原样。"
        "恢复前请先停止 xunzhi serve。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", metavar="FILE", help="xunzhi backup 写出的备份文件")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise UserError("恢复会替换当前的全部数据：请确认后加上 --yes 再运行。")
            answer = input(
                "恢复会用备份替换当前的数据库和数据目录中的文件，确定吗？输入 yes 继续："
            )
            if answer.strip().lower() != "yes":
                raise UserError("已取消，未做任何恢复。")
        manifest = backup_restore(archive=Path(options["archive"]))
        rows = sum(manifest.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"已恢复 {manifest.created_at} 的备份：{len(manifest.tables)} 张表，{rows} 行。"
            )
        )
