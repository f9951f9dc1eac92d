"""xunzhi serve: the web application under gunicorn, with a background task worker beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from xunzhi.lib.commands import XunzhiCommand
from xunzhi.lib.env import stored_secret_key


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

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000"
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn 工作进程数，默认 2")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")

    def handle(self, *args, **options):
        env = server_environment(dict(os.environ))
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "xunzhi.cli",
                    "db_worker",
                    "--interval",
                    "0.5",
                    "--no-reload",
                ],
                env=env,
            )
        self.stdout.write(f"网页应用：http://{options['bind']}/  （按 Ctrl+C 停止）")
        self.stdout.flush()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "xunzhi.wsgi",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            env=env,
        )

        def stop(signum, frame):  # SIGTERM stops the children as Ctrl+C does
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGTERM)
            server.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
            if worker is not None:
                worker.terminate()
                worker.wait()
