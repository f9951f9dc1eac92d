"""A second, independent route to the figures of figures.md: hand-written SQL over the raw tables.

Nothing here reads the campaign file's ``[[figures]]`` or the figures engine: every definition
is written out again from figures.md, by hand, as plain SQL run through ``connection.cursor()``.
Tests compare it with ``figures_compute``; ``bench/report.py`` times it as the floor, so the
big activity query is written for speed too: ``+a.campaign_id`` (portable SQL) tells SQLite to
read the table in one sequential pass instead of hopping through an index.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection

#: The rank of a level's own leaders and above, by the evaluated unit's kind (docs/figures.md:
#: "领导 at the level's rank"): a county's 县处级, a city's 厅局级, a township's or a county
#: department's 乡科级. Written out again here, not read from the vocabulary.
LEVEL_RANKS = {
    "市": ("厅局级", "省部级"),
    "县": ("县处级", "厅局级", "省部级"),
    "乡镇": ("乡科级", "县处级", "厅局级", "省部级"),
    "部门": ("乡科级", "县处级", "厅局级", "省部级"),
}
COUNTY_RANKS = LEVEL_RANKS["县"]
SUM_ITEMS = ("网络学习人次", "解决群众困难问题件数")  # [[values]] with aggregate = "sum"

#: Display style per code, from the figures.md table.
STYLES = {
    "F02": "多",
    "F07": "多",
    "F08": "多",
    "F14": "多",
    "F15": "多",
    "F16": "万",
    "F18b": "万",
    "F28b": "万",
    "F29": "多",
    "F29b": "余",
    "F24p": "%",
    **{f"F{n}": "%" for n in range(30, 36)},
}
RATIOS = {
    "F30": ("网上可办事项数", "依申请政务服务事项数"),
    "F31": ("全流程网上可办事项数", "审批服务事项数"),
    "F32": ("一趟不用跑事项数", "行政许可事项数"),
    "F33": ("即办事项数", "政务服务事项总数"),
    "F34": ("减时限事项数", "政务服务事项总数"),
    "F35": ("全流程网办事项数", "政务服务事项总数"),
}


def _one(sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _all(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _num(value) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def expected_figures(
    *, campaign_id: int, path: str, start: dt.date, end: dt.date, until=None
) -> dict:
    """code → value (int/Decimal, None when missing); N01/N02/N03 → sorted list of names.

    The evaluated unit's own leading body is its direct children flagged 领导班子, else the unit
    itself; its own level is the unit, that body and its direct children of kind 部门.
    """
    cutoff = min(until, end) if until else end
    like = path + "%"
    unit_id, depth, kind = _one(
        "SELECT id, depth, kind FROM organisations_org WHERE path = %s", [path]
    )
    children = _all(
        "SELECT id, kind, is_leading_body FROM organisations_org WHERE path LIKE %s AND depth = %s",
        [like, depth + 1],
    )
    leading = [i for i, _, flag in children if flag] or [unit_id]
    own = sorted({unit_id, *leading, *(i for i, k, _ in children if k == "部门")})
    lead_in = ", ".join(str(int(i)) for i in leading)
    own_in = ", ".join(str(int(i)) for i in own)
    principal_in = ", ".join(str(int(i)) for i in sorted({unit_id, *leading}))
    level_ranks = LEVEL_RANKS.get(kind, LEVEL_RANKS["部门"])
    ranks = ", ".join(["%s"] * len(level_ranks))
    sites = (
        "SELECT r.name FROM ledgers_resource r "
        f"WHERE r.campaign_id = %s AND r.org_id IN ({own_in}) AND r.type = '学习参观点'"
    )
    act = _one(
        f"""
        SELECT
          SUM(CASE WHEN a.type = '专题学习研讨' AND o.id IN ({lead_in}) THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '专题学习研讨' THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '主题党日' THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '调研' THEN a.participants ELSE 0 END),
          SUM(CASE WHEN a.type = '常委会会议' AND o.id IN ({lead_in}) THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '宣讲' AND l.org_id IN ({lead_in}) AND NOT l.is_principal
              THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '网络学习' THEN a.participants ELSE 0 END),
          SUM(CASE WHEN a.type = '参观学习' AND a.location IN ({sites}) THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '参观学习' AND a.location IN ({sites}) THEN a.participants ELSE 0 END),
          SUM(CASE WHEN a.type = '宣讲' THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '群众性文化活动' THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '学校活动' THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '志愿服务' THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '志愿服务' THEN a.beneficiaries ELSE 0 END),
          SUM(CASE WHEN a.type = '文艺演出' THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.type = '文艺演出' THEN a.participants ELSE 0 END),
          SUM(CASE WHEN a.type = '专题组织生活会' AND o.id IN ({lead_in}) THEN 1 ELSE 0 END)
        FROM ledgers_activity a
        JOIN organisations_org o ON o.id = a.org_id
        LEFT JOIN organisations_leader l ON l.id = a.leader_id
        WHERE +a.campaign_id = %s AND o.path LIKE %s AND a.date >= %s AND a.date <= %s
        """,
        [campaign_id, campaign_id, campaign_id, like, start, cutoff],
    )
    act = [int(v or 0) for v in act]
    done = "p.status = '已完成' AND (p.done_date IS NULL OR p.done_date <= %s)"
    proj = _one(
        f"""
        SELECT COUNT(*),
          SUM(CASE WHEN p.leader_rank IN ({ranks}) OR (p.leader_rank = '' AND l.rank IN ({ranks}))
              THEN 1 ELSE 0 END),
          SUM(CASE WHEN {done} THEN 1 ELSE 0 END),
          SUM(CASE WHEN p.planned_date < %s AND NOT ({done}) THEN 1 ELSE 0 END)
        FROM ledgers_project p JOIN organisations_org o ON o.id = p.org_id
        LEFT JOIN organisations_leader l ON l.id = p.leader_id
        WHERE p.campaign_id = %s AND o.path LIKE %s
        """,
        [*level_ranks, *level_ranks, cutoff, cutoff, cutoff, campaign_id, like],
    )
    res_rows = _all(
        f"""
        SELECT r.type, COUNT(*), SUM(r.quantity),
          SUM(CASE WHEN l.rank IN ({ranks}) THEN 1 ELSE 0 END)
        FROM ledgers_resource r JOIN organisations_org o ON o.id = r.org_id
        LEFT JOIN organisations_leader l ON l.id = r.leader_id
        WHERE r.campaign_id = %s AND o.path LIKE %s GROUP BY r.type
        """,
        [*level_ranks, campaign_id, like],
    )
    res = {t: (int(n), int(q or 0), int(c or 0)) for t, n, q, c in res_rows}

    def rcount(t: str) -> int:
        return res.get(t, (0, 0, 0))[0]

    prob = dict(
        _all(
            """
            SELECT p.source, COUNT(*) FROM ledgers_problem p JOIN organisations_org o ON o.id = p.org_id
            WHERE p.campaign_id = %s AND o.path LIKE %s AND (p.found_date IS NULL OR p.found_date <= %s)
            GROUP BY p.source
            """,
            [campaign_id, like, cutoff],
        )
    )
    rectified = "p.status = '已整改' AND (p.done_date IS NULL OR p.done_date <= %s)"
    (overdue_problems,) = _one(
        f"""
        SELECT COUNT(*) FROM ledgers_problem p JOIN organisations_org o ON o.id = p.org_id
        WHERE p.campaign_id = %s AND o.path LIKE %s AND (p.found_date IS NULL OR p.found_date <= %s)
          AND p.deadline < %s AND NOT ({rectified})
        """,
        [campaign_id, like, cutoff, cutoff, cutoff],
    )
    own_latest = _one(
        f"""
        SELECT COUNT(*), SUM(value) FROM (
          SELECT v.value AS value,
                 ROW_NUMBER() OVER (PARTITION BY v.org_id ORDER BY v.period_end DESC) AS rn
          FROM ledgers_reportedvalue v
          WHERE v.campaign_id = %s AND v.org_id IN ({own_in}) AND v.period_end <= %s
            AND v.item = '专班抽调人数'
        ) t WHERE rn = 1
        """,
        [campaign_id, cutoff],
    )
    latest_rows = _all(
        """
        SELECT item, COUNT(*), SUM(value) FROM (
          SELECT v.item AS item, v.value AS value,
                 ROW_NUMBER() OVER (PARTITION BY v.org_id, v.item ORDER BY v.period_end DESC) AS rn
          FROM ledgers_reportedvalue v JOIN organisations_org o ON o.id = v.org_id
          WHERE v.campaign_id = %s AND o.path LIKE %s AND v.period_end <= %s
        ) t WHERE rn = 1 GROUP BY item
        """,
        [campaign_id, like, cutoff],
    )
    summed_rows = _all(
        """
        SELECT v.item, COUNT(*), SUM(v.value) FROM ledgers_reportedvalue v
        JOIN organisations_org o ON o.id = v.org_id
        WHERE v.campaign_id = %s AND o.path LIKE %s AND v.period_end <= %s GROUP BY v.item
        """,
        [campaign_id, like, cutoff],
    )
    values: dict[str, Decimal | None] = {}
    for item, n, total in latest_rows:
        if item not in SUM_ITEMS and n:
            values[item] = _num(total)
    for item, n, total in summed_rows:
        if item in SUM_ITEMS and n:
            values[item] = _num(total)

    out: dict[str, object] = {
        "F01": act[0],
        "F02": act[1],
        "F03": act[2],
        "F04": int(proj[1] or 0),
        "F05": res.get("重点项目指挥部", (0, 0, 0))[2],
        "F06": res.get("重点项目", (0, 0, 0))[2],
        "F07": rcount("调研课题"),
        "F08": act[3],
        "F09": act[4],
        "F10": _num(own_latest[1]) if own_latest[0] else None,
        "F11": act[5],
        "F12m": act[16],
        "F12": int(prob.get("组织查摆", 0)),
        "F13": int(prob.get("个人查摆", 0)),
        "F14": rcount("学习公众号"),
        "F15": rcount("微学群"),
        "F16": act[6] + (values.get("网络学习人次") or 0),
        "F17": rcount("文艺节目"),
        "F18": act[7],
        "F18b": act[8],
        "F19": rcount("宣讲队伍"),
        "F20": act[9],
        "F21": act[10],
        "F22": rcount("党史故事"),
        "F22b": res.get("红色作品", (0, 0, 0))[1],
        "F23": act[11],
        "F24": int(proj[0] or 0),
        "F24c": int(proj[2] or 0),
        "F24p": (Decimal(int(proj[2] or 0)) / Decimal(int(proj[0]))) if proj[0] else None,
        "F24u": int(proj[0] or 0) - int(proj[2] or 0),
        "F24o": int(proj[3] or 0),
        "P01": sum(int(n) for n in prob.values()),
        "P02": int(overdue_problems or 0),
        "F25": values.get("在职党员认领岗位数"),
        "F26": values.get("解决群众困难问题件数"),
        "F27": rcount("志愿服务队"),
        "F28": act[12],
        "F28b": act[13],
        "F29": act[14],
        "F29b": act[15],
    }
    for code, (num, den) in RATIOS.items():
        n, d = values.get(num), values.get(den)
        out[code] = (n / d) if (n is not None and d) else None
    out["N01"] = sorted(
        r[0]
        for r in _all(
            f"""
            SELECT DISTINCT a.location FROM ledgers_activity a JOIN organisations_org o ON o.id = a.org_id
            JOIN organisations_leader l ON l.id = a.leader_id
            WHERE a.campaign_id = %s AND o.path LIKE %s AND a.date >= %s AND a.date <= %s
              AND a.type = '宣讲' AND l.is_principal AND l.org_id IN ({principal_in})
              AND a.location <> '' ORDER BY a.location
            """,
            [campaign_id, like, start, cutoff],
        )
    )[:3]
    for code, type_ in (("N02", "学习参观点"), ("N03", "文艺节目")):
        out[code] = sorted(
            r[0]
            for r in _all(
                f"""
                SELECT DISTINCT r.name FROM ledgers_resource r
                WHERE r.campaign_id = %s AND r.org_id IN ({own_in}) AND r.type = %s
                ORDER BY r.name
                """,
                [campaign_id, type_],
            )
        )[:2]
    return out
