"""The blank templates' example rows come from the campaign file (``[examples.<kind>]``), never
from code: the 2021 campaign keeps its 2021 rows, a 2024 campaign gets its own, a date it does
not give is its start; the importer still skips the example row."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.campaigns.fixtures import dangji_2024
from tests.factories import build_small_county
from xunzhi.campaigns.services import campaign_load
from xunzhi.campaigns.spec import campaign_file_read
from xunzhi.intake.services import ledger_import, ledger_template
from xunzhi.lib.errors import UserError


def _example_row(data: bytes) -> dict[str, str]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [c.value for c in ws[1]]
    return {h: str(c.value or "") for h, c in zip(header, ws[2], strict=False)}


def test_each_campaign_has_its_own_example_rows(campaign, tmp_path):
    second, _ = campaign_load(path=dangji_2024(tmp_path))
    county = build_small_county(campaign)
    old = _example_row(ledger_template(kind="activities", campaign=campaign, scope=county.county))
    assert old["日期"] == "2021-06-01" and old["标题"] == "（示例）学习党史专题研讨"
    new = _example_row(ledger_template(kind="activities", campaign=second, scope=county.county))
    assert new["日期"] == "2024-05-10" and new["标题"] == "（示例）党纪学习教育读书班"
    assert new["类型"] == "读书班"
    assert not any("党史" in v or "2021" in v for v in new.values())
    # a kind the 2024 file gives no example for: dates from the campaign's start
    visits = _example_row(ledger_template(kind="visits", campaign=second))
    assert visits["日期"] == "2024-04-01"
    projects = _example_row(ledger_template(kind="projects", campaign=campaign))
    assert projects["计划完成日期"] == "2021-09-30"


def test_the_filled_template_imports_without_its_example_row(campaign, tmp_path):
    second, _ = campaign_load(path=dangji_2024(tmp_path))
    county = build_small_county(second)
    data = ledger_template(kind="activities", campaign=second, scope=county.county)
    result = ledger_import(
        files=[("活动台账.xlsx", data)], campaign=second, kind="activities", dry_run=True
    )
    assert result.ok and sum(s.rows for s in result.sheets) == 0


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[examples.meetings]\n"日期" = "2024-05-01"\n', "[examples.meetings] 不是台账种类"),
        ('[examples.activities]\n"主持人" = "张三"\n', "“主持人”不是活动台账的列"),
        ('[examples.activities]\n"标题" = [1]\n', "标题 必须是文字、数字或日期"),
    ],
)
def test_bad_examples_are_refused_naming_the_entry(tmp_path, db, table, message):
    path = dangji_2024(tmp_path)
    text = path.read_text("utf-8").split("[examples.activities]")[0]
    path.write_text(text + table, "utf-8")
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        campaign_file_read(path)
