"""Benchmark: the demo county's report (.docx + check sheet) against the floor.

    uv run python bench/report.py [--runs 5] [--seed 1]

Builds the demo county in the configured database (``XUNZHI_DATA_DIR`` / ``DATABASE_URL``)
unless it is already there, then times, in the same process and on the same data:

- ours:  ``report_generate`` (figures and rules in the database, template, self-check, GB/T
  9704 .docx, 数据核对表 .xlsx, files written, version recorded);
- floor: the same figures by hand-written SQL (``tests/figures/independent.py``) plus a bare
  python-docx document holding the same paragraphs.

Prints the median and best of each and their ratio (targets: ours < 1 s, ratio < 2).
On PostgreSQL the ledger tables are vacuumed and analysed first (steady state).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xunzhi.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from docx import Document

    from tests.figures.independent import expected_figures
    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.ledgers.models import Activity
    from xunzhi.organisations.selectors import org_root
    from xunzhi.reports.services import evaluation_for, report_compose, report_generate

    call_command("init", verbosity=0, stdout=io.StringIO())
    if Activity.objects.count() < 100_000:
        from xunzhi.demo.generate import demo_generate

        print(f"building the demo county (seed {args.seed}) …", flush=True)
        demo_generate(seed=args.seed, scale="county")
    if connection.vendor == "postgresql":
        # steady state, as autovacuum leaves it: statistics and the visibility map that
        # index-only scans need (a freshly bulk-loaded table has neither); helps both sides
        with connection.cursor() as cursor:
            for table in ("ledgers_activity", "ledgers_project", "ledgers_problem"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    campaign, unit = campaign_get(), org_root()
    activities = Activity.objects.in_subtree(unit).count()
    evaluation = evaluation_for(campaign=campaign, unit=unit, group_number="第三")
    blocks = [b.text for b in report_compose(evaluation=evaluation).document.blocks]
    out = Path(tempfile.mkdtemp(prefix="xunzhi-bench-"))

    def ours() -> None:
        report_generate(
            evaluation=evaluation,
            formats=("docx",),
            check_sheet=out / "check.xlsx",
            out_path=out / "report.docx",
        )

    def floor() -> None:
        expected_figures(
            campaign_id=campaign.pk,
            path=unit.path,
            start=campaign.start_date,
            end=campaign.end_date,
        )
        doc = Document()
        for text in blocks:
            doc.add_paragraph(text)
        doc.save(out / "floor.docx")

    def timed(fn) -> list[float]:
        fn()  # warm-up: imports, compiled templates, page cache
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return times

    # interleave so that load on the machine hits both alike
    ours_times, floor_times = [], []
    for _ in range(2):
        ours_times += timed(ours)
        floor_times += timed(floor)
    o_med, f_med = statistics.median(ours_times), statistics.median(floor_times)
    o_min, f_min = min(ours_times), min(floor_times)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"demo county: {activities:,} activities, {len(blocks)} paragraphs; load {load:.1f}")
    print(f"ours  (docx + check sheet): median {o_med:.3f} s  best {o_min:.3f} s")
    print(f"floor (hand SQL + bare docx): median {f_med:.3f} s  best {f_min:.3f} s")
    print(f"ratio: median {o_med / f_med:.2f}  best {o_min / f_min:.2f}  (target < 2; ours < 1 s)")


if __name__ == "__main__":
    main()
