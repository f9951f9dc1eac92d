"""xunzhi campaign: list the loaded campaigns, show or set the current one, list a campaign's
versions (the office's setting; every command without --campaign uses the current one)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from xunzhi.campaigns.selectors import campaign_get, campaign_list, campaign_versions
from xunzhi.campaigns.services import campaign_set_current
from xunzhi.lib.commands import XunzhiCommand


class Command(XunzhiCommand):
    help = "学习教育活动：list 列出已载入的活动；current [代码] 查看或设定当前活动；versions [代码] 列出定义文件的各版本。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,current,versions}")
        sub.add_parser("list", help="列出已载入的学习教育活动（新的在前）")
        current = sub.add_parser("current", help="查看或设定当前活动（命令行和网页的默认活动）")
        current.add_argument("code", nargs="?", metavar="代码", help="设为当前活动的活动代码")
        versions = sub.add_parser("versions", help="列出活动定义文件的各版本（默认当前活动）")
        versions.add_argument("code", nargs="?", metavar="代码")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for campaign in campaign_list():
                mark = "*" if campaign.is_current else " "
                number = campaign.version.number if campaign.version else "-"
                self.stdout.write(
                    f"{mark} {campaign.code}\t{campaign.name}\t"
                    f"{campaign.start_date}～{campaign.end_date}\t第{number}版"
                )
        elif action == "current":
            if options["code"]:
                campaign = campaign_set_current(code=options["code"])
                self.stdout.write(f"当前学习教育活动已设为：{campaign}（{campaign.code}）")
            else:
                campaign = campaign_get()
                self.stdout.write(f"当前学习教育活动：{campaign}（{campaign.code}）")
        else:
            campaign = campaign_get(options["code"])
            published = campaign.version_id
            for version in campaign_versions(campaign=campaign):
                mark = "*" if version.pk == published else " "
                who = version.created_by.username if version.created_by else "命令行"
                when = timezone.localtime(version.created_at).strftime("%Y-%m-%d %H:%M")
                self.stdout.write(
                    f"{mark} 第{version.number}版\t{when}\t{who}\t"
                    f"{version.source_name} / {version.template_name}\t{version.sha256[:12]}"
                )
