"""xunzhi template KIND -o file.xlsx — a blank workbook to fill in and import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from xunzhi.campaigns.selectors import campaign_get
from xunzhi.intake.services import kind_choices, ledger_template
from xunzhi.lib.commands import XunzhiCommand
from xunzhi.lib.errors import UserError
from xunzhi.organisations.selectors import org_find


class Command(XunzhiCommand):
    help = "生成空白填报模板（表头、下拉选项、单位列表和示例行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind",
            choices=[k for k, _label in kind_choices()],
            metavar="KIND",
            help="、".join(f"{k}（{v}）" for k, v in kind_choices()),
        )
        parser.add_argument("-o", "--output", required=True, metavar="PATH", help="输出 .xlsx 文件")
        parser.add_argument("--scope", metavar="CODE", help="单位列表只列该组织及其下级")
        parser.add_argument("--campaign", metavar="CODE", help="学习教育活动代码（默认为当前活动）")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"])
        if out.suffix.lower() != ".xlsx":
            raise UserError(f"模板文件“{out}”的后缀必须是 .xlsx。")
        campaign = campaign_get(options["campaign"])
        scope = org_find(options["scope"]) if options["scope"] else None
        data = ledger_template(kind=options["kind"], campaign=campaign, scope=scope)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.stdout.write(
            self.style.SUCCESS(f"已生成{dict(kind_choices())[options['kind']]}模板：{out}")
        )
