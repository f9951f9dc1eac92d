"""Fill the small county's ledgers with varied rows (seeded), so every figure has something to count."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from tests.factories import SmallCounty
from xunzhi.ledgers.models import Activity, Problem, Project, ReportedValue, Resource

ACTIVITY_TYPES = [
    "专题学习研讨",
    "主题党日",
    "常委会会议",
    "宣讲",
    "调研",
    "参观学习",
    "网络学习",
    "文艺演出",
    "群众性文化活动",
    "学校活动",
    "志愿服务",
    "征求意见",
    "经验总结",
]
RESOURCE_TYPES = [
    "学习参观点",
    "宣讲队伍",
    "志愿服务队",
    "学习公众号",
    "微学群",
    "文艺节目",
    "党史故事",
    "红色作品",
    "调研课题",
    "重点项目",
    "重点项目指挥部",
]
TAGS = ["", ",本地特色,", ",行业特色,", ",自选动作,", ",线上,"]
VALUE_ITEMS = [
    ("专班抽调人数", 5),
    ("网络学习人次", 800),
    ("在职党员认领岗位数", 12),
    ("解决群众困难问题件数", 9),
    ("依申请政务服务事项数", 200),
    ("网上可办事项数", 190),
    ("审批服务事项数", 150),
    ("全流程网上可办事项数", 120),
    ("行政许可事项数", 80),
    ("一趟不用跑事项数", 70),
    ("政务服务事项总数", 300),
    ("即办事项数", 140),
    ("减时限事项数", 200),
    ("全流程网办事项数", 250),
]


def fill(
    county: SmallCounty, *, seed: int = 7, activities: int = 400, only_activities: bool = False
) -> None:
    rng = random.Random(seed)
    campaign = county.campaign
    orgs = county.all_orgs()
    leaders = [county.secretary, *county.deputies]
    sites = ["红色纪念馆", "革命旧址"]
    for name in [] if only_activities else sites:
        Resource.objects.create(campaign=campaign, org=county.county, type="学习参观点", name=name)
    for i in range(0 if only_activities else 60):
        rtype = rng.choice(RESOURCE_TYPES)
        Resource.objects.create(
            campaign=campaign,
            org=rng.choice(orgs),
            type=rtype,
            name=f"{rtype}{i}",
            quantity=rng.randint(1, 12),
            leader=rng.choice([None, *leaders]),
        )
    start = dt.date(2021, 1, 1)  # some rows fall before the campaign start on purpose
    rows = []
    for i in range(activities):
        atype = rng.choice(ACTIVITY_TYPES)
        org = rng.choice(orgs)
        leader = rng.choice([None, None, *leaders])
        location = rng.choice(["", "红星村", "红旗村", *sites, "会议室"])
        rows.append(
            Activity(
                campaign=campaign,
                org=org,
                date=start + dt.timedelta(days=rng.randint(0, 420)),
                type=atype,
                title=f"活动{seed}-{i}",
                participants=rng.randint(0, 300),
                beneficiaries=rng.randint(0, 900),
                leader=leader,
                location=location,
                tags=rng.choice(TAGS),
                source_sheet="活动台账",
                source_row=i + 3,
            )
        )
    Activity.objects.bulk_create(rows)
    if only_activities:
        return
    statuses = ["未启动", "推进中", "已完成", "已完成"]
    for i in range(30):
        status = rng.choice(statuses)
        leader = rng.choice([None, *leaders])
        Project.objects.create(
            campaign=campaign,
            org=rng.choice(orgs),
            name=f"项目{i}",
            leader=leader,
            leader_rank=rng.choice(["", "县处级", "乡科级"]),
            field="教育",
            planned_date=dt.date(2021, rng.randint(3, 12), 1),
            status=status,
            done_date=dt.date(2021, rng.randint(3, 12), 15) if status == "已完成" else None,
        )
    for i in range(50):
        status = rng.choice(["未整改", "整改中", "已整改"])
        Problem.objects.create(
            campaign=campaign,
            org=rng.choice(orgs),
            source=rng.choice(["组织查摆", "个人查摆", "督导发现", "群众反映"]),
            description=f"问题{i}",
            deadline=dt.date(2021, rng.randint(3, 12), 1),
            status=status,
            done_date=dt.date(2021, rng.randint(3, 12), 20) if status == "已整改" else None,
            found_date=dt.date(2021, rng.randint(2, 11), 1),
        )
    for org in [*county.townships, *county.departments, county.leading_body]:
        for month in range(3, 13):
            if rng.random() < 0.15:
                continue
            end = dt.date(2021, month, 28) if month == 2 else _month_end(2021, month)
            for item, base in VALUE_ITEMS:
                ReportedValue.objects.create(
                    campaign=campaign,
                    org=org,
                    period=f"2021-{month:02d}",
                    period_end=end,
                    item=item,
                    value=Decimal(base + rng.randint(0, base // 5 + 1) + month),
                )


def _month_end(year: int, month: int) -> dt.date:
    import calendar

    return dt.date(year, month, calendar.monthrange(year, month)[1])
