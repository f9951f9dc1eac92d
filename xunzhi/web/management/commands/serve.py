"""xunzhi serve: the web application under gunicorn, with a background task worker beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from django.conf import settings
from django.core.management.base import CommandParser

from xunzhi.lib.commands import XunzhiCommand
from xunzhi.lib.env import default_workers, stored_secret_key
from xunzhi.web.jobs import job_files_sweep


def server_environment(environ: dict[str, str]) -> dict[str, str]:
    """The served application runs with debug off (Chinese error pages, no settings dumps)
    unless XUNZHI_DEBUG says otherwise; on plain HTTP unless XUNZHI_HTTPS says otherwise; and
    with a secret key kept in the data folder when none is given."""
    env = dict(environ, DJANGO_SETTINGS_MODULE="xunzhi.settings")
    env.setdefault("XUNZHI_DEBUG", "false")
    env.setdefault("XUNZHI_HTTPS", "false")
    if not env.get("XUNZHI_SECRET_KEY"):
        env["XUNZHI_SECRET_KEY"] = stored_secret_key(Path(settings.DATA_DIR))
    return env


class Command(XunzhiCommand):
    help = "启动网页应用（gunicorn）和后台任务进程。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="gunicorn 工作进程数，默认每个处理器核心 2 个",
        )
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")

    def handle(self, *args: Any, **options: Any) -> None:
        env = server_environment(dict(os.environ))
        worker_cmd = [sys.executable, "-m", "xunzhi.cli", "worker", "--interval", "0.5"]
        worker_cmd += ["--no-reload", "--no-startup-delay"]
        supervisor = None if options["no_worker"] else WorkerSupervisor(worker_cmd, env, self)
        self.stdout.write(f"网页应用：http://{options['bind']}/  （按 Ctrl+C 停止）")
        self.stdout.flush()
        server = subprocess.Popen(  # noqa: S603 argv list of our own commands, no shell
            [
                sys.executable,
                "-m",
                "gunicorn",
                "xunzhi.wsgi",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "--timeout",  # above SQLite's 30 s wait for a writer
                "90",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            env=env,
        )

        def stop(
            signum: int, frame: FrameType | None
        ) -> NoReturn:  # SIGTERM stops the children as Ctrl+C does
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            while server.poll() is None:
                if supervisor is not None:
                    supervisor.check()
                time.sleep(1)
        except KeyboardInterrupt:
            server.send_signal(signal.SIGTERM)
            server.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
            if supervisor is not None:
                supervisor.stop()


class WorkerSupervisor:
    """Keeps one background worker running: a worker that dies is started again (it fails the
    jobs it left first, see ``xunzhi worker``); expired uploads are swept every hour."""

    SWEEP_EVERY = 3600

    def __init__(self, cmd: list[str], env: dict[str, str], command: XunzhiCommand) -> None:
        self.cmd, self.env, self.command = cmd, env, command
        self.restarts = 0
        self.delay = 1.0
        self.process = self._start()
        self.next_sweep = time.monotonic() + self.SWEEP_EVERY

    def _start(self) -> subprocess.Popen[bytes]:
        self.started = time.monotonic()
        return subprocess.Popen(self.cmd, env=self.env)  # noqa: S603 argv list of our own commands, no shell

    def check(self) -> None:
        now = time.monotonic()
        code = self.process.poll()
        if code is not None and now - self.died_at(code) >= self.delay:
            self.restarts += 1
            self.command.stderr.write(
                f"后台任务进程已退出（代码 {code}），正在重新启动（第 {self.restarts} 次）。"
            )
            # back off while it keeps dying at once; a worker that ran a minute starts afresh
            self.delay = 1.0 if now - self.started > 60 else min(self.delay * 2, 30.0)
            self._died = None
            self.process = self._start()
        if now >= self.next_sweep:
            self.next_sweep = now + self.SWEEP_EVERY
            try:
                job_files_sweep()
            except Exception as exc:  # noqa: BLE001 - the sweep must never stop the server
                self.command.stderr.write(f"清理过期上传文件失败：{exc}")

    _died: float | None = None

    def died_at(self, code: int) -> float:
        if self._died is None:
            self._died = time.monotonic()
        return self._died

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
