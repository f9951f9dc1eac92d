"""Campaign versions in the database: the template is read from the database (moving the files
breaks nothing), every changed load is a new version, a report version records the campaign
version that produced it and is regenerated with it; the current campaign is a setting."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import build_small_county
from xunzhi.campaigns.models import Campaign, CampaignVersion
from xunzhi.campaigns.selectors import campaign_get, unit_level
from xunzhi.campaigns.services import Loaded, campaign_load, campaign_set_current
from xunzhi.campaigns.spec import BUILTIN_DIR
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org, OrgKind
from xunzhi.reports.services import evaluation_for, report_generate, report_regenerate

SHIPPED = "dangshi-2021"


def _copy_shipped(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in (f"{SHIPPED}.toml", f"{SHIPPED}.report.j2"):
        shutil.copy(BUILTIN_DIR / name, folder / name)
    (folder / "shared").mkdir(exist_ok=True)
    shutil.copy(BUILTIN_DIR / "shared" / "levels.toml", folder / "shared" / "levels.toml")
    return folder / f"{SHIPPED}.toml"


def _md(version) -> str:  # noqa: ANN001
    return Path(version.md_path).read_text(encoding="utf-8")


@pytest.mark.django_db
def test_template_comes_from_the_database_after_the_files_move(tmp_path):
    path = _copy_shipped(tmp_path / "a")
    campaign, loaded = campaign_load(path=path)
    assert loaded == Loaded.NEW and campaign.version is not None and campaign.version.number == 1
    assert campaign.template_text == (BUILTIN_DIR / f"{SHIPPED}.report.j2").read_text("utf-8")
    assert campaign.version.source_text == path.read_text("utf-8")
    county = build_small_county(campaign)
    shutil.rmtree(tmp_path / "a")  # the file and its template are gone
    campaign = Campaign.objects.get(pk=campaign.pk)
    evaluation = evaluation_for(campaign=campaign, unit=county.county, group_number="第三")
    version = report_generate(evaluation=evaluation, formats=("md",), check_sheet=False)
    assert "巡回指导组" in _md(version)
    assert version.campaign_version_id == campaign.version_id


@pytest.mark.django_db
def test_changed_file_is_a_new_version_unchanged_is_not(tmp_path):
    path = _copy_shipped(tmp_path)
    campaign, _ = campaign_load(path=path)
    assert campaign_load(path=path)[1] == Loaded.UNCHANGED
    assert campaign.versions.count() == 1
    template = path.with_name(f"{SHIPPED}.report.j2")
    template.write_text(template.read_text("utf-8") + "\n@body\n新增一段。\n", "utf-8")
    campaign, loaded = campaign_load(path=path)
    assert loaded == Loaded.VERSION
    numbers = list(
        CampaignVersion.objects.filter(campaign=campaign).values_list("number", flat=True)
    )
    assert sorted(numbers) == [1, 2]
    assert campaign.version.number == 2 and campaign.template_text.endswith("新增一段。\n")
    assert "新增一段" not in CampaignVersion.objects.get(campaign=campaign, number=1).template_text


@pytest.mark.django_db
def test_init_says_whether_a_file_was_new_changed_or_unchanged(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    path = _copy_shipped(tmp_path / "files")
    path.write_text(
        path.read_text("utf-8").replace('code = "dangshi-2021"', 'code = "dangshi-copy"'), "utf-8"
    )

    def init() -> str:
        out = io.StringIO()
        call_command("init", "--campaign", str(path), stdout=out)
        return out.getvalue()

    first = init()
    assert "已载入学习教育活动：党史学习教育（dangshi-copy），定义文件第1版" in first
    second = init()
    assert "学习教育活动未改动：党史学习教育（dangshi-copy），仍为定义文件第1版" in second
    assert "已更新" not in second and "已载入" not in second
    template = path.with_name(f"{SHIPPED}.report.j2")
    template.write_text(template.read_text("utf-8") + "\n@body\n新增一段。\n", "utf-8")
    third = init()
    assert (
        "已更新学习教育活动：党史学习教育（dangshi-copy），定义文件或报告模板有改动，存为第2版"
        in third
    )
    # the shipped campaign, loaded by every run, is unchanged after the first
    assert "学习教育活动未改动：党史学习教育（dangshi-2021）" in third
    assert Campaign.objects.get(code="dangshi-copy").versions.count() == 2


@pytest.mark.django_db
def test_regenerate_uses_the_version_that_produced_the_report(tmp_path):
    path = _copy_shipped(tmp_path)
    campaign, _ = campaign_load(path=path)
    county = build_small_county(campaign)
    evaluation = evaluation_for(campaign=campaign, unit=county.county, group_number="第三")
    first = report_generate(evaluation=evaluation, formats=("md",), check_sheet=False)
    template = path.with_name(f"{SHIPPED}.report.j2")
    template.write_text(template.read_text("utf-8") + "\n@body\n第二版才有的一段话。\n", "utf-8")
    campaign, _ = campaign_load(path=path)
    evaluation = evaluation_for(campaign=campaign, unit=county.county)
    second = report_generate(evaluation=evaluation, formats=("md",), check_sheet=False)
    assert "第二版才有的一段话" in _md(second) and "第二版才有的一段话" not in _md(first)
    again = report_regenerate(version=first, formats=("md",))
    assert again.pk not in (first.pk, second.pk)
    assert again.campaign_version_id == first.campaign_version_id != second.campaign_version_id
    assert _md(again) == _md(first)
    # the command line does the same
    out = tmp_path / "again.md"
    call_command("report", "--regenerate", str(first.pk), "-o", str(out))
    assert out.read_text("utf-8") == _md(first)
    with pytest.raises(CommandError, match="找不到报告版本"):
        call_command("report", "--regenerate", "999999")


@pytest.mark.django_db
def test_regenerate_with_the_annex_scores_by_the_version_that_produced_it(tmp_path):
    path = _copy_shipped(tmp_path)
    campaign, _ = campaign_load(path=path)
    county = build_small_county(campaign)
    evaluation = evaluation_for(campaign=campaign, unit=county.county, group_number="第三")
    first = report_generate(evaluation=evaluation, formats=("md",), check_sheet=False)
    assert "附件" not in _md(first)
    # version 2 renames the top grade
    path.write_text(
        path.read_text("utf-8").replace('grades = { "好" = 90', 'grades = { "优秀" = 90')
    )
    campaign, loaded = campaign_load(path=path)
    assert loaded == Loaded.VERSION
    evaluation = evaluation_for(campaign=campaign, unit=county.county)
    second = report_generate(evaluation=evaluation, formats=("md",), annex=True, check_sheet=False)
    assert "等次分为优秀（90分及以上）" in _md(second)
    title = "测试县乡镇和部门党史学习教育评估打分表"
    again = report_regenerate(version=first, formats=("md",), annex=True)
    text = _md(again)
    assert f"附件：{title}" in text and f"# {title}" in text and "| 单位 |" in text
    assert "等次分为好（90分及以上）" in text and "优秀" not in text
    assert again.campaign_version_id == first.campaign_version_id
    # the command line does the same
    out = tmp_path / "again.md"
    call_command("report", "--regenerate", str(first.pk), "--annex", "-o", str(out))
    assert out.read_text("utf-8") == text
    call_command("report", "--regenerate", str(first.pk), "-o", str(out))
    assert out.read_text("utf-8") == _md(first)


@pytest.mark.django_db
def test_current_campaign_is_a_setting_not_the_newest(tmp_path):
    from tests.campaigns.fixtures import dangji_2024

    first, _ = campaign_load(path=BUILTIN_DIR / f"{SHIPPED}.toml")
    second, loaded = campaign_load(path=dangji_2024(tmp_path))
    assert loaded == Loaded.NEW and second.start_date > first.start_date
    assert campaign_get().code == SHIPPED  # the first loaded stays current
    campaign_set_current(code=second.code)
    assert campaign_get().code == second.code
    assert Campaign.objects.filter(is_current=True).count() == 1
    with pytest.raises(UserError, match="找不到学习教育活动"):
        campaign_set_current(code="nope")


@pytest.mark.django_db
def test_campaign_command_lists_sets_and_shows_versions(tmp_path, capsys):
    from tests.campaigns.fixtures import dangji_2024

    campaign_load(path=BUILTIN_DIR / f"{SHIPPED}.toml")
    campaign_load(path=dangji_2024(tmp_path))
    call_command("campaign", "list")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["  dangji-2024", f"* {SHIPPED}"]
    call_command("campaign", "current", "dangji-2024")
    call_command("campaign", "current")
    out = capsys.readouterr().out
    assert "已设为：党纪学习教育（2024）" in out and out.strip().endswith("（dangji-2024）")
    call_command("campaign", "versions")
    out = capsys.readouterr().out
    assert out.startswith("* 第1版") and "dangji-2024.toml / dangji-2024.report.j2" in out
    with pytest.raises(CommandError, match="找不到学习教育活动“x”"):
        call_command("campaign", "current", "x")


def test_command_line_names_the_line_of_a_toml_fault(tmp_path):
    from tests.campaigns.fixtures import dangji_2024
    from xunzhi.campaigns.spec import campaign_file_read

    path = dangji_2024(tmp_path)
    path.write_text(
        path.read_text("utf-8").replace('name = "党纪学习教育"', "name = 党纪"), "utf-8"
    )
    with pytest.raises(UserError, match=r"格式错误：第 5 行第 8 列：Invalid value"):
        campaign_file_read(path)


@pytest.mark.django_db
def test_a_version_stored_before_a_kind_existed_still_reads(tmp_path):
    """An older release stored its vocabulary without the 省 level (the kind came later): that
    version still reads and regenerates its county report; only a 省 unit is refused, by name.
    A file being loaded must still cover every kind."""
    path = _copy_shipped(tmp_path)
    campaign, _ = campaign_load(path=path)
    county = build_small_county(campaign)
    evaluation = evaluation_for(campaign=campaign, unit=county.county, group_number="第三")
    first = report_generate(evaluation=evaluation, formats=("md",), check_sheet=False)
    version = campaign.version
    levels = version.config["vocabulary"]["levels"]
    version.config["vocabulary"]["levels"] = [lv for lv in levels if lv["code"] != "province"]
    version.save(update_fields=["config"])
    Campaign.objects.filter(pk=campaign.pk).update(config=version.config)

    again = report_regenerate(version=first, formats=("md",))
    assert _md(again) == _md(first)
    stored = Campaign.objects.get(pk=campaign.pk)
    assert unit_level(campaign=stored, unit=county.county).code == "county"
    province = Org.objects.add_root(dict(code="P99", name="测试省", kind=OrgKind.PROVINCE))
    with pytest.raises(UserError, match="没有适用于“测试省”（类型 省）的层级"):
        unit_level(campaign=stored, unit=province)
    levels_file = path.parent / "shared" / "levels.toml"
    text = levels_file.read_text("utf-8").replace('kinds = ["省"]', 'kinds = ["市"]', 1)
    levels_file.write_text(text, "utf-8")
    with pytest.raises(UserError, match="适用于组织类型“省”"):
        campaign_load(path=path)
