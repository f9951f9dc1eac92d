"""Import speed: xunzhi's importer against the floor and against django-import-export.

    uv run python bench/intake.py [--rows 200000] [--iie-rows 20000] [--repeat 3] [--keep]

Builds (once, cached in /tmp/xunzhi-bench-intake) a SQLite database holding the demo
county's organisations and leaders (``demo_generate(seed=1)``, ledgers removed) and an
activity workbook of ``--rows`` rows naming those units. Then, each in its own process
on a fresh copy of that database (so time and peak memory are its own):

- ours:  ``ledger_import`` of the workbook (phase one and phase two);
- floor: python-calamine reading the same workbook plus one raw ``executemany`` insert
         into the same SQLite table (unit names mapped to ids by a dict, nothing checked);
- iie:   django-import-export importing the first ``--iie-rows`` rows into the same model
         (a ModelResource keyed by the natural key), scaled linearly to ``--rows``;
- again: ours re-importing the same workbook into the database ours left (all unchanged).

Ours and the floor run alternately ``--repeat`` times (best time kept: the machine may be
shared). Prints seconds, rows per second, the ratios (targets: ours ≤ 2 × floor, iie ≥ 30 × ours)
and peak resident memory of each process (target < 1 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "xunzhi-bench-intake"
SEED = 1


def _django(data_dir: Path) -> None:
    os.environ["XUNZHI_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xunzhi.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ preparation


def prepare(rows: int) -> tuple[Path, Path]:
    """The base database (units and leaders only) and the workbook, built once."""
    base_dir = CACHE / "base"
    book = CACHE / f"activities-{rows}.xlsx"
    if (base_dir / "xunzhi.sqlite3").exists() and book.exists():
        return base_dir, book
    if not (base_dir / "xunzhi.sqlite3").exists():
        shutil.rmtree(base_dir, ignore_errors=True)
        base_dir.mkdir(parents=True)
        _run_phase("base", base_dir, book, rows, 0)
    _run_phase("book", base_dir, book, rows, 0)
    return base_dir, book


def phase_base(data_dir: Path) -> dict:
    _django(data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from xunzhi.campaigns.services import campaign_load_builtin
    from xunzhi.demo.generate import demo_generate
    from xunzhi.ledgers.models import LEDGER_MODELS, ValueSubmission

    campaign = campaign_load_builtin()[0]
    demo_generate(seed=SEED, scale="county", campaign=campaign)
    ValueSubmission.objects.all().delete()
    for model in LEDGER_MODELS.values():
        model.objects.all().delete()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM")
    return {}


def phase_book(data_dir: Path, book: Path, rows: int) -> dict:
    """A realistic activity workbook: a title row, real dates, units by name, some leaders."""
    _django(data_dir)
    from openpyxl import Workbook

    from xunzhi.campaigns.models import Campaign
    from xunzhi.organisations.models import Leader, Org

    spec = Campaign.objects.get().spec
    rng = random.Random(SEED)
    names = {}
    for name, code in Org.objects.values_list("name", "code"):
        names[name] = code if name in names else name  # shared names are written by code
    units = sorted(set(names.values()))
    leaders = [n for n in Leader.objects.values_list("name", flat=True)]
    shared = {n for n in leaders if leaders.count(n) > 1}
    leaders = sorted(set(leaders) - shared)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("活动台账")
    ws.append(["某县党史学习教育活动台账（截至2022年1月31日）"])
    ws.append(
        [
            "日期",
            "组织",
            "类型",
            "标题",
            "参加人数",
            "主讲/带头领导",
            "受益人数",
            "地点",
            "标签",
            "备注",
        ]
    )
    import datetime as dt

    days = (spec.end - spec.start).days
    tags = ["", "", "", "自选动作", "本地特色", "线上", "自选动作、线上"]
    for i in range(rows):
        ws.append(
            [
                spec.start + dt.timedelta(days=rng.randrange(days)),
                rng.choice(units),
                rng.choice(spec.activity_types),
                f"党史学习活动第{i + 1}场",
                rng.randrange(5, 200),
                rng.choice(leaders) if rng.random() < 0.1 else None,
                rng.randrange(0, 500) if rng.random() < 0.3 else 0,
                "党员活动室",
                rng.choice(tags),
                None,
            ]
        )
    tmp = book.with_suffix(".tmp")
    wb.save(tmp)
    tmp.replace(book)
    return {"bytes": book.stat().st_size}


# ------------------------------------------------------------------ measurements


def phase_ours(data_dir: Path, book: Path) -> dict:
    _django(data_dir)
    from xunzhi.campaigns.models import Campaign
    from xunzhi.intake.services import ledger_import
    from xunzhi.ledgers.models import Activity

    campaign = Campaign.objects.get()
    started = time.perf_counter()
    result = ledger_import(files=[book], campaign=campaign, kind="activities")
    seconds = time.perf_counter() - started
    assert result.ok, [e.message for e in result.errors[:5]]
    return {
        "seconds": seconds,
        "rows": Activity.objects.count(),
        "added": result.added,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


def phase_floor(data_dir: Path, book: Path) -> dict:
    """Read with calamine, map names to ids with a dict, executemany into the same table."""
    import sqlite3

    from python_calamine import CalamineWorkbook

    db = data_dir / "xunzhi.sqlite3"
    started = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    org = {}
    for pk, code, name in con.execute("SELECT id, code, name FROM organisations_org"):
        org[code] = pk
        org.setdefault(name, pk)
    campaign = con.execute("SELECT id FROM campaigns_campaign").fetchone()[0]
    now = "2026-01-01 00:00:00"
    data = [
        (
            r[0].isoformat(),
            org[r[1]],
            r[2],
            r[3],
            int(r[4]),
            int(r[6]),
            r[7],
            r[8],
            "",
            campaign,
            1,
            now,
            now,
        )
        for r in rows[2:]
    ]
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO ledgers_activity (date, org_id, type, title, participants, beneficiaries,"
        " location, tags, note, campaign_id, version, created_at, updated_at, source_sheet)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'')",
        data,
    )
    con.execute("COMMIT")
    seconds = time.perf_counter() - started
    count = con.execute("SELECT count(*) FROM ledgers_activity").fetchone()[0]
    return {"seconds": seconds, "rows": count}


def phase_iie(data_dir: Path, book: Path, limit: int) -> dict:
    """django-import-export, as a Django developer would set it up, on the first rows."""
    _django(data_dir)
    import tablib
    from import_export import fields, resources, widgets
    from python_calamine import CalamineWorkbook

    from xunzhi.campaigns.models import Campaign
    from xunzhi.ledgers.models import Activity
    from xunzhi.organisations.models import Leader, Org

    campaign = Campaign.objects.get()

    class OrgWidget(widgets.ForeignKeyWidget):
        def clean(self, value, row=None, **kwargs):
            return Org.objects.filter(code=value).first() or Org.objects.get(name=value)

    class ActivityResource(resources.ModelResource):
        campaign = fields.Field(
            attribute="campaign", column_name="campaign", widget=widgets.ForeignKeyWidget(Campaign)
        )
        date = fields.Field(attribute="date", column_name="日期", widget=widgets.DateWidget())
        org = fields.Field(attribute="org", column_name="组织", widget=OrgWidget(Org))
        type = fields.Field(attribute="type", column_name="类型")
        title = fields.Field(attribute="title", column_name="标题")
        participants = fields.Field(
            attribute="participants", column_name="参加人数", widget=widgets.IntegerWidget()
        )
        leader = fields.Field(
            attribute="leader",
            column_name="主讲/带头领导",
            widget=widgets.ForeignKeyWidget(Leader, field="name"),
        )
        beneficiaries = fields.Field(
            attribute="beneficiaries", column_name="受益人数", widget=widgets.IntegerWidget()
        )
        location = fields.Field(attribute="location", column_name="地点")
        tags = fields.Field(attribute="tags", column_name="标签")

        class Meta:
            model = Activity
            import_id_fields = ("campaign", "org", "date", "type", "title")
            fields = (
                "campaign",
                "date",
                "org",
                "type",
                "title",
                "participants",
                "leader",
                "beneficiaries",
                "location",
                "tags",
            )
            use_bulk = False
            skip_unchanged = True

    started = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)
    headers = [*rows[1][:9], "campaign"]
    dataset = tablib.Dataset(headers=headers)
    for r in rows[2 : 2 + limit]:
        row = list(r[:9])
        row[5] = row[5] or None  # no leader
        dataset.append([*row, campaign.pk])
    result = ActivityResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    assert not result.has_errors()
    return {"seconds": seconds, "rows": Activity.objects.count()}


def _run_phase(name: str, data_dir: Path, book: Path, rows: int, limit: int) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--phase",
        name,
        "--data-dir",
        str(data_dir),
        "--book",
        str(book),
        "--rows",
        str(rows),
        "--iie-rows",
        str(limit),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"phase {name} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fresh_copy(base_dir: Path, name: str) -> Path:
    target = CACHE / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy(base_dir / "xunzhi.sqlite3", target / "xunzhi.sqlite3")
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--iie-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours and floor (best kept)")
    parser.add_argument("--phase")
    parser.add_argument("--data-dir")
    parser.add_argument("--book")
    parser.add_argument("--keep", action="store_true", help="keep the per-run databases")
    args = parser.parse_args()
    if args.phase:
        data_dir, book = Path(args.data_dir), Path(args.book)
        runners = {
            "base": lambda: phase_base(data_dir),
            "book": lambda: phase_book(data_dir, book, args.rows),
            "ours": lambda: phase_ours(data_dir, book),
            "floor": lambda: phase_floor(data_dir, book),
            "iie": lambda: phase_iie(data_dir, book, args.iie_rows),
        }
        result = runners[args.phase]()
        result["peak_mb"] = _peak_mb()
        print(json.dumps(result))
        return

    t0 = time.perf_counter()
    base_dir, book = prepare(args.rows)
    print(
        f"准备：{book}（{book.stat().st_size / 1e6:.1f} MB，{args.rows:,} 行），{time.perf_counter() - t0:.1f} s"
    )
    # The machine may be shared: ours and the floor run alternately, best of --repeat each.
    ours_runs, floor_runs = [], []
    for _ in range(args.repeat):
        ours_dir = _fresh_copy(base_dir, "ours")
        ours_runs.append(_run_phase("ours", ours_dir, book, args.rows, 0))
        floor_runs.append(_run_phase("floor", _fresh_copy(base_dir, "floor"), book, args.rows, 0))
    again = _run_phase("ours", ours_dir, book, args.rows, 0)
    ours = min(ours_runs, key=lambda r: r["seconds"])
    floor = min(floor_runs, key=lambda r: r["seconds"])
    ours["peak_mb"] = max(r["peak_mb"] for r in ours_runs)
    print("ours  runs: " + ", ".join(f"{r['seconds']:.2f} s" for r in ours_runs))
    print("floor runs: " + ", ".join(f"{r['seconds']:.2f} s" for r in floor_runs))
    limit = min(args.iie_rows, args.rows)
    iie = _run_phase("iie", _fresh_copy(base_dir, "iie"), book, args.rows, limit)
    iie_scaled = iie["seconds"] * args.rows / limit
    assert ours["rows"] == floor["rows"] == args.rows, (ours, floor)
    assert again["unchanged"] == args.rows and again["added"] == 0, again

    def line(label: str, seconds: float, peak: float, note: str = "") -> None:
        print(
            f"{label:<34} {seconds:8.2f} s  {args.rows / seconds:9,.0f} 行/秒  峰值内存 {peak:6.0f} MB  {note}"
        )

    print(f"\n{args.rows:,} 行活动台账导入（SQLite）")
    line("ours（xunzhi ledger_import）", ours["seconds"], ours["peak_mb"])
    line("ours, re-import (all unchanged)", again["seconds"], again["peak_mb"])
    line("floor（calamine + executemany）", floor["seconds"], floor["peak_mb"])
    line(
        "django-import-export",
        iie_scaled,
        iie["peak_mb"],
        f"（按 {limit:,} 行实测 {iie['seconds']:.2f} s 线性换算）" if limit < args.rows else "",
    )
    print()
    print(f"ours / floor = {ours['seconds'] / floor['seconds']:.2f}（目标 ≤ 2）")
    print(f"django-import-export / ours = {iie_scaled / ours['seconds']:.1f}（目标 ≥ 30）")
    print(f"ours 峰值内存 {ours['peak_mb']:.0f} MB（目标 < 1024 MB）")
    if not args.keep:
        for name in ("ours", "floor", "iie"):
            shutil.rmtree(CACHE / name, ignore_errors=True)


if __name__ == "__main__":
    main()
