"""xunzhi demo-data: build the deterministic demo county (or city of ten counties, or province
of ten cities, resumable: see :mod:`xunzhi.demo.province`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from xunzhi.demo.generate import SCALES, demo_checksum, demo_generate
from xunzhi.demo.province import province_generate
from xunzhi.lib.commands import XunzhiCommand


class Command(XunzhiCommand):
    help = (
        "生成演示数据：一个县（county）、一个市十个县（city）或一个省十个市一百个县（province）。"
        "相同种子生成相同数据；会替换现有组织和台账（province 中断后再次运行会接着生成）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="随机种子，默认 1")
        parser.add_argument(
            "--scale",
            choices=[*SCALES, "province"],
            default="county",
            help="规模：county、city 或 province",
        )
        parser.add_argument(
            "--counties",
            type=int,
            default=None,
            help="province：本次最多复制多少个县（之后再次运行继续）",
        )
        parser.add_argument(
            "--fresh", action="store_true", help="province：不接着上次，从头重新生成"
        )
        parser.add_argument("--checksum", action="store_true", help="生成后打印数据校验和")

    def handle(self, *args: Any, **options: Any) -> None:
        import io

        from django.core.management import call_command

        call_command("init", stdout=io.StringIO())  # quiet and idempotent
        if options["scale"] == "province":
            summary = province_generate(
                seed=options["seed"],
                limit=options["counties"],
                fresh=options["fresh"],
                progress=self._progress,
            )
        else:
            summary = demo_generate(seed=options["seed"], scale=options["scale"])
        for line in summary.lines():
            self.stdout.write(line)
        if options["checksum"]:
            self.stdout.write(f"数据校验和：{demo_checksum()}")

    def _progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
