"""Benchmark: the city page's first load on the city demo (ten counties), against the baseline.

    XUNZHI_DATA_DIR=/tmp/xunzhi-bench-city uv run python bench/city.py [--runs 3]

Uses the configured database (``XUNZHI_DATA_DIR`` / ``DATABASE_URL``); builds the city demo
(``demo-data --scale city``) and the demo users there when it holds no city yet. Then, in one
process and on the same data, times:

- first load: ``GET /city/`` as ``city-office`` with the page cache emptied (the comparison
  computed: one grouped query per ledger, every rule over all counties' units at once);
- cached: the same page again (the comparison read from the cache of its data version);
- baseline: the same numbers the naive way, county by county (the dashboard's headline
  aggregates and ``rules_evaluate`` for each county: what the city page would cost without
  the grouped queries);
- the city report's composition (``report_compose``), with its counties paragraph and, as
  the baseline, without it.

Prints the median and best of each (target for the first load: under 2 s on SQLite).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xunzhi.settings")
os.environ.setdefault("XUNZHI_HTTPS", "false")


def timed(
    fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None
) -> list[float]:
    out = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def line(name: str, times: list[float]) -> None:
    print(
        f"{name:<28} 中位 {statistics.median(times) * 1000:8.0f} ms   最快 {min(times) * 1000:8.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.figures.services import rules_evaluate
    from xunzhi.ledgers.selectors import activities_headline, problem_counts, projects_headline
    from xunzhi.organisations.models import Org, OrgKind
    from xunzhi.reports.services import evaluation_for, report_compose
    from xunzhi.web.selectors import campaign_today, figure_cache

    call_command("init", verbosity=0)
    if not Org.objects.filter(kind=OrgKind.CITY, depth=1).exists():
        started = time.perf_counter()
        call_command("demo_data", scale="city")
        print(f"演示市数据生成：{time.perf_counter() - started:.0f} 秒")
    if not User.objects.filter(username="city-office").exists():
        call_command("demo_users")
    city = Org.objects.get(kind=OrgKind.CITY, depth=1)
    counties = list(Org.objects.children_of(city).filter(kind=OrgKind.COUNTY))
    campaign = campaign_get()
    until = campaign_today(campaign)
    print(f"数据库：{connection.vendor}；{city.name}，{len(counties)} 个县；截止 {until}")

    client = Client()
    client.force_login(
        User.objects.get(username="city-office"),
        backend="django.contrib.auth.backends.ModelBackend",
    )

    def page() -> None:
        response = client.get("/city/")
        assert response.status_code == 200, response.status_code

    def baseline() -> None:
        last = until.replace(day=1)
        for county in counties:
            activities_headline(campaign=campaign, scope=county, until=until, last_month_end=last)
            projects_headline(campaign=campaign, scope=county, until=until, last_month_end=last)
            problem_counts(campaign=campaign, scope=county, until=until, last_month_end=last)
            rules_evaluate(campaign=campaign, unit=county, until=until)

    def report() -> None:
        report_compose(evaluation=evaluation_for(campaign=campaign, unit=city, group_number="第二"))

    page()  # warm the process (imports, templates), not the page cache
    line("城市比较页 首次加载", timed(page, args.runs, before=figure_cache().clear))
    line("城市比较页 缓存命中", timed(page, args.runs))
    line("基线：逐县计算", timed(baseline, args.runs))
    line("全市评估报告（组成）", timed(report, args.runs))
    from xunzhi.reports import services

    with_paragraph = services.counties_view
    services.counties_view = lambda **_: None  # type: ignore[assignment]  # the baseline: no paragraph
    try:
        line("基线：报告不含各县比较段", timed(report, args.runs))
    finally:
        services.counties_view = with_paragraph


if __name__ == "__main__":
    main()
