"""A real ``xunzhi serve`` (gunicorn and the background worker) on a SQLite file in a temporary
data folder, driven over HTTP as a browser would: for the fault tests and the soak script.

The database is SQLite whatever ``DATABASE_URL`` says: these tests are about processes dying,
and they read the database file directly (``sqlite3``) to see what was written.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "xunzhi-live-pw"

SETUP = """
from xunzhi.campaigns.services import campaign_load_builtin
from tests.factories import build_small_county
from xunzhi.web.models import Role
from xunzhi.organisations.services import user_save
campaign = campaign_load_builtin()[0]
county = build_small_county(campaign)
user_save(username="office", role=Role.OFFICE, scope=county.county, password="{pw}")
user_save(username="clerk", role=Role.CLERK, scope=county.townships[0], password="{pw}")
user_save(username="clerk2", role=Role.CLERK, scope=county.townships[1], password="{pw}")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def live_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XUNZHI_DEBUG")}
    env["XUNZHI_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


class LiveServer:
    """``xunzhi serve`` in its own session (so that the whole group can be stopped)."""

    def __init__(self, data_dir: Path, *, setup: bool = True, **env: str):
        self.data_dir = data_dir
        self.env = live_env(data_dir, **env)
        self.cli = [sys.executable, "-m", "xunzhi.cli"]
        if setup:
            self.run("init")
            self.run("shell", "-c", SETUP.format(pw=PASSWORD))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (data_dir / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [*self.cli, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(f"{self.base}/login/", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("服务未能启动：" + self.output()) from None
                time.sleep(0.5)

    def run(self, *args: str) -> str:
        out = subprocess.run(
            [*self.cli, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600
        )
        if out.returncode != 0:
            raise RuntimeError(out.stderr or out.stdout)
        return out.stdout

    def output(self) -> str:
        self.log.flush()
        return (self.data_dir / "serve.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    # ------------------------------------------------------------------ the database

    def query(self, sql: str, *params) -> list[tuple]:
        con = sqlite3.connect(self.data_dir / "xunzhi.sqlite3", timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def job(self, pk: int) -> dict:
        (row,) = self.query("SELECT status, message, params, result FROM web_job WHERE id=?", pk)
        return {
            "status": row[0],
            "message": row[1],
            "params": json.loads(row[2] or "{}"),
            "result": json.loads(row[3] or "{}"),
        }

    def wait_job(self, pk: int, *, timeout: float = 180, until=None) -> dict:
        """The job once finished (or once ``until(job)`` holds)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(pk)
            if (until or (lambda j: j["status"] in ("done", "failed")))(job):
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"任务 {pk} 在 {timeout} 秒内未结束：{job}\n{self.output()}")
            time.sleep(0.2)

    def worker_pid(self) -> int | None:
        """The running ``xunzhi worker`` process (a child of serve)."""
        for pid in _children(self.process.pid):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"worker" in cmd:
                return pid
        return None

    # ------------------------------------------------------------------ a browser session

    def client(self, username: str, password: str = PASSWORD) -> httpx.Client:
        client = httpx.Client(base_url=self.base, timeout=120, follow_redirects=False)
        page = client.get("/login/")
        token = csrf(page.text)
        response = client.post(
            "/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.base}/login/"},
        )
        assert response.status_code == 302, response.text[:500]
        return client

    def upload(
        self, client: httpx.Client, name: str, data: bytes, kind: str = ""
    ) -> httpx.Response:
        token = csrf(client.get("/upload/").text)
        return client.post(
            "/upload/",
            data={"kind": kind, "csrfmiddlewaretoken": token},
            files={"files": (name, data)},
            headers={"Referer": f"{self.base}/upload/"},
        )

    def confirm(self, client: httpx.Client, job: int) -> int:
        token = csrf(client.get(f"/jobs/{job}/").text)
        response = client.post(
            f"/jobs/{job}/confirm/",
            data={"csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.base}/jobs/{job}/"},
        )
        assert response.status_code == 302, response.text[:500]
        return job_id(response)


def csrf(html: str) -> str:
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert m, html[:500]
    return m[1]


def job_id(response: httpx.Response) -> int:
    m = re.search(r"/jobs/(\d+)/", response.headers.get("location", ""))
    assert m, (response.status_code, response.text[:500])
    return int(m[1])


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(_children(current))
    return out


def activities_book(
    rows: int, *, unit: str = "测试东镇第1村党支部", title: str = "压测活动"
) -> bytes:
    """An activity workbook of ``rows`` rows for the small county."""
    import datetime as dt
    import io

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("活动台账")
    ws.append(["日期", "组织", "类型", "标题", "参加人数"])
    start = dt.date(2021, 3, 1)
    for i in range(rows):
        ws.append(
            [start + dt.timedelta(days=i % 300), unit, "主题党日", f"{title}{i}", 10 + i % 50]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
