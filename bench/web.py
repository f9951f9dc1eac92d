"""Web speed: the dashboard, a filtered ledger list, the report preview and the report editor
under load.

    uv run python bench/web.py [--clients 20] [--seconds 60] [--fresh] [--screenshots]

Builds (once, cached in /tmp/xunzhi-bench-web) a SQLite database with the demo county
(``demo-data --seed 1``), the demo users, one generated report and a draft of it; then runs
gunicorn with ``--workers`` workers (default: as ``xunzhi serve``, two per core) on a free
loopback port (debug off, as in production) and drives four pages and one write with ``--clients`` concurrent httpx clients, each logged in as ``office``
(the whole county), for ``--seconds`` seconds: the write saves a paragraph of the draft (each
client its own paragraph, with the version it holds; a 409 is counted, not an error). Prints
requests, p50/p95/max latency and errors per page and overall (target: p95 < 300 ms, no
error), and the editor's open and save p95 against their own target (200 ms), beside the
report preview's p95 measured in the same run, and the CPU time gunicorn used per request
(from /proc: on a machine shared with other work, a steadier measure of the application's cost
than latency, which there is mostly queueing behind the other work). ``--screenshots`` also
saves docs/screenshot-dashboard.png and docs/screenshot-report.png (Debian chromium through
Playwright, 1366×768).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from xunzhi.lib.env import default_workers

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "xunzhi-bench-web"
PASSWORD = "xunzhi-demo"
PAGES = {
    "工作台": "/",
    "台账筛选": "/ledgers/activities/?type=%E4%B8%BB%E9%A2%98%E5%85%9A%E6%97%A5&period=2021-06&order=-date",
    "报告预览": None,  # filled in with the generated version
    "草稿编辑": None,  # the editor of the demo county's draft
    "段落保存": None,  # POST of one paragraph (JSON), see ``save``
}
#: the draft's body paragraphs (id, text), one per client
PARAGRAPHS: list[tuple[int, str]] = []
EDITOR_TARGET_MS = 200


def env(data_dir: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out.update(
        XUNZHI_DATA_DIR=str(data_dir),
        XUNZHI_DEBUG="false",
        XUNZHI_HTTPS="false",
        XUNZHI_SECRET_KEY=secrets.token_urlsafe(48),
        XUNZHI_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="xunzhi.settings",
    )
    return out


def run(args: list[str], data_dir: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "xunzhi.cli", *args],
        cwd=ROOT,
        env=env(data_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"xunzhi {' '.join(args)} 失败：\n{result.stdout}\n{result.stderr}")
    return result.stdout


REPORT_SNIPPET = """
import django
django.setup()
from xunzhi.campaigns.selectors import campaign_get
from xunzhi.organisations.selectors import org_root
from xunzhi.reports.models import ReportVersion
from xunzhi.reports.services import evaluation_for, evaluation_save, report_generate
version = ReportVersion.objects.order_by("-pk").first()
if version is None:
    evaluation = evaluation_for(campaign=campaign_get(), unit=org_root())
    evaluation.group_number = "第三"
    evaluation_save(evaluation=evaluation)
    version = report_generate(evaluation=evaluation, formats=("docx", "html"))
from xunzhi.drafts.models import Draft
from xunzhi.drafts.services import draft_create
draft = Draft.objects.filter(source_version=version).first() or draft_create(version=version)
import json
blocks = list(draft.blocks.filter(kind="body").order_by("position").values_list("pk", "text"))
print(json.dumps([version.pk, draft.pk, blocks]))
"""


def prepare(data_dir: Path, fresh: bool) -> tuple[int, int, list]:
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    marker = data_dir / "bench-ready"
    if not marker.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        run(["init"], data_dir)
        run(["demo-data", "--seed", "1", "--scale", "county"], data_dir)
        print(f"演示县数据生成：{time.perf_counter() - started:.0f} 秒")
        marker.write_text("ok")
    run(["demo-users"], data_dir)
    result = subprocess.run(
        [sys.executable, "-c", REPORT_SNIPPET],
        cwd=ROOT,
        env=env(data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    version, draft, blocks = json.loads(result.stdout.strip().splitlines()[-1])
    return version, draft, blocks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    response = client.post(
        "/login/",
        data={"username": "office", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
    )
    if response.status_code != 302:
        sys.exit(f"登录失败：HTTP {response.status_code}")
    return client


def drive(base: str, clients: int, seconds: float, master: int) -> dict[str, Any]:
    results: dict[str, list] = {name: [] for name in PAGES}
    errors: dict[str, list] = {name: [] for name in PAGES}
    lock = threading.Lock()
    sessions = [login(base) for _ in range(clients)]
    # the clock starts once every client is logged in (a login hashes the password: ~0.5 s)
    deadline = time.monotonic() + seconds
    server_before = server_cpu(master)
    names = list(PAGES)

    def worker(i: int) -> None:
        client = sessions[i]
        n = i
        while time.monotonic() < deadline:
            name = names[n % len(names)]
            n += 1
            started = time.perf_counter()
            try:
                if name == "段落保存":
                    response = save(client, i)
                    ok = response.status_code in (200, 409)
                else:
                    response = client.get(PAGES[name])
                    ok = response.status_code == 200
                detail = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                ok, detail = False, type(exc).__name__
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    results[name].append(elapsed)
                else:
                    errors[name].append(detail)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server_after = server_cpu(master)
    for s in sessions:
        s.close()
    used = None if server_before is None or server_after is None else server_after - server_before
    return {"ok": results, "errors": errors, "server_cpu": used}


_held: dict[int, int] = {}


def save(client: httpx.Client, i: int) -> httpx.Response:
    """Client ``i`` saves its paragraph: the original text, or with a clause added, in turn."""
    block, text = PARAGRAPHS[i % len(PARAGRAPHS)]
    version = _held.get(i, 1)
    new = text if version % 2 == 0 else text + "（测试）"
    response = client.post(
        f"{PAGES['草稿编辑']}blocks/{block}/",
        json={"text": new, "version": version},
        headers={"X-CSRFToken": client.cookies.get("csrftoken", "")},
    )
    if response.status_code in (200, 409):
        _held[i] = response.json().get("version") or version
    return response


def server_cpu(master: int) -> float | None:
    """CPU seconds (user + system) used so far by gunicorn's master and workers (Linux /proc;
    ``None`` elsewhere): divided by the requests served, the cost of a request, which other
    work on a shared machine disturbs far less than it disturbs latency."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry.name) == master or int(fields[1]) == master:  # fields[1]: the parent
                total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    except OSError:
        return None
    return total


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def screenshots(base: str) -> None:
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ]
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{base}/login/")
        page.fill("#id_username", "office")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.screenshot(path=str(docs / "screenshot-dashboard.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 1700})
        page.goto(base + PAGES["报告预览"])
        page.locator("article.report a.figure").first.hover()
        page.screenshot(path=str(docs / "screenshot-report.png"))
        browser.close()
    print("截图：docs/screenshot-dashboard.png、docs/screenshot-report.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--data-dir", type=Path, default=CACHE)
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="gunicorn worker processes (default: as `xunzhi serve`, two per core)",
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the demo database")
    parser.add_argument("--screenshots", action="store_true")
    opts = parser.parse_args()
    version, draft, blocks = prepare(opts.data_dir, opts.fresh)
    PAGES["报告预览"] = f"/reports/{version}/"
    PAGES["草稿编辑"] = f"/drafts/{draft}/"
    PARAGRAPHS[:] = [tuple(b) for b in blocks]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "xunzhi.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(opts.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env(opts.data_dir),
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/login/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        # Warm up: the first dashboard of a data version computes and caches its figures.
        warm = login(base)
        started = time.perf_counter()
        for path in PAGES.values():
            if path is None:
                continue
            response = warm.get(path)
            if response.status_code != 200:
                sys.exit(f"{path}：HTTP {response.status_code}")
        print(f"预热（首次计算并缓存工作台数据）：{time.perf_counter() - started:.2f} 秒")
        warm.close()
        if opts.screenshots:
            screenshots(base)
        print(
            f"{opts.clients} 个并发客户端，{opts.seconds:.0f} 秒，gunicorn {opts.workers} 个工作进程 …"
        )
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        load_before = os.getloadavg()[0]
        out = drive(base, opts.clients, opts.seconds, server.pid)
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
    every = [v for values in out["ok"].values() for v in values]
    total_errors = sum(len(e) for e in out["errors"].values())
    print(f"{'页面':<8}{'请求':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'错误':>6}")
    for name, values in out["ok"].items():
        print(
            f"{name:<8}{len(values):>8}{pct(values, 50):>10.1f}{pct(values, 95):>10.1f}"
            f"{max(values, default=float('nan')):>10.1f}{len(out['errors'][name]):>6}"
        )
    print(
        f"{'合计':<8}{len(every):>8}{pct(every, 50):>10.1f}{pct(every, 95):>10.1f}"
        f"{max(every, default=float('nan')):>10.1f}{total_errors:>6}"
    )
    print(f"吞吐：{len(every) / opts.seconds:.0f} 请求/秒；mean {statistics.fmean(every):.1f} ms")
    if out["server_cpu"] is not None and every:
        print(
            f"服务端 CPU：{out['server_cpu']:.1f} 秒，每个请求 "
            f"{out['server_cpu'] / (len(every) + total_errors) * 1000:.1f} ms（gunicorn 各进程合计）"
        )
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    print(
        f"负载生成器自身 CPU：{client_cpu:.1f} 秒（{client_cpu / opts.seconds:.2f} 核）；"
        f"机器 CPU {os.cpu_count()} 核，1 分钟平均负载 {load_before:.1f} → {load_after:.1f}"
    )
    p95 = pct(every, 95)
    verdict = "达到" if p95 < 300 and total_errors == 0 else "未达到"
    print(f"目标 p95 < 300 ms 且无错误：{verdict}")
    editor = out["ok"]["草稿编辑"] + out["ok"]["段落保存"]
    editor_p95 = pct(editor, 95)
    print(
        f"报告编辑（打开 + 段落保存）p95 {editor_p95:.1f} ms，目标 < {EDITOR_TARGET_MS} ms："
        f"{'达到' if editor_p95 < EDITOR_TARGET_MS else '未达到'}；"
        f"同一次运行中报告预览 p95 {pct(out['ok']['报告预览'], 95):.1f} ms"
    )
    for name, errs in out["errors"].items():
        if errs:
            print(f"{name} 错误示例：{errs[:3]}")


if __name__ == "__main__":
    main()
