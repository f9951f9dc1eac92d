"""xunzhi export KIND -o PATH — a ledger or roster as .xlsx or .csv, the import columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from xunzhi.campaigns.selectors import campaign_get
from xunzhi.intake.services import kind_choices, ledger_export
from xunzhi.lib.commands import XunzhiCommand
from xunzhi.lib.errors import UserError
from xunzhi.organisations.selectors import org_find


class Command(XunzhiCommand):
    help = "导出台账或名册为 .xlsx 或 .csv（列与导入相同，可直接再导入）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind",
            choices=[k for k, _label in kind_choices()],
            metavar="KIND",
            help="、".join(f"{k}（{v}）" for k, v in kind_choices()),
        )
        parser.add_argument(
            "-o", "--output", required=True, metavar="PATH", help="输出文件，后缀 .xlsx 或 .csv"
        )
        parser.add_argument("--unit", metavar="CODE", help="只导出该组织及其下级")
        parser.add_argument("--campaign", metavar="CODE", help="学习教育活动代码（默认为当前活动）")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise UserError(f"输出文件“{out}”的后缀必须是 .xlsx 或 .csv。")
        campaign = campaign_get(options["campaign"])
        unit = org_find(options["unit"]) if options["unit"] else None
        data = ledger_export(kind=options["kind"], campaign=campaign, unit=unit, fmt=fmt)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.stdout.write(
            self.style.SUCCESS(
                f"已导出{dict(kind_choices())[options['kind']]}：{out}（{len(data):,} 字节）"
            )
        )
