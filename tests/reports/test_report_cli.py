"""xunzhi report: end to end through the management command, and the console script's errors."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook

from tests.figures.ledger_fill import fill
from xunzhi.figures.services import figures_compute
from xunzhi.reports.management.commands.report import parse_date
from xunzhi.reports.models import Evaluation, ReportVersion

ROOT = Path(__file__).resolve().parent.parent.parent


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def filled(county, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    fill(county)
    return county


def test_report_docx_with_check_sheet_and_settings(filled, tmp_path):
    out = run(
        "--unit",
        "测试县",
        "--until",
        "2021年6月30日",
        "-o",
        str(tmp_path / "r.docx"),
        "--check-sheet",
        str(tmp_path / "c.xlsx"),
        "--group",
        "第三",
        "--arrival",
        "2021-03-17",
    )
    assert str(tmp_path / "r.docx") in out and str(tmp_path / "c.xlsx") in out
    body = "\n".join(p.text for p in Document(tmp_path / "r.docx").paragraphs)
    june = figures_compute(campaign=filled.campaign, unit=filled.county, until=dt.date(2021, 6, 30))
    assert "市委第三巡回指导组于3月17日入驻测试县" in body
    assert f"专题学习研讨{june['F02'].text}场次" in body
    # no 成文日期: the cut-off plus [report].date_after_days (10), never a fixed date
    assert body.rstrip().endswith("2021年7月10日")
    assert "截至6月30日，在职党员进社区认领岗位" in body
    sheet = load_workbook(tmp_path / "c.xlsx")["数据项"]
    assert "截至 2021-06-30" in sheet["A1"].value
    # the first run stored the evaluation; the version remembers its cut-off
    evaluation = Evaluation.objects.get(unit=filled.county)
    assert evaluation.until == dt.date(2021, 6, 30) and evaluation.group_number == "第三"
    assert ReportVersion.objects.get().until == dt.date(2021, 6, 30)


def test_report_defaults_to_the_root_and_the_data_folder(filled, tmp_path):
    out = run("--format", "md")
    (line,) = out.strip().splitlines()
    path = Path(line.split("：", 1)[1])
    assert path.suffix == ".md" and str(path).startswith(str(tmp_path / "reports"))
    assert path.read_text(encoding="utf-8").startswith("# 关于测试县党史学习教育情况的评估报告")


def test_flags_override_stored_settings_only_with_save(filled, tmp_path):
    run("--unit", "T00", "-o", str(tmp_path / "a.md"), "--group", "第一")
    run("--unit", "T00", "-o", str(tmp_path / "b.md"), "--group", "第五")
    assert "市委第五巡回指导组" in (tmp_path / "b.md").read_text(encoding="utf-8")
    assert Evaluation.objects.get().group_number == "第一"
    run("--unit", "T00", "-o", str(tmp_path / "c.md"), "--group", "第五", "--save")
    assert Evaluation.objects.get().group_number == "第五"
    run("--unit", "T00", "-o", str(tmp_path / "d.md"))
    assert "市委第五巡回指导组" in (tmp_path / "d.md").read_text(encoding="utf-8")


def test_township_report(filled, tmp_path):
    run("--unit", filled.townships[0].code, "-o", str(tmp_path / "t.md"))
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert f"关于{filled.townships[0].name}党史学习教育情况的评估报告" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "不存在的县"], "找不到组织"),
        (["--until", "2021-13-40"], "不是有效日期"),
        (["--until", "2020-01-01"], "早于活动开始日期"),
        (["-o", "report.txt"], "无法从文件名"),
        (["--campaign", "nope"], "找不到学习教育活动"),
    ],
)
def test_user_errors(filled, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_parse_date_forms():
    assert parse_date("2021.6.30", "x") == dt.date(2021, 6, 30)
    assert parse_date("2021年6月30日", "x") == dt.date(2021, 6, 30)
    assert parse_date(" 2021-06-30 ", "x") == dt.date(2021, 6, 30)


def test_console_script_prints_a_chinese_error_without_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["XUNZHI_DATA_DIR"] = str(tmp_path)

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "xunzhi.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert cli("init").returncode == 0
    result = cli("report", "-o", str(tmp_path / "r.docx"))
    assert result.returncode == 1
    assert result.stderr.startswith("错误：") and "还没有组织" in result.stderr
    assert "Traceback" not in result.stderr
