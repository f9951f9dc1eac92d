"""xunzhi worker: the background task worker, which first fails the jobs a dead worker left."""

from __future__ import annotations

import os
import socket
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from xunzhi.web.jobs import job_files_sweep, jobs_recover


class Command(DbWorkerCommand):
    help = "后台任务进程：运行导入和报告任务（启动时先结束上一个进程意外留下的任务）。"

    def handle(self, *args: Any, **options: Any) -> None:
        failed = jobs_recover()
        if failed:
            self.stderr.write(f"已将 {failed} 个因后台进程意外终止而未完成的任务标记为失败。")
        job_files_sweep()
        # The id names this process so that a later worker can tell whether it still runs.
        options["worker_id"] = f"{socket.gethostname()}:{os.getpid()}"[-64:]
        return super().handle(*args, **options)
