"""The [evaluation] table: the shipped system parses; faults are refused naming entry and line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xunzhi.campaigns.spec import BUILTIN_DIR, campaign_file_read
from xunzhi.evaluation.spec import evaluation_spec_parse
from xunzhi.lib.errors import UserError

SHIPPED = BUILTIN_DIR / "dangshi-2021.toml"


def test_the_shipped_system_adds_up_to_100():
    read = campaign_file_read(SHIPPED)
    spec = evaluation_spec_parse(read.spec, read.data)
    assert spec.total_points == 100
    assert [a.code for a in spec.areas] == ["组织领导", "学习教育", "办实事", "问题整改"]
    assert {i.kind for i in spec.indicators} == {"measure", "manual", "survey"}
    assert spec.grade(Decimal("89.99")) == "较好" and spec.grade(Decimal(90)) == "好"
    assert spec.grade(Decimal(0)) == "差"
    assert spec.by_code["B1"].per == "branch"


def _broken(tmp_path, old: str, new: str):
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    for name in ("dangshi-2021.report.j2",):
        (tmp_path / name).write_text((BUILTIN_DIR / name).read_text(encoding="utf-8"), "utf-8")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "levels.toml").write_text(
        (BUILTIN_DIR / "shared" / "levels.toml").read_text(encoding="utf-8"), "utf-8"
    )
    path = tmp_path / "c.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = next(
        i for i, ln in enumerate(path.read_text("utf-8").splitlines(), 1) if ln == 'code = "B1"'
    )
    with pytest.raises(UserError) as err:
        campaign_file_read(path)
    return str(err.value), line


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("linear = [0, 6]", "linear = [6, 6]", "linear 两个值不能相同"),
        ('per = "branch"\nmeasure', 'per = "branches"\nmeasure', "per“branches”无效"),
        ("linear = [0, 6]", "", "缺少计分规则"),
        (
            '"专题学习研讨" }\nlinear',
            '"专题学习研讨", org_leading_body = true }\nlinear',
            "相对于评估单位",
        ),
        ('type = "专题学习研讨" }\nlinear', 'type = "学习" }\nlinear', "没有的type“学习”"),
        ('points = 15\nunit = "次"\nper', 'points = 14\nunit = "次"\nper', "与其指标分值之和"),
    ],
)
def test_a_fault_names_the_indicator_and_its_line(tmp_path, old, new, says):
    message, line = _broken(tmp_path, old, new)
    assert says in message
    assert "[evaluation]" in message
    if "与其指标分值之和" not in message:
        assert f"第 {line} 行" in message and "指标 B1" in message
