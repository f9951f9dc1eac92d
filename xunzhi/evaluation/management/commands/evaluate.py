"""xunzhi evaluate: the scores, grades and ranks of the units under a unit, as 评估打分表 (.xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from xunzhi.campaigns.selectors import campaign_get
from xunzhi.evaluation.export import score_sheet_build
from xunzhi.evaluation.selectors import unit_scores
from xunzhi.lib.commands import XunzhiCommand
from xunzhi.organisations.selectors import org_find, org_root
from xunzhi.reports.management.commands.report import parse_date


class Command(XunzhiCommand):
    help = "按评估指标体系给下属乡镇和部门打分、定等次、排名，并写出评估打分表（.xlsx）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", help="评估单位的组织代码或名称，默认为组织树的根")
        parser.add_argument("--campaign", help="学习教育活动代码，默认为当前活动")
        parser.add_argument("--until", help="数据截止日期，如 2021-06-30")
        parser.add_argument(
            "--level", help="只评这一类单位：township（乡镇）、department（部门），默认全部"
        )
        parser.add_argument("-o", "--output", help="评估打分表路径（.xlsx）；不给则只在屏幕上列出")

    def handle(self, *args: object, **options: Any) -> None:
        campaign = campaign_get(options["campaign"])
        unit = org_find(options["unit"]) if options["unit"] else org_root()
        until = parse_date(options["until"], "截止日期") if options["until"] else None
        table = unit_scores(campaign=campaign, unit=unit, until=until, level=options["level"])
        for row in sorted(table.rows, key=lambda r: (r.kind, r.rank)):
            pending = f"（{row.pending}项待评）" if row.pending else ""
            self.stdout.write(
                f"{row.kind}\t{row.rank}\t{row.name}\t{row.total}\t{row.grade}{pending}"
            )
        if options["output"]:
            path = Path(options["output"])
            path.write_bytes(score_sheet_build(table))
            self.stdout.write(f"评估打分表：{path}（{len(table.rows)}个单位）")
