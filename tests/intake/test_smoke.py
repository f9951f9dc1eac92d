from __future__ import annotations

import datetime as dt

from tests.intake.helpers import xlsx
from xunzhi.intake.services import ledger_import
from xunzhi.ledgers.models import Activity


def test_simple_activity_import(county):
    data = xlsx(
        {
            "活动": [
                ["日期", "组织", "类型", "标题", "参加人数"],
                [dt.date(2021, 6, 1), "测试东镇", "主题党日", "学党史", 30],
            ]
        }
    )
    result = ledger_import(files=[("a.xlsx", data)], campaign=county.campaign)
    assert result.ok, [e.message for e in result.errors]
    assert Activity.objects.count() == 1
