"""Soak: several clients at once against ``xunzhi serve`` with the demo county, for ten minutes.

    uv run python bench/soak.py [--duration 600] [--data-dir DIR] [--keep]

Builds the demo county once into ``--data-dir`` (default /tmp/xunzhi-soak; reused when it is
there), starts ``xunzhi serve`` on a free port and runs, each in its own thread until the
time is up:

- importers (the clerk): an activity workbook of 1 000 new rows, checked then confirmed;
- editors (the clerk and the office on the same unit and month): reported values saved with
  the version each one saw, so that they conflict; and a ledger row edited the same way;
- a hostile uploader: a cell at XFD1048576, a zip bomb, random bytes, a truncated workbook, a
  300-character file name, a file over the size limit;
- a reporter (the inspector): evaluation reports generated for the county;
- a reader (the viewer): the dashboard, ledger lists and figure pages.

It samples the resident memory of every process of the server (gunicorn master and workers,
the task worker, job processes) every half second and prints requests, p50/p95 latency, server
errors (any 5xx or dropped connection), jobs by outcome, lost updates (an edit acknowledged but
not in the database) and peak memory per process. It exits 1 unless there were no server
errors, no lost updates, no job failed that should have succeeded, and every process stayed
under 1.5 GB.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import LiveServer, activities_book, csrf, job_id, process_tree  # noqa: E402

DEMO_PASSWORD = "xunzhi-demo"
LIMIT_MB = 1536


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.server_errors: list[str] = []
        self.jobs: dict[str, int] = defaultdict(int)
        self.unexpected_jobs: list[str] = []
        self.conflicts = 0
        self.saves = 0

    def request(self, name: str, seconds: float, status: int | None, detail: str = "") -> None:
        with self.lock:
            self.latency[name].append(seconds)
            if status is None or status >= 500:
                self.server_errors.append(f"{name}: {status} {detail[:200]}")


class Soak:
    def __init__(self, server: LiveServer, stats: Stats, deadline: float):
        self.server, self.stats, self.deadline = server, stats, deadline
        (self.scope_path,) = server.query(
            "SELECT o.path FROM web_profile p JOIN auth_user u ON u.id = p.user_id "
            "JOIN organisations_org o ON o.id = p.scope_id WHERE u.username = 'clerk'"
        )[0]
        self.units = [
            row
            for row in server.query(
                "SELECT id, code, name FROM organisations_org WHERE path LIKE ? ORDER BY path",
                self.scope_path + "%",
            )
        ]
        (self.root_id,) = server.query(
            "SELECT id FROM organisations_org WHERE depth = 1 ORDER BY path"
        )[0]

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    def call(self, client, name: str, method: str, url: str, **kwargs):
        started = time.monotonic()
        try:
            response = client.request(method, url, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a dropped connection is a server error
            self.stats.request(name, time.monotonic() - started, None, repr(exc))
            return None
        self.stats.request(name, time.monotonic() - started, response.status_code, response.text)
        return response

    def wait(self, client, pk: int, expect: str) -> dict:
        job = self.server.wait_job(pk, timeout=600)
        with self.stats.lock:
            self.stats.jobs[f"{expect}:{job['status']}"] += 1
            if expect == "ok" and not (job["status"] == "done" and job["result"].get("ok", True)):
                self.stats.unexpected_jobs.append(f"{pk}: {job['message']}")
            if expect == "refused" and job["status"] == "done" and job["result"].get("ok"):
                self.stats.unexpected_jobs.append(f"{pk}: a hostile file was accepted")
        return job

    def upload(self, client, name: str, data: bytes, kind: str = ""):
        page = self.call(client, "上传页", "GET", "/upload/")
        if page is None:
            return None
        return self.call(
            client,
            "上传",
            "POST",
            "/upload/",
            data={"kind": kind, "csrfmiddlewaretoken": csrf(page.text)},
            files={"files": (name, data)},
            headers={"Referer": f"{self.server.base}/upload/"},
        )

    # ------------------------------------------------------------------ the clients

    def importer(self, n: int) -> None:
        client = self.server.client("clerk", DEMO_PASSWORD)
        round_ = 0
        while self.running():
            round_ += 1
            unit = random.choice(self.units)[2]
            book = activities_book(1000, unit=unit, title=f"压测{n}-{round_}-")
            response = self.upload(client, f"活动{n}-{round_}.xlsx", book)
            if response is None or response.status_code != 302:
                continue
            dry = self.wait(client, job_id(response), "ok")
            if dry["status"] != "done" or not dry["result"].get("ok"):
                continue
            page = self.call(client, "任务页", "GET", f"/jobs/{job_id(response)}/")
            confirm = self.call(
                client,
                "确认导入",
                "POST",
                f"/jobs/{job_id(response)}/confirm/",
                data={"csrfmiddlewaretoken": csrf(page.text)},
                headers={"Referer": self.server.base},
            )
            if confirm is not None and confirm.status_code == 302:
                self.wait(client, job_id(confirm), "ok")

    def values_editor(self, username: str, unit: tuple, period: str, log: list) -> None:
        client = self.server.client(username, DEMO_PASSWORD)
        url = f"/values/{unit[1]}/{period}/"
        while self.running():
            page = self.call(client, "填报页", "GET", url)
            if page is None or page.status_code != 200:
                continue
            version = int(re.search(r'name="version" value="(\d+)"', page.text)[1])
            value = random.randint(1, 10_000)
            time.sleep(random.random() * 0.3)  # a person typing: the other may save meanwhile
            response = self.call(
                client,
                "保存填报",
                "POST",
                url,
                data={
                    "action": "save",
                    "v_专班抽调人数": str(value),
                    "version": str(version),
                    "csrfmiddlewaretoken": csrf(page.text),
                },
                headers={"Referer": self.server.base + url},
            )
            if response is None:
                continue
            with self.stats.lock:
                if response.status_code == 302:
                    self.stats.saves += 1
                    log.append((version, value))
                elif "已被其他用户修改" in response.text:
                    self.stats.conflicts += 1

    def hostile(self) -> None:
        client = self.server.client("clerk", DEMO_PASSWORD)
        files = hostile_files()
        while self.running():
            name, data, expect = random.choice(files)
            response = self.upload(client, name, data)
            if response is None:
                continue
            if expect == "413":
                if response.status_code != 413:
                    self.stats.unexpected_jobs.append(f"{name}: {response.status_code}, not 413")
                continue
            if response.status_code == 302:
                self.wait(client, job_id(response), expect)
            time.sleep(1)

    def reporter(self) -> None:
        client = self.server.client("inspector", DEMO_PASSWORD)
        while self.running():
            page = self.call(client, "报告页", "GET", "/reports/")
            if page is None or page.status_code != 200:
                continue
            data = form_fields(page.text)
            data["unit"] = str(self.root_id)
            data.pop("pdf", None)
            response = self.call(
                client,
                "生成报告",
                "POST",
                "/reports/",
                data=data,
                headers={"Referer": self.server.base + "/reports/"},
            )
            if response is not None and response.status_code == 302:
                m = re.search(r"/jobs/(\d+)/", response.headers.get("location", ""))
                if m:
                    self.wait(client, int(m[1]), "ok")
            time.sleep(5)

    def reader(self) -> None:
        client = self.server.client("viewer", DEMO_PASSWORD)
        pages = [
            "/",
            "/ledgers/activities/",
            "/ledgers/activities/?page=3",
            "/ledgers/problems/?overdue=1",
            "/ledgers/projects/",
            "/values/",
            "/figures/F02/",
            "/orgs/",
        ]
        while self.running():
            url = random.choice(pages)
            self.call(client, "浏览 " + url.split("?")[0], "GET", url)


def form_fields(html: str) -> dict[str, str]:
    """The values a browser would post back from a page's inputs and selects."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="file"' in tag or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name[1]] = value[1] if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen[1] if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body
    return data


def hostile_files() -> list[tuple[str, bytes, str]]:
    from openpyxl import Workbook

    def book(*cells: str) -> bytes:
        wb = Workbook()
        for ref in cells:
            wb.active[ref] = "x"
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "xl/worksheets/sheet1.xml",
            b"<worksheet><sheetData><row r='1'><c r='A1' t='inlineStr'><is><t>"
            + b"A" * (450 * 1024 * 1024)
            + b"</t></is></c></row></sheetData></worksheet>",
        )
    good = book("A1")
    return [
        ("远处.xlsx", book("XFD1048576"), "refused"),
        ("两角.xlsx", book("A1", "XFD1048576"), "refused"),
        ("炸弹.xlsx", bomb.getvalue(), "refused"),
        ("随机.xlsx", random.Random(1).randbytes(5000), "refused"),
        ("截断.xlsx", good[: len(good) // 2], "refused"),
        ("长" * 300 + ".csv", "日期,组织,类型,标题\n2021-06-01,无,无,无\n".encode(), "refused"),
        ("超大.csv", b"x" * (60 * 1024 * 1024), "413"),
    ]


class Memory(threading.Thread):
    """Peak resident memory of every process of the server, sampled twice a second."""

    def __init__(self, root_pid: int):
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.peaks: dict[str, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in process_tree(self.root_pid):
                label, rss = _process(pid)
                if label and rss:
                    self.peaks[label] = max(self.peaks.get(label, 0), rss)
            time.sleep(0.5)


def _process(pid: int) -> tuple[str, int]:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "", 0
    rss = int(re.search(r"VmRSS:\s+(\d+)", status)[1]) * 1024 if "VmRSS" in status else 0
    if "gunicorn" in cmd:
        ppid = int(re.search(r"PPid:\s+(\d+)", status)[1])
        parent = Path(f"/proc/{ppid}/cmdline").read_bytes()
        label = "gunicorn 工作进程" if b"gunicorn" in parent else "gunicorn 主进程"
    elif " worker" in cmd:
        ppid = int(re.search(r"PPid:\s+(\d+)", status)[1])
        parent = Path(f"/proc/{ppid}/cmdline").read_bytes()
        label = "任务子进程（导入/报告）" if b"cli\0worker\0" in parent else "后台任务进程"
    elif " serve" in cmd:
        label = "xunzhi serve"
    else:
        label = cmd.split(" ")[0].rsplit("/", 1)[-1] or str(pid)
    return label, rss


def prepare(data_dir: Path) -> None:
    if (data_dir / "xunzhi.sqlite3").exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {"XUNZHI_DATA_DIR": str(data_dir)}
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)} | env
    cli = [sys.executable, "-m", "xunzhi.cli"]
    for args in (["init"], ["demo-data", "--seed", "1", "--scale", "county"], ["demo-users"]):
        subprocess.run([*cli, *args], cwd=ROOT, env=env, check=True, capture_output=True)


def free_month(server: LiveServer, unit_id: int) -> str:
    taken = {
        p
        for (p,) in server.query(
            "SELECT period FROM ledgers_valuesubmission WHERE org_id = ? AND status != '草稿'",
            unit_id,
        )
    }
    for month in ("2021-12", "2021-11", "2021-10", "2021-09", "2022-01"):
        if month not in taken:
            return month
    raise SystemExit("没有可编辑的月份")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=600, help="秒，默认 600")
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "xunzhi-soak"))
    parser.add_argument("--importers", type=int, default=2)
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    started = time.monotonic()
    prepare(data_dir)
    print(f"演示县数据：{data_dir}（{time.monotonic() - started:.0f} s）", flush=True)
    server = LiveServer(data_dir, setup=False)
    stats = Stats()
    memory = Memory(server.process.pid)
    memory.start()
    try:
        soak = Soak(server, stats, time.monotonic() + args.duration)
        unit = soak.units[-1]
        period = free_month(server, unit[0])
        values_log: list[tuple[int, int]] = []
        (start_version,) = server.query(
            "SELECT coalesce(max(version), 0) FROM ledgers_valuesubmission "
            "WHERE org_id = ? AND period = ?",
            unit[0],
            period,
        )[0]
        threads = [threading.Thread(target=soak.importer, args=(i,)) for i in range(args.importers)]
        threads += [
            threading.Thread(target=soak.values_editor, args=(u, unit, period, values_log))
            for u in ("clerk", "office")
        ]
        threads += [threading.Thread(target=t) for t in (soak.hostile, soak.reporter, soak.reader)]
        print(f"{len(threads)} 个客户端，{args.duration} 秒……", flush=True)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        lost = lost_updates(server, unit, period, start_version, values_log)
    finally:
        memory.stop.set()
        server.stop()
    ok = report(stats, memory.peaks, lost, args.duration)
    sys.exit(0 if ok else 1)


def lost_updates(server, unit, period, start_version, log) -> list[str]:
    """Every acknowledged save moved the version by one; the value in the database is the
    one saved last (the save made at version ``final - 1``)."""
    rows = server.query(
        "SELECT version FROM ledgers_valuesubmission WHERE org_id = ? AND period = ?",
        unit[0],
        period,
    )
    final = rows[0][0] if rows else 0
    problems = []
    if final - start_version != len(log):
        problems.append(f"确认保存 {len(log)} 次，但版本只前进了 {final - start_version}")
    last = [value for version, value in log if version == final - 1]
    (stored,) = server.query(
        "SELECT CAST(value AS INTEGER) FROM ledgers_reportedvalue "
        "WHERE org_id = ? AND period = ? AND item = '专班抽调人数'",
        unit[0],
        period,
    ) or [(None,)]
    if log and (len(last) != 1 or stored[0] != last[0]):
        problems.append(f"数据库中的值 {stored[0]} 不是最后一次确认保存的值 {last}")
    return problems


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0] * 1000:.0f}"
    return f"{statistics.quantiles(values, n=100)[int(q) - 1] * 1000:.0f}"


def report(stats: Stats, peaks: dict[str, int], lost: list[str], duration: int) -> bool:
    print(f"\n浸泡测试 {duration} 秒（xunzhi serve，演示县，SQLite）")
    print(f"{'请求':<22}{'次数':>8}{'p50 ms':>10}{'p95 ms':>10}")
    for name in sorted(stats.latency):
        values = stats.latency[name]
        print(f"{name:<22}{len(values):>8}{_ms(values, 50):>10}{_ms(values, 95):>10}")
    print("任务：" + "，".join(f"{k} {v}" for k, v in sorted(stats.jobs.items())))
    print(f"填报保存：成功 {stats.saves}，因版本冲突被拒 {stats.conflicts}")
    print(f"服务器错误（5xx 或连接中断）：{len(stats.server_errors)}")
    for line in stats.server_errors[:10]:
        print("  " + line)
    print(f"结果不符的任务：{len(stats.unexpected_jobs)}")
    for line in stats.unexpected_jobs[:10]:
        print("  " + line)
    print(f"丢失的修改：{len(lost)}")
    for line in lost:
        print("  " + line)
    print("各进程峰值内存：")
    for label, rss in sorted(peaks.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<24}{rss / 1024 / 1024:>8.0f} MB")
    worst = max(peaks.values(), default=0) / 1024 / 1024
    ok = not stats.server_errors and not lost and not stats.unexpected_jobs and worst < LIMIT_MB
    print(
        f"结论：{'通过' if ok else '未通过'}（服务器错误 {len(stats.server_errors)}，"
        f"丢失修改 {len(lost)}，最大进程内存 {worst:.0f} MB，上限 {LIMIT_MB} MB）"
    )
    return ok


if __name__ == "__main__":
    main()
