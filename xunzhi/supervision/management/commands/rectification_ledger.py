"""xunzhi rectification-ledger --unit 青山县 -o 整改台账.xlsx — the 整改台账 of a unit's subtree."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.utils import timezone

from xunzhi.campaigns.selectors import campaign_get
from xunzhi.lib.commands import XunzhiCommand
from xunzhi.lib.errors import UserError
from xunzhi.organisations.selectors import org_find, org_root
from xunzhi.supervision.exports import rectification_ledger_xlsx


class Command(XunzhiCommand):
    help = "导出整改台账（.xlsx）：问题、来源、责任单位、整改时限、整改措施、进展、销号日期。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--unit", metavar="单位", help="组织代码或名称（默认整棵组织树）")
        parser.add_argument("-o", "--output", required=True, metavar="PATH", help="输出 .xlsx")
        parser.add_argument("--on", metavar="YYYY-MM-DD", help="判断超期的日期（默认今天）")
        parser.add_argument("--campaign", metavar="CODE", help="学习教育活动代码（默认为当前活动）")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"])
        if out.suffix.lower() != ".xlsx":
            raise UserError(f"输出文件“{out}”的后缀必须是 .xlsx。")
        on = timezone.localdate()
        if options["on"]:
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError as exc:
                raise UserError(f"日期“{options['on']}”无效，应为 YYYY-MM-DD。") from exc
        campaign = campaign_get(options["campaign"])
        unit = org_find(options["unit"]) if options["unit"] else org_root()
        data = rectification_ledger_xlsx(campaign=campaign, unit=unit, on=on)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.stdout.write(
            self.style.SUCCESS(f"已导出{unit.name}整改台账：{out}（{len(data):,} 字节）")
        )
