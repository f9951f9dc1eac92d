"""Figures at scale: report composition with the activity rollup against the plain aggregate.

    DATABASE_URL=postgres://…/xunzhi_province uv run python bench/scale_figures.py \
        [--units C01,C00,P00] [--until 2021-09-30] [--runs 3]

On the configured database (a city or province built by ``xunzhi demo-data``), for each unit
(default: the first county, the first city and the province, whichever exist) times, in the
same process and on the same data, alternately:

- rollup: ``report_compose`` (every figure, every rule, the template, the self-check) and,
  for a unit with counties below it, ``units_compare`` (the city page's table);
- plain:  the same inside ``figures_plain()``: every activity aggregate read from the
  activities themselves (the baseline the rollup is measured against).

Prints the median and best of each, their ratio and the figures' agreement (both ways must
give the same figures). Functions ``time_report`` and ``time_compare`` can be imported by
bench/scale.py. On PostgreSQL the tables are analysed first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xunzhi.settings")


def _timed(fn: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def time_report(unit: Any, until: dt.date | None, runs: int = 3) -> dict[str, list[float]]:
    """Seconds of ``report_compose`` for ``unit``: {"rollup": [...], "plain": [...]}."""
    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.figures.rollup import figures_plain
    from xunzhi.reports.services import evaluation_for, report_compose

    evaluation = evaluation_for(campaign=campaign_get(), unit=unit, until=until)
    return _alternate(lambda: report_compose(evaluation=evaluation), figures_plain, runs)


def time_compare(unit: Any, until: dt.date | None, runs: int = 3) -> dict[str, list[float]]:
    """Seconds of ``units_compare`` (the city page's table) for ``unit``."""
    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.figures.compare import units_compare
    from xunzhi.figures.rollup import figures_plain

    campaign = campaign_get()
    return _alternate(
        lambda: units_compare(campaign=campaign, unit=unit, until=until), figures_plain, runs
    )


def _alternate(
    fn: Callable[[], Any], plain: Callable[[], Any], runs: int
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"rollup": [], "plain": []}
    fn()  # warm-up: imports, templates, caches of the campaign
    for _ in range(runs):
        out["rollup"] += _timed(fn, 1)
        with plain():
            out["plain"] += _timed(fn, 1)
    return out


def same_figures(unit: Any, until: dt.date | None) -> bool:
    """Do the rollup and the plain aggregate give the same figures and rules for ``unit``?"""
    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.figures.rollup import figures_plain
    from xunzhi.figures.services import figures_compute, rules_evaluate

    campaign = campaign_get()

    def both() -> tuple[Any, Any]:
        figures = figures_compute(campaign=campaign, unit=unit, until=until)
        rules = rules_evaluate(campaign=campaign, unit=unit, until=until)
        return (
            {f.code: (f.value, f.text, f.source_count) for f in figures},
            [(r.code, r.fired, r.units_short, r.units_total) for r in rules],
        )

    rolled = both()
    with figures_plain():
        return both() == rolled


def _line(name: str, times: dict[str, list[float]]) -> str:
    r, p = statistics.median(times["rollup"]), statistics.median(times["plain"])
    return (
        f"{name:<34} rollup median {r:7.3f} s best {min(times['rollup']):7.3f} s | "
        f"plain median {p:7.3f} s best {min(times['plain']):7.3f} s | plain/rollup {p / r:5.1f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--units", default="", help="unit codes, comma-separated")
    parser.add_argument("--until", default="2021-09-30")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-analyze", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from xunzhi.figures.compare import counties_of
    from xunzhi.ledgers.models import Activity
    from xunzhi.organisations.models import Org, OrgKind

    if connection.vendor == "postgresql" and not args.no_analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    until = dt.date.fromisoformat(args.until) if args.until else None
    if args.units:
        units = [Org.objects.get(code=c) for c in args.units.split(",")]
    else:
        units = [
            u
            for kind in (OrgKind.COUNTY, "市", "省")
            if (u := Org.objects.filter(kind=kind).order_by("path").first()) is not None
        ]
    load = os.getloadavg()[0]
    print(
        f"{connection.vendor} {connection.settings_dict['NAME']}: "
        f"{Activity.objects.count():,} activities; until {until}; load {load:.1f}"
    )
    for unit in units:
        n = Activity.objects.in_subtree(unit).count()
        label = f"{unit.code} {unit.name} ({n:,} act.)"
        print(_line(f"report {label}", time_report(unit, until, args.runs)), flush=True)
        if counties_of(unit):
            print(_line(f"compare {label}", time_compare(unit, until, args.runs)), flush=True)
        print(f"{'':<34} same figures and rules: {same_figures(unit, until)}", flush=True)


if __name__ == "__main__":
    main()
