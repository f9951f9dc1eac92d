"""A small county in which no problem rule fires; each rule test breaks exactly one thing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.factories import SmallCounty
from xunzhi.ledgers.models import Activity, Project, ReportedValue

LAST_PERIOD_END = dt.date(2022, 1, 31)  # the campaign ends 2022-01-31: its last monthly period


def make_healthy(county: SmallCounty) -> SmallCounty:
    campaign = county.campaign
    rows = []
    for branch in county.branches:
        rows.append(
            Activity(
                campaign=campaign,
                org=branch,
                date=dt.date(2021, 5, 2),
                type="征求意见",
                title="入户征求意见",
                participants=12,
                tags=",本地特色,",
            )
        )
        for n in range(5):
            rows.append(
                Activity(
                    campaign=campaign,
                    org=branch,
                    date=dt.date(2021, 4, 1 + n),
                    type="专题学习研讨",
                    title=f"研讨{n}",
                    participants=20,
                    tags=",本地特色,",
                )
            )
    units = [*county.townships, *county.departments]
    for unit in units:
        rows.append(
            Activity(
                campaign=campaign,
                org=unit,
                date=dt.date(2021, 5, 1),
                type="征求意见",
                title="征求意见座谈",
                participants=15,
                tags=",行业特色,",
            )
        )
        rows.append(
            Activity(
                campaign=campaign,
                org=unit,
                date=dt.date(2021, 6, 1),
                type="经验总结",
                title="阶段总结",
                participants=5,
            )
        )
        Project.objects.create(
            campaign=campaign,
            org=unit,
            name=f"{unit.name}项目",
            field="教育",
            planned_date=dt.date(2021, 10, 1),
            status="已完成",
            done_date=dt.date(2021, 9, 1),
        )
        for item in ("专班抽调人数", "在职党员认领岗位数"):
            ReportedValue.objects.create(
                campaign=campaign,
                org=unit,
                period="2022-01",
                period_end=LAST_PERIOD_END,
                item=item,
                value=Decimal(3),
            )
    Activity.objects.bulk_create(rows)
    return county


def set_setting(campaign, **values) -> None:
    """Change campaign settings (thresholds) in the stored copy of the campaign file."""
    set_config(campaign, "settings", **values)


def set_config(campaign, table: str, **values) -> None:
    """Change entries of one table ([settings], [report]) of the stored campaign file."""
    config = dict(campaign.config)
    config[table] = {**config.get(table, {}), **values}
    campaign.config = config
    campaign.save(update_fields=["config"])
    for cached in ("_spec", "_figure_spec"):
        if hasattr(campaign, cached):
            delattr(campaign, cached)


def late_project(county: SmallCounty, *, planned: dt.date, org=None) -> Project:
    """A project still under way, planned for ``planned`` (late from the day after)."""
    return Project.objects.create(
        campaign=county.campaign,
        org=org or county.branches[0],
        name=f"迟到项目{planned.isoformat()}",
        field="教育",
        planned_date=planned,
        status="推进中",
    )
