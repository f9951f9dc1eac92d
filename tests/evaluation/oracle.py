"""A second, independent route to the shipped indicator system's scores: hand-written SQL and
hand-written scoring, from docs/evaluation.md's table of the shipped indicators.

Nothing here reads the campaign file's ``[evaluation]`` table, the figures engine or the
evaluation app: every indicator is written out again as plain SQL over the raw tables (one
query per indicator and unit: slow, obviously right) and scored by its own arithmetic.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

TAGS = ("本地特色", "行业特色", "自选动作")


def _one(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _n(value) -> Decimal:
    return Decimal(str(value or 0))


def _subtree(alias: str) -> str:
    return f"{alias}.org_id IN (SELECT id FROM organisations_org WHERE path LIKE %s)"


def measured(*, campaign_id: int, path: str, start: dt.date, cutoff: dt.date) -> dict:
    """The measured values of one unit (``path``): code → Decimal or None."""
    like = path + "%"
    acts = f"FROM ledgers_activity a WHERE a.campaign_id = %s AND {_subtree('a')} AND a.date >= %s AND a.date <= %s"
    base = [campaign_id, like, start, cutoff]
    tcg = _n(_one(f"SELECT COUNT(*) {acts} AND a.type = '理论中心组学习'", base))
    seminars = _n(_one(f"SELECT COUNT(*) {acts} AND a.type = '专题学习研讨'", base))
    all_acts = _n(_one(f"SELECT COUNT(*) {acts}", base))
    tagged = _n(
        _one(
            f"SELECT COUNT(*) {acts} AND (" + " OR ".join("a.tags LIKE %s" for _ in TAGS) + ")",
            base + [f"%,{t},%" for t in TAGS],
        )
    )
    branches = _n(
        _one(
            "SELECT COUNT(*) FROM organisations_org WHERE path LIKE %s AND kind = '党支部'", [like]
        )
    )
    members = _n(_one("SELECT SUM(member_count) FROM organisations_org WHERE path LIKE %s", [like]))
    projects = f"FROM ledgers_project p WHERE p.campaign_id = %s AND {_subtree('p')}"
    p_all = _n(_one(f"SELECT COUNT(*) {projects}", [campaign_id, like]))
    p_done = _n(
        _one(
            f"SELECT COUNT(*) {projects} AND p.status = '已完成' AND (p.done_date IS NULL OR p.done_date <= %s)",
            [campaign_id, like, cutoff],
        )
    )
    problems = (
        f"FROM ledgers_problem q WHERE q.campaign_id = %s AND {_subtree('q')} "
        "AND (q.found_date IS NULL OR q.found_date <= %s)"
    )
    fixed = "q.status = '已整改' AND (q.done_date IS NULL OR q.done_date <= %s)"
    q_all = _n(_one(f"SELECT COUNT(*) {problems}", [campaign_id, like, cutoff]))
    q_fixed = _n(
        _one(f"SELECT COUNT(*) {problems} AND {fixed}", [campaign_id, like, cutoff, cutoff])
    )
    q_late = _n(
        _one(
            f"SELECT COUNT(*) {problems} AND q.deadline < %s AND NOT ({fixed})",
            [campaign_id, like, cutoff, cutoff, cutoff],
        )
    )
    return {
        "A1": tcg,
        "B1": seminars / branches if branches else None,
        "B2": tagged / all_acts if all_acts else None,
        "C1": p_done / p_all if p_all else None,
        "D1": q_fixed / q_all if q_all else None,
        "D2": q_late * 100 / members if members else None,
    }


def _clamp(x: Decimal) -> Decimal:
    return min(max(x, Decimal(0)), Decimal(1))


def points(values: dict) -> dict:
    """code → points (cents, half up) of the measured indicators, scored by hand."""
    out = {}
    a1 = values["A1"]
    out["A1"] = next((p for bound, p in ((12, 10), (9, 8), (6, 6), (3, 3)) if a1 >= bound), 0)
    b1, b2, c1, d1, d2 = (values[k] for k in ("B1", "B2", "C1", "D1", "D2"))
    out["B1"] = 15 * _clamp(b1 / 6) if b1 is not None else 0
    out["B2"] = 15 * min(b2 / Decimal("0.15"), Decimal(1)) if b2 is not None else 0
    out["C1"] = 15 * _clamp((c1 - Decimal("0.6")) / Decimal("0.4")) if c1 is not None else 0
    out["D1"] = 10 * min(d1 / Decimal("0.95"), Decimal(1)) if d1 is not None else 0
    if d2 is None:
        out["D2"] = 0
    else:
        out["D2"] = next((p for bound, p in ((0, 10), (1, 8), (3, 5), (5, 2)) if d2 <= bound), 0)
    return {k: Decimal(v).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for k, v in out.items()}


def grade(total: Decimal) -> str:
    return "好" if total >= 90 else "较好" if total >= 80 else "一般" if total >= 60 else "差"


def expected_scores(*, campaign, root, until=None, manual: dict | None = None) -> dict:
    """Scored unit code → (per-indicator points, total, grade, rank within its kind).

    ``manual``: (unit code, indicator) → points given by hand (A2); C2 (no survey) scores 0.
    """
    manual = manual or {}
    cutoff = min(until, campaign.end_date) if until else campaign.end_date
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, path, kind FROM organisations_org WHERE path LIKE %s AND depth = %s "
            "AND kind IN ('乡镇', '部门') AND is_leading_body = %s",
            [root.path + "%", root.depth + 1, False],
        )
        units = cursor.fetchall()
    result = {}
    for code, path, kind in units:
        values = measured(
            campaign_id=campaign.pk, path=path, start=campaign.start_date, cutoff=cutoff
        )
        scored = points(values)
        scored["A2"] = Decimal(manual.get((code, "A2"), 0)).quantize(Decimal("0.01"))
        scored["C2"] = Decimal("0.00")
        total = sum(scored.values(), Decimal(0))
        result[code] = {"kind": kind, "points": scored, "total": total, "grade": grade(total)}
    for kind in {r["kind"] for r in result.values()}:
        ordered = sorted(
            (c for c, r in result.items() if r["kind"] == kind), key=lambda c: -result[c]["total"]
        )
        for code in ordered:
            result[code]["rank"] = 1 + sum(
                1 for other in ordered if result[other]["total"] > result[code]["total"]
            )
    return result
