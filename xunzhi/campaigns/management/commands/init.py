"""xunzhi init: create or migrate the database and load the built-in campaigns (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from xunzhi.campaigns.models import Campaign
from xunzhi.campaigns.services import Loaded, campaign_load
from xunzhi.campaigns.spec import builtin_campaign_files
from xunzhi.lib.commands import XunzhiCommand


class Command(XunzhiCommand):
    help = "创建或升级数据库，并载入内置的学习教育活动定义（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--campaign",
            action="append",
            default=[],
            metavar="FILE",
            help="另外载入的活动定义文件（TOML），可重复。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        # Static files (Bootstrap, htmx, our CSS) gathered into the data folder, compressed,
        # for whitenoise to serve without a CDN.
        call_command("collectstatic", interactive=False, verbosity=0)
        files = builtin_campaign_files() + [p for p in options["campaign"]]
        for path in files:
            campaign, loaded = campaign_load(path=path)
            self.stdout.write(loaded_line(campaign, loaded))
        db = settings.DATABASES["default"]
        where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db['HOST']}/{db['NAME']}"
        self.stdout.write(self.style.SUCCESS(f"数据库已就绪：{where}"))


def loaded_line(campaign: Campaign, loaded: Loaded) -> str:
    """What loading one file did, in a line: a new campaign, a new version or nothing."""
    name = f"{campaign.name}（{campaign.code}）"
    number = campaign.version.number if campaign.version is not None else "?"
    if loaded is Loaded.NEW:
        return f"已载入学习教育活动：{name}，定义文件第{number}版"
    if loaded is Loaded.VERSION:
        return f"已更新学习教育活动：{name}，定义文件或报告模板有改动，存为第{number}版"
    return f"学习教育活动未改动：{name}，仍为定义文件第{number}版"
