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
from xunzhi.campaigns.services import Loaded, campaign_load
from xunzhi.campaigns.spec import campaign_file_read
from xunzhi.lib.env import EnvError, env_bool, env_int
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org, ranks_at_least
from xunzhi.organisations.selectors import org_find, org_subtree

ROOT = Path(__file__).resolve().parent.parent


#: What a production start leaves unset: debug, HTTPS and the key take their defaults.
PRODUCTION_UNSET = ("XUNZHI_DEBUG", "XUNZHI_HTTPS", "XUNZHI_SECRET_KEY")


def _clean_env(data_dir: Path, *, drop: tuple[str, ...] = ()) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", *drop)
        and not k.startswith("PYTEST")
    }
    env["XUNZHI_DATA_DIR"] = str(data_dir)
    return env


def run_cli(*args: str, data_dir: Path, extra_env: dict | None = None, drop: tuple[str, ...] = ()):
    env = _clean_env(data_dir, drop=drop)
    env.update(extra_env or {})
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

    def test_defaults_are_production_safe(self, tmp_path):
        """No XUNZHI_DEBUG, no XUNZHI_SECRET_KEY: debug is off and the key is generated once
        into the data folder (readable by its owner only), never a key written in the code."""
        show = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"
        first = run_cli(
            "shell", "--no-imports", "-c", show, data_dir=tmp_path, drop=PRODUCTION_UNSET
        )
        assert first.returncode == 0, first.stderr
        debug, key = first.stdout.split()
        assert debug == "False"
        stored = tmp_path / "secret_key"
        assert stored.read_text().strip() == key and len(key) >= 50
        assert oct(stored.stat().st_mode & 0o777) == "0o600"
        again = run_cli(
            "shell", "--no-imports", "-c", show, data_dir=tmp_path, drop=PRODUCTION_UNSET
        )
        assert again.stdout.split() == ["False", key]
        elsewhere = run_cli(
            "shell", "--no-imports", "-c", show, data_dir=tmp_path / "b", drop=PRODUCTION_UNSET
        )
        assert elsewhere.returncode == 0 and elsewhere.stdout.split()[1] != key

    def test_debug_only_when_asked(self, tmp_path):
        show = "from django.conf import settings; print(settings.DEBUG)"
        result = run_cli(
            "shell", "--no-imports", "-c", show, data_dir=tmp_path, extra_env={"XUNZHI_DEBUG": "1"}
        )
        assert result.stdout.strip() == "True"

    def test_unusable_key_settings_are_refused_in_chinese(self, tmp_path):
        short = run_cli("check", data_dir=tmp_path, extra_env={"XUNZHI_SECRET_KEY": "short"})
        assert short.returncode != 0 and "XUNZHI_SECRET_KEY 太短" in short.stderr
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("x")
        result = run_cli("check", data_dir=blocker / "data", drop=PRODUCTION_UNSET)
        assert result.returncode != 0
        assert "密钥" in result.stderr and "Traceback" not in result.stderr

    def test_check_deploy_is_clean_with_production_settings(self, tmp_path):
        """The README's production settings: allowed hosts; debug, HTTPS and key by default."""
        result = run_cli(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            data_dir=tmp_path,
            extra_env={"XUNZHI_ALLOWED_HOSTS": "xunzhi.example.gov.cn"},
            drop=PRODUCTION_UNSET,
        )
        assert result.returncode == 0, result.stderr
        assert "no issues" in result.stdout

    def test_plain_gunicorn_serves_no_debug_pages(self, tmp_path):
        """``gunicorn xunzhi.wsgi`` with nothing set: Chinese error pages, no settings dump."""
        import socket
        import time

        import httpx

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = _clean_env(tmp_path, drop=PRODUCTION_UNSET)
        env["XUNZHI_HTTPS"] = "false"  # the test speaks plain HTTP
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "xunzhi.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    missing = httpx.get(f"http://127.0.0.1:{port}/no-such-page/", timeout=5)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "gunicorn 未在 60 秒内启动"
                    time.sleep(0.3)
            assert missing.status_code == 404
            assert "URLconf" not in missing.text and "DEBUG = True" not in missing.text
            assert "页面" in missing.text
            bad_host = httpx.get(
                f"http://127.0.0.1:{port}/login/", headers={"Host": "evil.example"}, timeout=5
            )
            assert bad_host.status_code == 400
            assert "DisallowedHost" not in bad_host.text and "SECRET_KEY" not in bad_host.text
        finally:
            server.terminate()
            server.wait(timeout=30)


class TestCli:
    def test_init_is_idempotent(self, tmp_path):
        first = run_cli("init", data_dir=tmp_path)
        assert first.returncode == 0, first.stderr
        assert "已载入学习教育活动：党史学习教育" in first.stdout
        second = run_cli("init", data_dir=tmp_path)
        assert second.returncode == 0, second.stderr
        assert "学习教育活动未改动：党史学习教育" in second.stdout
        assert "已更新" not in second.stdout
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
        campaign, loaded = campaign_load(path=path)
        assert loaded == Loaded.NEW
        assert campaign.name == "党纪学习教育"
        assert campaign.spec.activity_types == ("读书班", "警示教育", "专题党课")
        assert campaign.spec.value_item("警示教育人次").aggregate == "sum"
        again, loaded_again = campaign_load(path=path)
        assert again.pk == campaign.pk and loaded_again == Loaded.UNCHANGED

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
        assert Org.objects.in_subtree(county.county).count() == 10

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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL session settings")
@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit_and_with_more_work_mem():
    """XUNZHI_PG_OPTIONS' default reaches every connection (docs/scaling.md says why)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    assert (jit, work_mem) == ("off", "32MB")
