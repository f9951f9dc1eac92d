"""Benchmark: the supervision loop's pages at county size, against a named baseline.

    uv run python bench/supervision.py [--runs 5] [--problems 1500] [--fresh]

Builds once (cached in /tmp/xunzhi-bench-supervision, SQLite unless ``DATABASE_URL`` is set)
the demo county of seed 1 (~8 000 problems, 150 visits), then takes up to ``--problems`` of
the problems not yet 已整改 (about 1 000) through the loop with the real services (every one
submitted, three in five closed, one in five returned), so that the timeline and the lists
have county-sized history.

Then times, in one process, the office's requests (Django's test client, whole county):

- baseline: 问题清单 — the problems ledger page of the whole county with a cold cache (the
  existing page the office already uses for the same rows);
- 督导整改 (the list with the attention lists), the dashboard's attention fragment, the
  county's 督导档案 (timeline), a township's 督导档案;
- baseline: the 问题清单 export (.xlsx, the import columns) of the whole county;
- the 整改台账 .xlsx of the county (the same rows, the loop's columns).

Prints the median and best of each and its ratio to the median of the baseline above it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "xunzhi-bench-supervision"
sys.path.insert(0, str(ROOT))


def _setup(fresh: bool) -> None:
    if fresh and CACHE.exists():
        shutil.rmtree(CACHE)
    CACHE.mkdir(exist_ok=True)
    os.environ.setdefault("XUNZHI_DATA_DIR", str(CACHE))
    os.environ.setdefault("XUNZHI_DEBUG", "false")  # as in production (no query log)
    os.environ.setdefault("XUNZHI_HTTPS", "false")  # the test client speaks HTTP
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()


def _build(problems: int) -> None:
    import io

    from django.core.management import call_command

    from xunzhi.ledgers.models import Activity, Problem, ProblemStatus
    from xunzhi.supervision.models import Rectification
    from xunzhi.supervision.services import (
        rectification_close,
        rectification_return,
        rectification_submit,
    )

    call_command("init", verbosity=0, stdout=io.StringIO())
    if Activity.objects.count() < 100_000:
        from xunzhi.demo.generate import demo_generate

        print("building the demo county (seed 1) …", flush=True)
        demo_generate(seed=1, scale="county")
    done = Rectification.objects.count()
    if done >= problems:
        return
    todo = Problem.objects.select_related("org").filter(rectification__isnull=True)
    todo = todo.exclude(status=ProblemStatus.DONE)  # rectified in the ledger: outside the loop
    chosen = list(todo.order_by("pk")[: problems - done])
    if chosen:
        print(f"taking {len(chosen)} problems through the loop …", flush=True)
    for n, problem in enumerate(chosen):
        rect = rectification_submit(
            problem=problem, text=f"整改措施第 {n} 条：已制定方案并落实", version=0, scope=None
        )
        if n % 5 < 3:
            rectification_close(problem=problem, version=rect.version, note="整改到位", scope=None)
        elif n % 5 == 3:
            rectification_return(
                problem=problem, version=rect.version, reason="佐证不足", scope=None
            )


def _time(client, url: str, runs: int, *, cold: bool = False) -> list[float]:
    from xunzhi.web.selectors import figure_cache

    out = []
    for _ in range(runs):
        if cold:
            figure_cache().clear()
        start = time.perf_counter()
        response = client.get(url)
        body = response.content if not response.streaming else b"".join(response)
        out.append(time.perf_counter() - start)
        assert response.status_code == 200 and body, (url, response.status_code)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--problems", type=int, default=1500)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached database")
    args = parser.parse_args()
    _setup(args.fresh)
    _build(args.problems)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from xunzhi.ledgers.models import Problem
    from xunzhi.organisations.models import Org, OrgKind
    from xunzhi.organisations.selectors import org_root
    from xunzhi.supervision.models import ProblemStep
    from xunzhi.web.models import Role
    from xunzhi.web.services import user_save

    setup_test_environment()
    root = org_root()
    township = (
        Org.objects.filter(path__startswith=root.path, depth=root.depth + 1, kind=OrgKind.TOWNSHIP)
        .order_by("path")
        .first()
        or root
    )
    User = get_user_model()
    user = User.objects.filter(username="bench-office").first() or user_save(
        username="bench-office", role=Role.OFFICE, scope=root, password="Qz7-supervision-bench-2021"
    )
    client = Client()
    client.force_login(user)
    print(
        f"{connection.vendor}: {Problem.objects.count():,} problems, "
        f"{ProblemStep.objects.count():,} steps; {args.runs} runs each"
    )
    # (label, url, cold cache, is a baseline): each page's ratio is to the baseline above it
    pages = [
        ("baseline 问题清单（冷缓存）", f"/ledgers/problems/?unit={root.code}", True, True),
        ("督导整改", f"/supervision/?unit={root.code}", False, False),
        ("关注清单（工作台片段）", f"/supervision/attention/?unit={root.code}", False, False),
        ("督导档案（全县）", f"/supervision/archive/?unit={root.code}", False, False),
        (
            f"督导档案（{township.name}）",
            f"/supervision/archive/?unit={township.code}",
            False,
            False,
        ),
        (
            "baseline 问题清单导出 .xlsx（全县）",
            f"/ledgers/problems/export/?unit={root.code}",
            0,
            1,
        ),
        ("整改台账 .xlsx（全县）", f"/supervision/ledger.xlsx?unit={root.code}", False, False),
    ]
    base = 1.0
    for label, url, cold, baseline in pages:
        _time(client, url, 1, cold=bool(cold))  # warm the process (templates, statements)
        times = _time(client, url, args.runs, cold=bool(cold))
        median = statistics.median(times)
        base = median if baseline else base
        print(
            f"{label:<30} median {median * 1000:7.1f} ms  best {min(times) * 1000:7.1f} ms"
            f"  ×{median / base:5.2f} of baseline"
        )


if __name__ == "__main__":
    main()
