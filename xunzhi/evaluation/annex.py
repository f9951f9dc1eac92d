"""The scores as the report's attachment (附件): one table, units grouped by kind and ranked."""

from __future__ import annotations

import datetime as dt

from xunzhi.campaigns.models import Campaign
from xunzhi.evaluation.scoring import ScoreTable
from xunzhi.evaluation.selectors import unit_scores
from xunzhi.organisations.models import Org
from xunzhi.reports.document import Annex


def annex_title(table: ScoreTable, sub_units: str) -> str:
    """青山县乡镇和部门党史学习教育评估打分表."""
    return f"{table.unit.name}{sub_units}{table.campaign.name}评估打分表"


def score_annex(
    *, campaign: Campaign, unit: Org, until: dt.date | None, sub_units: str, label: str = "附件"
) -> Annex:
    """The 评估打分表 of ``unit``'s scored units: area subtotals, total, grade, rank within kind."""
    table = unit_scores(campaign=campaign, unit=unit, until=until)
    spec = table.spec
    header = [
        "单位",
        *[f"{a.code}\n（{a.points.normalize():f}分）" for a in spec.areas],
        "总分",
        "等次",
        "排名",
    ]
    rows: list[list[str]] = []
    vocabulary = campaign.spec.vocabulary
    for kind in table.kinds:
        members = sorted((r for r in table.rows if r.kind == kind), key=lambda r: (r.rank, r.code))
        rows.append([f"{vocabulary.kinds_word([kind])}（{len(members)}个）"])
        for row in members:
            rows.append(
                [
                    row.name,
                    *[f"{row.areas[a.code]:.2f}" for a in spec.areas],
                    f"{row.total:.2f}",
                    row.grade,
                    str(row.rank),
                ]
            )
    grades = "，".join(
        f"{name}{'' if not minimum else f'（{minimum.normalize():f}分及以上）'}"
        for name, minimum in spec.grades
    )
    note = f"注：满分{spec.total_points.normalize():f}分；等次分为{grades}；排名在同类单位内进行。"
    pending = sum(r.pending for r in table.rows)
    if pending:
        note += f"尚有{pending}项人工评分或满意度测评未完成，按0分计。"
    widths = [30, *[13] * len(spec.areas), 11, 8, 8]
    return Annex(
        label=label,
        title=annex_title(table, sub_units),
        header=header,
        rows=rows,
        widths=widths,
        note=note,
    )
