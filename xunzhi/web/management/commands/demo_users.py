"""xunzhi demo-users: the four demo logins (office, inspector, clerk, viewer)."""

from __future__ import annotations

from typing import Any

from xunzhi.lib.commands import XunzhiCommand
from xunzhi.web.services import DEMO_PASSWORD, demo_users_create


class Command(XunzhiCommand):
    help = "创建（或重置）四个演示用户：office、inspector、clerk、viewer，密码均为 xunzhi-demo。"

    def handle(self, *args: Any, **options: Any) -> None:
        for username, role, scope in demo_users_create():
            self.stdout.write(f"{username}（{role}，{scope}）  密码 {DEMO_PASSWORD}")
