"""xunzhi demo: what ``make demo`` runs — database, demo county, users, report, then the server."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser

from xunzhi.lib.commands import XunzhiCommand
from xunzhi.organisations.models import Org

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "xunzhi-admin"  # noqa: S105 the documented demo password


class Command(XunzhiCommand):
    help = "准备演示环境：初始化数据库、生成演示县数据和评估报告，然后启动网页应用。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="演示数据随机种子，默认 1")
        parser.add_argument("--reset", action="store_true", help="清空后重新生成演示数据")
        parser.add_argument("--no-serve", action="store_true", help="准备完成后不启动网页应用")
        parser.add_argument("--bind", default="127.0.0.1:8000", help="监听地址")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("init", stdout=self.stdout)
        if options["reset"] or not Org.objects.exists():
            from xunzhi.demo.generate import demo_generate

            for line in demo_generate(seed=options["seed"], scale="county").lines():
                self.stdout.write(line)
        else:
            self.stdout.write("已有数据，跳过演示数据生成（使用 --reset 重新生成）。")
        self._ensure_admin()
        self._write_report()
        from xunzhi.web.services import DEMO_PASSWORD, demo_users_create

        for username, role, scope in demo_users_create():
            self.stdout.write(f"演示用户：{username}（{role}，{scope}）  密码 {DEMO_PASSWORD}")
        self.stdout.write(
            self.style.SUCCESS(f"管理员登录：用户名 {ADMIN_USERNAME}  密码 {ADMIN_PASSWORD}")
        )
        if not options["no_serve"]:
            call_command("serve", bind=options["bind"], stdout=self.stdout)

    def _write_report(self) -> None:
        """The demo county's evaluation report and check sheet, into the data folder."""
        from django.conf import settings

        from xunzhi.campaigns.selectors import campaign_get
        from xunzhi.organisations.selectors import org_root
        from xunzhi.reports.services import report_demo_write

        version = report_demo_write(
            campaign=campaign_get(), unit=org_root(), folder=settings.DATA_DIR
        )
        self.stdout.write(f"评估报告：{version.docx_path}")
        self.stdout.write(f"数据核对表：{version.check_sheet_path}")

    def _ensure_admin(self) -> None:
        from django.contrib.auth import get_user_model

        User = get_user_model()
        user, _ = User.objects.get_or_create(username=ADMIN_USERNAME)
        user.is_staff = user.is_superuser = True
        user.set_password(ADMIN_PASSWORD)
        user.save()
