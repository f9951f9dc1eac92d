"""The import, export and template commands end to end, as a clerk runs them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.intake.helpers import csv_bytes
from xunzhi.intake.services import ledger_import, ledger_template

ROOT = Path(__file__).resolve().parent.parent.parent


def xunzhi(*args: str, data_dir: Path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["XUNZHI_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "xunzhi.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=False)
def test_roster_ledger_export_and_refusal_through_the_cli(tmp_path):
    data = tmp_path / "data"
    assert xunzhi("init", data_dir=data).returncode == 0
    orgs = tmp_path / "组织.csv"
    orgs.write_bytes(
        csv_bytes(
            [
                ["组织代码", "组织名称", "上级组织", "类型", "党员数", "领导班子"],
                ["Z11", "甲镇", "Z00", "乡镇", "0", "否"],
                ["Z00", "甲县", "", "县", "0", "否"],
                ["Z01", "甲县委常委会", "甲县", "党委", "11", "是"],
            ],
            "gbk",
        )
    )
    acts = tmp_path / "活动.csv"
    acts.write_bytes(
        csv_bytes(
            [
                ["日期", "单位", "类型", "标题", "人数"],
                ["2021.6.1", "甲镇", "主题党日", "=HYPERLINK(1)", "30人"],
                ["2021年6月2日", "Z01", "常委会会议", "学习", "11"],
            ]
        )
    )
    first = xunzhi("import", str(orgs), str(acts), data_dir=data)
    assert first.returncode == 0, first.stderr
    assert "组织名册" in first.stdout and "活动台账" in first.stdout
    assert "新增 5" in first.stdout

    again = xunzhi("import", str(orgs), str(acts), data_dir=data)
    assert again.returncode == 0 and "新增 0，更新 0，未变 5" in again.stdout

    out = tmp_path / "导出.xlsx"
    exported = xunzhi("export", "activities", "--unit", "Z11", "-o", str(out), data_dir=data)
    assert exported.returncode == 0, exported.stderr
    sheet = openpyxl.load_workbook(out).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == ["日期", "组织", "类型", "标题", "参加人数"]
    assert len(rows) == 2 and rows[1][1] == "甲镇"
    assert rows[1][3] == "'=HYPERLINK(1)"  # neutralised, and the importer undoes it
    csv_out = tmp_path / "导出.csv"
    assert xunzhi("export", "activities", "-o", str(csv_out), data_dir=data).returncode == 0
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")
    for path in (out, csv_out):
        back = xunzhi("import", str(path), data_dir=data)
        assert back.returncode == 0 and "新增 0，更新 0" in back.stdout, back.stdout + back.stderr
    both = xunzhi("import", str(out), str(csv_out), data_dir=data)  # the same rows twice
    assert both.returncode == 1 and "重复" in both.stderr

    bad = tmp_path / "错.csv"
    bad.write_bytes(
        csv_bytes([["日期", "组织", "类型", "标题"], ["2021.6.31", "乙镇", "宣讲", "x"]])
    )
    errors_to = tmp_path / "标注.xlsx"
    refused = xunzhi("import", str(bad), "--errors-to", str(errors_to), data_dir=data)
    assert refused.returncode == 1
    assert "错误：导入被拒绝：共 2 处错误" in refused.stderr
    assert "第2行“日期”列（A2）" in refused.stderr and "找不到组织“乙镇”" in refused.stderr
    assert "Traceback" not in refused.stderr
    marked = openpyxl.load_workbook(errors_to)
    assert marked["错"]["A2"].comment is not None  # the CSV sheet is named after the file

    dry = xunzhi("import", str(acts), "--dry-run", data_dir=data)
    assert dry.returncode == 0 and "未写入" in dry.stdout

    template = tmp_path / "模板.xlsx"
    assert xunzhi("template", "projects", "-o", str(template), data_dir=data).returncode == 0
    assert xunzhi("import", str(template), data_dir=data).returncode == 0

    missing = xunzhi("import", str(tmp_path / "无.xlsx"), data_dir=data)
    assert missing.returncode == 1 and "找不到文件" in missing.stderr
    wrong = xunzhi("export", "activities", "-o", str(tmp_path / "x.pdf"), data_dir=data)
    assert wrong.returncode == 1 and ".xlsx 或 .csv" in wrong.stderr


def test_template_has_drop_downs_units_and_a_skipped_example(county):
    data = ledger_template(kind="activities", campaign=county.campaign, scope=county.townships[0])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:3] == ["活动台账", "选项", "单位列表"]
    ws = wb["活动台账"]
    assert [c.value for c in ws[1]][:4] == ["日期", "组织", "类型", "标题"]
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert any("选项!" in f for f in formulas) and any("单位列表!" in f for f in formulas)
    options = [c.value for c in wb["选项"]["A"]][1:]
    assert options == list(county.campaign.spec.activity_types)
    units = [r[0] for r in wb["单位列表"].iter_rows(min_row=2, values_only=True)]
    assert units == ["T11", "T111", "T112"]  # the township's subtree only
    example = [c.value for c in ws[2]]
    assert example[2] in county.campaign.spec.activity_types
    # Filled in by a clerk below the example: only the clerk's row is imported.
    ws.append(["2021-07-01", "测试东镇", "宣讲", "镇里的宣讲", 40])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = ledger_import(files=[("模板.xlsx", buffer.getvalue())], campaign=county.campaign)
    assert result.ok, [e.message for e in result.errors]
    assert (result.added, result.sheets[0].rows) == (1, 1)
