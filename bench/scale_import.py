"""Import at scale: 200 000 activity rows into the configured database, with and without the
activity rollups' triggers.

    DATABASE_URL=postgres://…/<db> uv run python bench/scale_import.py [--rows 200000] \
        [--county C01] [--runs 1]

Writes (once, cached under /tmp) a .csv of ``--rows`` activities of the units of ``--county``
(named by code; dates over the campaign, real types, some tags), then imports it with
``ledger_import`` inside a transaction that is rolled back afterwards (the database is left as
it was, so runs repeat): once as is (the triggers keep the rollups in the import's own
transaction) and once with the triggers disabled in that transaction (``ALTER TABLE … DISABLE
TRIGGER``, PostgreSQL only), alternately. Run it on an empty database with the same units and
on a full one to compare the import's time with its time on an empty database.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xunzhi.settings")

TRIGGERS = ("figures_activity_insert", "figures_activity_update", "figures_activity_delete")


class _Rollback(Exception):
    pass


def _book(rows: int, county: str) -> Path:
    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.organisations.models import Org

    path = Path(tempfile.gettempdir()) / f"xunzhi-scale-import-{county}-{rows}.csv"
    if path.exists():
        return path
    spec = campaign_get().spec
    unit = Org.objects.get(code=county)
    codes = sorted(Org.objects.in_subtree(unit).values_list("code", flat=True))
    rng = random.Random(1)
    days = (spec.end - spec.start).days
    tags = ["", "", "", "自选动作", "本地特色", "线上", "自选动作、线上"]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["日期", "组织", "类型", "标题", "参加人数", "受益人数", "地点", "标签"])
        for i in range(rows):
            out.writerow(
                [
                    (spec.start + dt.timedelta(days=rng.randrange(days))).isoformat(),
                    rng.choice(codes),
                    rng.choice(spec.activity_types),
                    f"规模测试活动第{i + 1}场",
                    rng.randrange(5, 200),
                    rng.randrange(0, 500) if rng.random() < 0.3 else 0,
                    "党员活动室",
                    rng.choice(tags),
                ]
            )
    return path


def time_import(book: Path, *, triggers: bool = True) -> float:
    """Seconds of ``ledger_import`` of ``book``, rolled back afterwards."""
    from django.db import connection, transaction

    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.intake.services import ledger_import

    campaign = campaign_get()
    seconds = 0.0
    try:
        with transaction.atomic():
            if not triggers and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    for name in TRIGGERS:
                        cursor.execute(f"ALTER TABLE ledgers_activity DISABLE TRIGGER {name}")
            started = time.perf_counter()
            result = ledger_import(files=[book], campaign=campaign, kind="activities")
            seconds = time.perf_counter() - started
            assert result.ok, [e.message for e in result.errors[:5]]
            raise _Rollback
    except _Rollback:
        pass
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--county", default="C01")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from xunzhi.ledgers.models import Activity

    book = _book(args.rows, args.county)
    times: dict[str, list[float]] = {"triggers": [], "no triggers": []}
    for _ in range(args.runs):
        times["triggers"].append(time_import(book, triggers=True))
        times["no triggers"].append(time_import(book, triggers=False))
    print(
        f"{connection.settings_dict['NAME']}: {Activity.objects.count():,} activities before; "
        f"import of {args.rows:,} rows (load {os.getloadavg()[0]:.1f})"
    )
    for name, values in times.items():
        print(f"  {name:<12} median {statistics.median(values):7.2f} s  best {min(values):7.2f} s")
    ratio = statistics.median(times["triggers"]) / statistics.median(times["no triggers"])
    print(f"  triggers / no triggers: {ratio:.2f}")


if __name__ == "__main__":
    main()
