"""xunzhi backup: one archive of the database and the data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from xunzhi.backups.services import backup_create
from xunzhi.lib.commands import XunzhiCommand


class Command(XunzhiCommand):
    help = (
        "备份数据库和数据目录（上传文件、生成的报告、密钥）到一个 .tar.gz 文件；网站可以照常运行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            help="备份文件（或目录）；默认写入数据目录下的 backups/",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = backup_create(output=Path(options["output"]) if options["output"] else None)
        m = result.manifest
        rows = sum(m.tables.values())
        files = sum(1 for name in m.members if name.startswith("files/"))
        size = result.path.stat().st_size / 1024 / 1024
        self.stdout.write(
            self.style.SUCCESS(f"已备份：{result.path}（{size:.1f} MB）")
            + f"\n数据库：{m.engine}，{len(m.tables)} 张表，{rows} 行；数据目录文件 {files} 个。"
        )
