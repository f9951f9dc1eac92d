"""xunzhi demo-data: build the deterministic demo county (or city of ten counties)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from xunzhi.demo.generate import SCALES, demo_checksum, demo_generate
from xunzhi.lib.commands import XunzhiCommand


class Command(XunzhiCommand):
    help = "生成演示数据：一个县（county）或一个市十个县（city）。相同种子生成相同数据；会替换现有组织和台账。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="随机种子，默认 1")
        parser.add_argument(
            "--scale", choices=SCALES, default="county", help="规模：county 或 city"
        )
        parser.add_argument("--checksum", action="store_true", help="生成后打印数据校验和")

    def handle(self, *args: Any, **options: Any) -> None:
        import io

        from django.core.management import call_command

        call_command("init", stdout=io.StringIO())  # quiet and idempotent
        summary = demo_generate(seed=options["seed"], scale=options["scale"])
        for line in summary.lines():
            self.stdout.write(line)
        if options["checksum"]:
            self.stdout.write(f"数据校验和：{demo_checksum()}")
