"""xunzhi report: write the evaluation report of a unit (docx, html, md or pdf) and its check sheet."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from xunzhi.campaigns.selectors import campaign_get
from xunzhi.lib.commands import XunzhiCommand
from xunzhi.lib.errors import UserError
from xunzhi.organisations.selectors import org_find, org_root
from xunzhi.reports.models import ReportVersion
from xunzhi.reports.services import (
    FORMATS,
    evaluation_for,
    evaluation_save,
    report_generate,
    report_regenerate,
)

_DATE = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*$")


def parse_date(text: str, what: str) -> dt.date:
    match = _DATE.match(text or "")
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise UserError(f"{what}“{text}”不是有效日期，请写成 2021-06-30 或 2021年6月30日。")


class Command(XunzhiCommand):
    help = "生成评估报告（Word/HTML/Markdown/PDF）及数据核对表。评估设置取自数据库，可用参数覆盖。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", help="被评估单位的组织代码或名称，默认为组织树的根")
        parser.add_argument("--campaign", help="学习教育活动代码，默认为当前活动")
        parser.add_argument(
            "--regenerate",
            type=int,
            metavar="ID",
            help="按报告版本 ID 当时的活动定义版本和截止日期重新生成报告（记为新版本）",
        )
        parser.add_argument("--until", help="数据截止日期，如 2021-06-30（报告“截至6月30日”）")
        parser.add_argument(
            "--format", choices=FORMATS, help="输出格式，默认取 -o 的扩展名，否则为 docx"
        )
        parser.add_argument("-o", "--output", help="输出文件路径，默认写入数据目录 reports/ 下")
        parser.add_argument("--check-sheet", help="同时写出数据核对表（.xlsx）的路径")
        parser.add_argument(
            "--annex",
            action="store_true",
            help="附评估打分表（下属单位的得分、等次和排名）作为附件；可与 --regenerate 同用"
            "（按原活动定义版本和截止日期评分），不能与 --from-draft 同用",
        )
        parser.add_argument(
            "--from-draft",
            type=int,
            metavar="N",
            help="写出第 N 号草稿或定稿（修改后的文字，人工修订列入数据核对表），不重新计算",
        )
        group = parser.add_argument_group("评估设置（覆盖数据库中保存的设置）")
        group.add_argument("--group", help="指导组序号，如“第三”")
        group.add_argument(
            "--group-title",
            help="指导组名称，如“市委党纪学习教育第二巡回指导组”（默认按活动定义文件的格式由序号生成）",
        )
        group.add_argument("--arrival", help="入驻日期，如 2021-03-17")
        group.add_argument("--city", help="所在市名称（不含“市”）")
        group.add_argument("--strategies", help="市委发展战略，如“工业强市、生态立市”")
        group.add_argument("--brand", help="发展品牌")
        group.add_argument("--lecture-places", help="主要领导宣讲地点（台账无记录时使用）")
        group.add_argument("--addressee", help="主送机关")
        group.add_argument("--signature", help="署名机关")
        group.add_argument(
            "--sign-date", help="成文日期，如 2021-07-05（默认为截止日期后若干天，见活动定义文件）"
        )
        group.add_argument(
            "--save", action="store_true", help="把以上设置保存到数据库，供网页和以后的报告使用"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["from_draft"] is not None:
            from xunzhi.drafts.cli import report_from_draft

            for line in report_from_draft(options):
                self.stdout.write(line)
            return
        output = Path(options["output"]) if options["output"] else None
        fmt = options["format"]
        if fmt is None:
            suffix = output.suffix.lower().lstrip(".") if output else ""
            fmt = {"markdown": "md", "htm": "html"}.get(suffix, suffix) if suffix else "docx"
            if fmt not in FORMATS:
                raise UserError(
                    f"无法从文件名“{output}”判断格式，请用 --format 指定（{'、'.join(FORMATS)}）。"
                )
        if options["regenerate"] is not None:
            self._regenerate(
                options["regenerate"], fmt, output, options["check_sheet"], options["annex"]
            )
            return
        campaign = campaign_get(options["campaign"])
        unit = org_find(options["unit"]) if options["unit"] else org_root()
        dates = {
            name: parse_date(options[key], label) if options[key] else None
            for name, key, label in (
                ("until", "until", "截止日期"),
                ("arrival_date", "arrival", "入驻日期"),
                ("sign_date", "sign_date", "成文日期"),
            )
        }
        evaluation = evaluation_for(
            campaign=campaign,
            unit=unit,
            group_number=options["group"],
            group_title=options["group_title"],
            city=options["city"],
            strategies=options["strategies"],
            brand=options["brand"],
            lecture_places=options["lecture_places"],
            addressee=options["addressee"],
            signature=options["signature"],
            **dates,
        )
        if options["save"] or evaluation.pk is None:
            evaluation_save(evaluation=evaluation)
        version = report_generate(
            evaluation=evaluation,
            formats=(fmt,),
            check_sheet=options["check_sheet"] or False,
            out_path=output,
            annex=options["annex"],
        )
        self._print(version)

    def _regenerate(
        self,
        version_id: int,
        fmt: str,
        output: Path | None,
        check_sheet: str | None,
        annex: bool,
    ) -> None:
        old = ReportVersion.objects.select_related("evaluation").filter(pk=version_id).first()
        if old is None:
            raise UserError(f"找不到报告版本 {version_id}。")
        version = report_regenerate(
            version=old,
            formats=(fmt,),
            out_path=output,
            check_sheet=check_sheet or False,
            annex=annex,
        )
        number = version.campaign_version.number if version.campaign_version else "?"
        self.stdout.write(
            f"已按活动定义第{number}版重新生成报告版本 {old.pk}（新版本 {version.pk}）"
        )
        self._print(version)

    def _print(self, version: ReportVersion) -> None:
        for kind, path in version.paths().items():
            label = "数据核对表" if kind == "xlsx" else f"评估报告（{kind}）"
            self.stdout.write(f"{label}：{path}")
