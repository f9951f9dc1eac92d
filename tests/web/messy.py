"""A messy activity workbook, as a township clerk would send it."""

from __future__ import annotations

import io

import openpyxl


def messy_activities(*, town: str, branch: str, bad_date: bool = False) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "活动"
    ws.append([f"{town}党史学习教育活动台账（截至6月30日）"])
    ws.append([])
    ws.append(["序号", "日期", "单位", "类型", "标题", "人数", "备注", "填表人"])
    ws.append([1, "2021.6.1", f" {branch}　", "主题党日", "网页导入主题党日", "３０人", "", "张三"])
    ws.append([2, "2021年6月8日", branch, "专题学习研讨", "网页导入专题研讨", "1,2", "", "张三"])
    ws.append(
        [3, "六月某日" if bad_date else "6月15日", branch, "宣讲", "网页导入宣讲", 15, "", "张三"]
    )
    ws.append([None, None, None, None, None, None])
    ws.append(["合计", None, None, None, None, 57])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
