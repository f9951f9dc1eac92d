"""The foundation: settings, the CLI, campaigns as data, the organisation tree."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import add  # noqa: E402
from xunzhi.campaigns.services import campaign_load
from xunzhi.campaigns.spec import campaign_file_read
from xunzhi.lib.env import EnvError, env_bool, env_int
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org, ranks_at_least
from xunzhi.organisations.selectors import org_find, org_subtree

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, data_dir: Path, extra_env: dict | None = None):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE") and not k.startswith("PYTEST")
    }
    env.update({"XUNZHI_DATA_DIR": str(data_dir)}, **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "-m", "xunzhi.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


class TestSettingsHelpers:
    def test_env_bool_refuses_garbage(self, monkeypatch):
        monkeypatch.setenv("XZ_FLAG", "maybe")
        with pytest.raises(EnvError, match="XZ_FLAG"):
            env_bool("XZ_FLAG", False)

    def test_env_bool_reads_words(self, monkeypatch):
        monkeypatch.setenv("XZ_FLAG", "Off")
        assert env_bool("XZ_FLAG", True) is False
        monkeypatch.setenv("XZ_FLAG", "yes")
        assert env_bool("XZ_FLAG", False) is True

    def test_env_int_minimum(self, monkeypatch):
        monkeypatch.setenv("XZ_N", "-3")
        with pytest.raises(EnvError, match="不能小于"):
            env_int("XZ_N", 1, minimum=0)

    def test_production_settings_need_a_secret_key(self, tmp_path):
        result = run_cli("check", data_dir=tmp_path, extra_env={"XUNZHI_DEBUG": "false"})
        assert result.returncode != 0
        assert "XUNZHI_SECRET_KEY" in result.stderr
        assert "Traceback" not in result.stderr

    def test_check_deploy_is_clean_with_production_settings(self, tmp_path):
        result = run_cli(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            data_dir=tmp_path,
            extra_env={
                "XUNZHI_DEBUG": "false",
                "XUNZHI_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3" * 4,
                "XUNZHI_ALLOWED_HOSTS": "xunzhi.example.gov.cn",
            },
        )
        assert result.returncode == 0, result.stderr
        assert "no issues" in result.stdout


class TestCli:
    def test_init_is_idempotent(self, tmp_path):
        first = run_cli("init", data_dir=tmp_path)
        assert first.returncode == 0, first.stderr
        assert "已载入学习教育活动：党史学习教育" in first.stdout
        second = run_cli("init", data_dir=tmp_path)
        assert second.returncode == 0, second.stderr
        assert "已更新学习教育活动：党史学习教育" in second.stdout
        assert (tmp_path / "xunzhi.sqlite3").is_file()

    def test_errors_are_chinese_without_traceback(self, tmp_path):
        result = run_cli("init", "--campaign", str(tmp_path / "missing.toml"), data_dir=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith("错误：找不到活动定义文件")
        assert "Traceback" not in result.stderr


SECOND_CAMPAIGN = """
[campaign]
code = "jilv-2024"
name = "党纪学习教育"
start = 2024-04-01
end = 2024-07-31
goals = ["学纪", "知纪", "明纪", "守纪"]

[types]
activities = ["读书班", "警示教育", "专题党课"]
resources = ["警示教育基地"]
problem_sources = ["组织查摆"]

[[values]]
code = "警示教育人次"
unit = "人次"
aggregate = "sum"

[settings]
min_seminars = 2
"""


class TestCampaigns:
    def test_builtin_campaign_declares_the_spec(self, campaign):
        spec = campaign.spec
        assert spec.goals == ("学史明理", "学史增信", "学史崇德", "学史力行")
        assert len(spec.project_fields) == 9
        assert "专题学习研讨" in spec.activity_types
        assert "红色作品" in spec.resource_types
        assert spec.value_item("网上可办事项数").unit == "项"

    def test_a_second_campaign_file_needs_no_code(self, db, tmp_path):
        path = tmp_path / "jilv.toml"
        path.write_text(SECOND_CAMPAIGN, encoding="utf-8")
        campaign, created = campaign_load(path=path)
        assert created
        assert campaign.name == "党纪学习教育"
        assert campaign.spec.activity_types == ("读书班", "警示教育", "专题党课")
        assert campaign.spec.value_item("警示教育人次").aggregate == "sum"
        again, created_again = campaign_load(path=path)
        assert again.pk == campaign.pk and not created_again

    def test_bad_campaign_file_names_the_fault(self, tmp_path):
        path = tmp_path / "bad.toml"
        path.write_text(SECOND_CAMPAIGN.replace('aggregate = "sum"', 'aggregate = "avg"'), "utf-8")
        with pytest.raises(UserError, match="警示教育人次.*aggregate"):
            campaign_file_read(path)
        path.write_text(textwrap.dedent("[campaign]\nname='x'\n"), "utf-8")
        with pytest.raises(UserError, match="缺少必填项"):
            campaign_file_read(path)


class TestOrganisationTree:
    def test_subtree_is_one_indexed_prefix_query(self, county):
        town = county.townships[0]
        with CaptureQueriesContext(connection) as ctx:
            names = sorted(org_subtree(town).values_list("name", flat=True))
        assert len(ctx.captured_queries) == 1
        assert "LIKE" in ctx.captured_queries[0]["sql"].upper()
        assert names == sorted([town.name, *(b.name for b in county.branches[:2])])

    def test_whole_county_subtree(self, county):
        assert org_subtree(county.county).count() == len(county.all_orgs())
        assert Org.objects.filter(path__startswith=county.county.path).count() == 10

    def test_org_find_by_code_name_and_ambiguity(self, county):
        assert org_find("T11") == county.townships[0]
        assert org_find(" 测试东镇 ") == county.townships[0]
        add(county.county, code="T99", name="测试东镇", kind="乡镇")
        with pytest.raises(UserError, match="不唯一.*T11.*T99|不唯一.*T99.*T11"):
            org_find("测试东镇")
        with pytest.raises(UserError, match="找不到组织"):
            org_find("不存在的镇")

    def test_ranks_at_least(self):
        assert ranks_at_least("县处级") == ["县处级", "厅局级", "省部级"]
