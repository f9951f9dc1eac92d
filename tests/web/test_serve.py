"""xunzhi serve: gunicorn and the task worker, with debug off and a stored secret key."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from xunzhi.web.management.commands.serve import server_environment

ROOT = Path(__file__).resolve().parents[2]


def test_environment_defaults_and_stored_key(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    env = server_environment({"PATH": "/usr/bin"})
    assert env["XUNZHI_DEBUG"] == "false" and env["XUNZHI_HTTPS"] == "false"
    key = env["XUNZHI_SECRET_KEY"]
    assert len(key) >= 50 and (tmp_path / "secret_key").read_text().strip() == key
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert server_environment({})["XUNZHI_SECRET_KEY"] == key  # the same key next time
    chosen = server_environment({"XUNZHI_DEBUG": "true", "XUNZHI_SECRET_KEY": "k" * 60})
    assert chosen["XUNZHI_DEBUG"] == "true" and chosen["XUNZHI_SECRET_KEY"] == "k" * 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_with_chinese_pages(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XUNZHI_DEBUG")}
    env["XUNZHI_DATA_DIR"] = str(tmp_path)
    cli = [sys.executable, "-m", "xunzhi.cli"]
    subprocess.run([*cli, "init"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                login = httpx.get(f"{base}/login/", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "服务未在 60 秒内启动"
                time.sleep(0.5)
        assert login.status_code == 200 and "登录" in login.text
        missing = httpx.get(f"{base}/no-such-page/", timeout=5)
        assert missing.status_code == 404
        assert "Page not found" not in missing.text and "页面" in missing.text
        css = httpx.get(f"{base}/static/bootstrap/css/bootstrap.min.css", timeout=5)
        assert css.status_code == 200 and "Bootstrap" in css.text[:500]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
