"""Scale: the city and the province on PostgreSQL — reports, the city dashboard, an import, sizes.

    uv run python bench/scale.py [--pg postgres://postgres@127.0.0.1:5432] [--runs 3]
                                 [--clients 20] [--seconds 30] [--rows 200000] [--skip …]
                                 [--until YYYY-MM-DD]

Works on two PostgreSQL databases, building each the first time (``xunzhi init`` and
``xunzhi demo-data --scale city|province``, its time and peak memory printed, then ``VACUUM
ANALYZE``) and bringing it
to the current schema (``xunzhi init``) on every run:

- ``xunzhi_city``:     the city demo (ten counties, about 2 million activities);
- ``xunzhi_province``: the province demo (ten cities of ten counties, about 20 million).

Then, each step in its own process, so time and memory are its own:

- reports: ``report_generate`` (figures, rules, template, GB/T 9704 .docx and the check sheet)
  for a county, a city and the province, ``--runs`` times each; the same with the figures read
  the plain way (aggregates over the ledger tables, no rollups: ``figures_plain()``) as the
  baseline of the same run. Targets in the province database: county < 0.5 s, city < 2 s,
  province < 5 s. The cut-off is the campaign's today (a month end); ``--until`` sets another
  (a day within a month adds the days after the last whole month from the activities).
- dashboard: gunicorn (as ``xunzhi serve``: two workers per core) on the province database and
  ``--clients`` clients logged in over the first city, for ``--seconds`` seconds: each request
  is the city page (``/city/``) or one of its counties' dashboards (``/?unit=…``) as people
  would open them, the page cache working as in production (target: p95 < 500 ms); then the same
  with a different cut-off date on every request, so that every request computes (the worst case).
- import: a ``--rows``-row activity workbook for one county, imported into the province
  database and into an empty one that holds only that county's tree (target: within
  1.5 × the empty database's time); the imported rows are deleted again afterwards.
- sizes: each database's size, its ten largest tables, and the size per county.

Prints one table per step. Run it on a quiet machine; the figures go in docs/scaling.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "xunzhi-bench-scale"
PASSWORD = "bench-scale-pass-9"
SCALES = {"city": "xunzhi_city", "province": "xunzhi_province"}
EMPTY_DB = "xunzhi_scale_empty"
TARGETS = {"county": 0.5, "city": 2.0, "province": 5.0}
ORG_FIELDS = (
    "path",
    "depth",
    "numchild",
    "code",
    "name",
    "kind",
    "member_count",
    "is_leading_body",
)
KIND_LABEL = {"county": "县", "city": "市", "province": "省"}


# ---------------------------------------------------------------- processes


def env(url: str, **extra: str) -> dict[str, str]:
    out = dict(os.environ)
    out.update(
        DATABASE_URL=url,
        XUNZHI_DATA_DIR=str(WORK / "data"),
        XUNZHI_DEBUG="false",
        XUNZHI_HTTPS="false",
        XUNZHI_SECRET_KEY=secrets.token_urlsafe(48),
        XUNZHI_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="xunzhi.settings",
        **extra,
    )
    return out


def xunzhi(url: str, *args: str) -> float:
    """Run one CLI command on ``url``; return its wall time (exits on failure)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "xunzhi.cli", *args], cwd=ROOT, env=env(url), check=False
    )
    if result.returncode != 0:
        sys.exit(f"xunzhi {' '.join(args)} 失败（{url}）")
    return time.perf_counter() - started


def phase(name: str, url: str, *args: str, **extra: str) -> dict[str, Any]:
    """Run ``--phase name`` of this script in its own process; its last line is JSON."""
    result = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--url", url, *args],
        cwd=ROOT,
        env=env(url, **extra),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"步骤 {name} 失败：\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def db_url(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}"


def db_exists(base: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(db_url(base, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def db_create(base: str, name: str, *, drop: bool = False) -> None:
    import psycopg

    with psycopg.connect(db_url(base, "postgres"), autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def ensure(base: str, scale: str) -> str:
    """The database of ``scale``, built the first time, at the current schema."""
    name = SCALES[scale]
    url = db_url(base, name)
    if not db_exists(base, name):
        db_create(base, name)
    xunzhi(url, "init")
    built = phase("built", url)
    if built["scale"] != scale:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        seconds = xunzhi(url, "demo-data", "--scale", scale)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"生成 {scale} 演示数据：{seconds:.0f} 秒，峰值内存 {max(peak, before) / 1024:.0f} MB"
            "（本次运行中子进程的最大值）"
        )
        vacuum(url)
    return url


def vacuum(url: str) -> None:
    """VACUUM ANALYZE a database just filled (as autovacuum would in time): statistics for the
    planner and the visibility map that lets index-only scans skip the table."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE：{time.perf_counter() - started:.0f} 秒")


# ---------------------------------------------------------------- phases (own process)


def _django() -> None:
    import django

    django.setup()


def phase_built(_: argparse.Namespace) -> dict[str, Any]:
    """Which demo the database holds: "province", "city", "county" or ""."""
    _django()
    from xunzhi.organisations.models import Org

    root = Org.objects.filter(depth=1).order_by("path").first()
    kinds = {"省": "province", "市": "city", "县": "county"}
    return {"scale": kinds.get(root.kind, "") if root else ""}


def _units() -> dict[str, Any]:
    """The province (if any), its first city and that city's first county."""
    from xunzhi.organisations.models import Org, OrgKind

    root = Org.objects.filter(depth=1).order_by("path").first()
    if root is None:
        sys.exit("数据库中没有组织。")
    out: dict[str, Any] = {}
    city = root
    if root.kind == OrgKind.PROVINCE:
        out["province"] = root
        city = Org.objects.children_of(root).filter(kind=OrgKind.CITY).order_by("path").first()
    out["city"] = city
    out["county"] = (
        Org.objects.children_of(city).filter(kind=OrgKind.COUNTY).order_by("path").first()
    )
    return out


def phase_reports(opts: argparse.Namespace) -> dict[str, Any]:
    """``report_generate`` for the county, the city and the province, ``--runs`` times each."""
    _django()
    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.figures.rollup import figures_plain
    from xunzhi.reports.services import evaluation_for, report_generate
    from xunzhi.web.selectors import campaign_today

    campaign = campaign_get()
    until = opts.until or campaign_today(campaign)
    out: dict[str, Any] = {"until": str(until)}
    plain = figures_plain if opts.plain else contextlib.nullcontext
    for level, unit in _units().items():
        evaluation = evaluation_for(campaign=campaign, unit=unit, group_number="第一")
        evaluation.until = until
        times = []
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(opts.runs):
                with plain():
                    started = time.perf_counter()
                    report_generate(
                        evaluation=evaluation,
                        formats=("docx",),
                        out_path=Path(tmp) / f"{run}.docx",
                    )
                    times.append(time.perf_counter() - started)
        out[level] = {"name": unit.name, "times": times}
    return out


def phase_setup_web(_: argparse.Namespace) -> dict[str, Any]:
    """A bench login over the first city; the city's county codes."""
    _django()
    from xunzhi.organisations.models import Org, OrgKind
    from xunzhi.organisations.services import user_save
    from xunzhi.web.roles import Role

    city = _units()["city"]
    user_save(
        username="bench-city",
        role=Role.OFFICE,
        scope=city,
        password=PASSWORD,
        display_name="压测用户",
        check_password=False,
    )
    counties = Org.objects.children_of(city).filter(kind=OrgKind.COUNTY).order_by("path")
    return {"city": city.name, "counties": list(counties.values_list("code", flat=True))}


def phase_book(opts: argparse.Namespace) -> dict[str, Any]:
    """The county's tree (for the empty database) and a workbook of ``--rows`` activities."""
    _django()
    import random

    from openpyxl import Workbook

    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.organisations.models import Leader, Org

    county = _units()["county"]
    orgs = list(Org.objects.in_subtree(county).order_by("path").values(*ORG_FIELDS))
    leaders = list(
        Leader.objects.in_subtree(county).values(
            "org__code", "name", "title", "rank", "is_principal"
        )
    )
    spec = campaign_get().spec
    rng = random.Random(1)
    codes = [o["code"] for o in orgs]
    types = list(spec.activity_types)
    days = (spec.end - spec.start).days
    book = WORK / f"activities-{opts.rows}.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("活动台账")
    ws.append(["日期", "组织", "类型", "标题", "参加人数", "受益人数", "地点", "备注"])
    for i in range(opts.rows):
        ws.append(
            [
                spec.start + dt.timedelta(days=rng.randrange(days)),
                rng.choice(codes),
                rng.choice(types),
                f"压测导入活动第{i + 1}场",
                rng.randrange(5, 200),
                rng.randrange(0, 500) if rng.random() < 0.3 else 0,
                "党员活动室",
                None,
            ]
        )
    wb.save(book)
    tree = WORK / "county-tree.json"
    tree.write_text(json.dumps({"root": county.path, "orgs": orgs, "leaders": leaders}))
    return {"book": str(book), "tree": str(tree), "county": county.name, "units": len(orgs)}


def phase_empty_tree(opts: argparse.Namespace) -> dict[str, Any]:
    """Give the empty database the county's tree (the county as its root), nothing else."""
    _django()
    from django.db import transaction

    from xunzhi.organisations.models import Leader, Org

    data = json.loads(Path(opts.tree).read_text())
    cut = len(data["root"]) - 4  # treebeard paths: 4 characters per level
    with transaction.atomic():
        Leader.objects.all().delete()
        Org.objects.all().delete()
        Org.objects.bulk_create(
            Org(**{**o, "path": o["path"][cut:], "depth": o["depth"] - cut // 4})
            for o in data["orgs"]
        )
        ids = dict(Org.objects.values_list("code", "id"))
        Leader.objects.bulk_create(
            Leader(org_id=ids[row.pop("org__code")], **row) for row in data["leaders"]
        )
    return {"orgs": len(data["orgs"])}


def phase_import(opts: argparse.Namespace) -> dict[str, Any]:
    """Import the workbook (scope: the county), then delete what it added."""
    _django()
    from django.db import connection

    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.intake.services import ledger_import
    from xunzhi.ledgers.models import Activity

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE ledgers_activity")
    county = _units()["county"]
    before = Activity.objects.count()
    started = time.perf_counter()
    result = ledger_import(
        files=[Path(opts.book)], campaign=campaign_get(), kind="activities", scope=county
    )
    seconds = time.perf_counter() - started
    if not result.ok:
        sys.exit("导入失败：" + "；".join(e.message for e in result.errors[:5]))
    added = result.added
    added_rows = Activity.objects.filter(title__startswith="压测导入活动")
    added_rows._raw_delete(added_rows.db)  # plain DELETE: nothing refers to these rows
    with connection.cursor() as cursor:  # the dead rows gone, as before the import
        cursor.execute("VACUUM ANALYZE ledgers_activity")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "added": added, "before": before, "peak_mb": peak}


def phase_sizes(_: argparse.Namespace) -> dict[str, Any]:
    _django()
    from django.db import connection

    from xunzhi.organisations.models import Org, OrgKind

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'm')"
            " ORDER BY 2 DESC LIMIT 10"
        )
        tables = cursor.fetchall()
    counties = Org.objects.filter(kind=OrgKind.COUNTY).count()
    return {"total": total, "tables": tables, "counties": counties}


PHASES = {
    "built": phase_built,
    "reports": phase_reports,
    "setup_web": phase_setup_web,
    "book": phase_book,
    "empty_tree": phase_empty_tree,
    "import": phase_import,
    "sizes": phase_sizes,
}


# ---------------------------------------------------------------- the dashboard under load


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def login(base: str) -> Any:
    import httpx

    client = httpx.Client(base_url=base, timeout=120, follow_redirects=False)
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        sys.exit("登录页没有 CSRF 令牌。")
    response = client.post(
        "/login/",
        data={"username": "bench-city", "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{base}/login/"},
    )
    if response.status_code != 302:
        sys.exit(f"登录失败：HTTP {response.status_code}")
    return client


def drive(base: str, paths: list[str], clients: int, seconds: float) -> tuple[list[float], int]:
    """``clients`` clients requesting ``paths`` in turn for ``seconds``: latencies (ms), errors."""
    import httpx

    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    sessions = [login(base) for _ in range(clients)]
    deadline = time.monotonic() + seconds

    def worker(i: int) -> None:
        n = i
        while time.monotonic() < deadline:
            path = paths[n % len(paths)]
            n += clients
            started = time.perf_counter()
            try:
                ok = sessions[i].get(path).status_code == 200
            except httpx.HTTPError:
                ok = False
            with lock:
                if ok:
                    times.append((time.perf_counter() - started) * 1000)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in sessions:
        s.close()
    return times, errors[0]


def dashboard(url: str, opts: argparse.Namespace) -> None:
    import httpx

    from xunzhi.lib.env import default_workers

    setup = phase("setup_web", url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "xunzhi.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(default_workers()), "--timeout", "300", "--log-level", "warning"],
        cwd=ROOT,
        env=env(url),
    )
    try:
        for _ in range(150):
            try:
                httpx.get(f"{base}/login/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        pages = ["/city/", *(f"/?unit={code}" for code in setup["counties"])]
        first = login(base)
        started = time.perf_counter()
        if first.get("/city/").status_code != 200:
            sys.exit("城市比较页打不开。")
        cold = time.perf_counter() - started
        for path in pages[1:]:
            first.get(path)
        first.close()
        print(f"\n{setup['city']}比较页首次加载（计算并缓存）：{cold * 1000:.0f} ms")
        cached, cached_errors = drive(base, pages, opts.clients, opts.seconds)
        days = [f"2021-{m:02d}-{d:02d}" for m in range(4, 12) for d in range(1, 29)]
        uncached = [f"/city/?until={day}" for day in days]
        worst, worst_errors = drive(base, uncached, opts.clients, opts.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"{opts.clients} 个并发客户端，各 {opts.seconds:.0f} 秒，"
        f"gunicorn {default_workers()} 个工作进程"
    )
    print(f"{'请求':<22}{'次数':>8}{'p50 ms':>10}{'p95 ms':>10}{'错误':>6}")
    for name, values, errors in (
        ("比较页与各县工作台（缓存）", cached, cached_errors),
        ("比较页，每次不同截止日", worst, worst_errors),
    ):
        print(
            f"{name:<22}{len(values):>8}{pct(values, 50):>10.0f}{pct(values, 95):>10.0f}{errors:>6}"
        )
    verdict = "达到" if pct(cached, 95) < 500 and cached_errors == 0 else "未达到"
    print(f"目标 p95 < 500 ms（缓存照常工作）：{verdict}")


# ---------------------------------------------------------------- main


def line(name: str, times: list[float], target: float | None = None) -> str:
    median = statistics.median(times)
    verdict = "" if target is None else ("  达到" if median < target else "  未达到")
    return f"{name:<30}{median:>9.2f} s{min(times):>9.2f} s{verdict}"


def reports(urls: dict[str, str], opts: argparse.Namespace) -> None:
    print(f"\n报告（report_generate：.docx 与核对表），{opts.runs} 次，中位与最快")
    for scale, url in urls.items():
        until = ("--until", opts.until.isoformat()) if opts.until else ()
        fast = phase("reports", url, "--runs", str(opts.runs), *until)
        plain = phase("reports", url, "--runs", str(opts.runs), "--plain", *until)
        print(f"{SCALES[scale]}（截止 {fast['until']}）")
        for level in ("county", "city", "province"):
            if level not in fast:
                continue
            target = TARGETS[level] if scale == "province" else None
            name = f"{KIND_LABEL[level]} {fast[level]['name']}"
            print("  " + line(name, fast[level]["times"], target))
            print("  " + line("  基线：直接聚合", plain[level]["times"]))


def intake(base: str, url: str, opts: argparse.Namespace) -> None:
    book = phase("book", url, "--rows", str(opts.rows))
    if not db_exists(base, EMPTY_DB):
        db_create(base, EMPTY_DB)
    empty = db_url(base, EMPTY_DB)
    xunzhi(empty, "init")
    phase("empty_tree", empty, "--tree", book["tree"])
    print(f"\n导入 {opts.rows:,} 行活动台账（{book['county']}，{book['units']} 个组织），最快一次")
    results: dict[str, list[dict[str, Any]]] = {"empty": [], "full": []}
    for _ in range(opts.runs):
        results["empty"].append(phase("import", empty, "--book", book["book"]))
        results["full"].append(phase("import", url, "--book", book["book"]))
    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in results.items()}
    for key, label in (("empty", "空库（只有该县组织）"), ("full", "全省库")):
        r = best[key]
        print(
            f"  {label:<18}{r['seconds']:>8.1f} s  {opts.rows / r['seconds']:>8,.0f} 行/秒"
            f"  库中原有 {r['before']:,} 行  峰值内存 {r['peak_mb']:.0f} MB"
        )
    ratio = best["full"]["seconds"] / best["empty"]["seconds"]
    print(f"  全省库 / 空库 = {ratio:.2f}（目标 ≤ 1.5）：{'达到' if ratio <= 1.5 else '未达到'}")


def sizes(urls: dict[str, str]) -> None:
    print("\n数据库大小")
    for scale, url in urls.items():
        s = phase("sizes", url)
        per = s["total"] / max(s["counties"], 1)
        print(
            f"  {SCALES[scale]}：{s['total'] / 2**30:.2f} GB，{s['counties']} 个县，"
            f"每县 {per / 2**20:.0f} MB"
        )
        for name, size in s["tables"]:
            print(f"    {name:<40}{size / 2**20:>10.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--until",
        type=dt.date.fromisoformat,
        help="the reports' cut-off (YYYY-MM-DD; default: the campaign's today, a month end)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["city", "reports", "dashboard", "import", "sizes"],
        help="leave out a database (city) or a step",
    )
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--book", help=argparse.SUPPRESS)
    parser.add_argument("--tree", help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.phase:
        print(json.dumps(PHASES[opts.phase](opts), default=str))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    scales = [s for s in SCALES if s not in opts.skip]
    urls = {scale: ensure(opts.pg, scale) for scale in scales}
    print(f"机器：{os.cpu_count()} 核；1 分钟平均负载 {os.getloadavg()[0]:.1f}")
    if "reports" not in opts.skip:
        reports(urls, opts)
    if "dashboard" not in opts.skip:
        dashboard(urls["province"], opts)
    if "import" not in opts.skip:
        intake(opts.pg, urls["province"], opts)
    if "sizes" not in opts.skip:
        sizes(urls)
    print(f"\n1 分钟平均负载（结束时）：{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
