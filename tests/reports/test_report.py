"""The composed report: adaptive clauses, problems from rules, self-check, check sheet, versions."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.figures.healthy import make_healthy, set_config
from tests.figures.ledger_fill import fill
from xunzhi.ledgers.models import Activity, Problem, Project, ReportedValue
from xunzhi.reports.compose import (
    ReportCheckError,
    TemplateFigureError,
    blocks_parse,
    document_check,
)
from xunzhi.reports.document import Block, ReportDocument, Run
from xunzhi.reports.models import ReportVersion
from xunzhi.reports.services import evaluation_for, report_compose, report_generate


def compose(county, **settings):
    evaluation = evaluation_for(campaign=county.campaign, unit=county.county, **settings)
    return report_compose(evaluation=evaluation)


def text_of(county, **settings) -> str:
    return compose(county, **settings).document.text


@pytest.fixture
def filled(county):
    fill(county)
    return county


def test_full_report_has_the_reference_shape_and_figures_as_runs(filled):
    composed = compose(filled, group_number="第三", arrival_date=dt.date(2021, 3, 17), city="某")
    doc = composed.document
    kinds = [b.kind for b in doc.blocks]
    assert kinds[0] == "title" and kinds[1] == "addressee" and kinds[-2:] == ["signature", "date"]
    headings = [b.text for b in doc.blocks if b.kind == "heading1"]
    assert headings == ["一、取得的成效", "二、主要的做法", "三、存在的问题", "四、工作建议"]
    text = doc.text
    # dated after the campaign (no sign date: its end), so the 2021 arrival names its year
    assert "市委第三巡回指导组于2021年3月17日入驻测试县" in text
    assert "某市委党史学习教育办" in text and doc.blocks[1].text == "某市委党史学习教育领导小组："
    # the slips of the reference are corrected
    assert "习近平时代" not in text and text.count("习近平新时代中国特色社会主义思想") >= 3
    template = composed.figures.campaign.template_text
    assert "不断及其" not in text and "不断加强信仰信念的历练" in template
    assert "“主动上门服务”，让" in text
    # every printed figure is a run carrying its code, with the figure's own text
    runs = {r.figure: r.text for b in doc.blocks for r in b.runs if r.figure}
    for code in ("F01", "F02", "F16", "F18b", "F24", "F30"):
        assert runs[code] == composed.figures[code].text
    assert f"专题学习研讨{composed.figures['F02'].text}场次" in text


def test_projects_clause_all_done_versus_partly_done(healthy_county):
    county = healthy_county
    assert "目前已全部完成" in text_of(county)
    Project.objects.filter(org=county.townships[0]).update(status="推进中", done_date=None)
    text = text_of(county)
    assert "全部完成" not in text
    assert "集中梳理3件为群众办实事实践项目，已完成2件，完成率67%。" in text
    # before the campaign's end the clause says as of when
    june = text_of(county, until=dt.date(2021, 9, 30))
    assert "集中梳理3件为群众办实事实践项目，截至9月30日已完成2件，完成率67%。" in june


def test_zero_and_missing_figures_drop_their_clauses(healthy_county):
    county = healthy_county
    text = text_of(county)
    # no 常委会会议, no 调研, no ratios reported: those clauses are gone, the sentences still read
    assert "先后召开县委常委会会议" not in text
    assert "县委常委会注重带头，第一时间传达学习" in text
    assert "调研课题" not in text and "网上可办率" not in text
    assert "在优化政务服务方面" not in text  # no rate reported: no claim about them either
    # F10 is the county's own task force: its department's report (3), not the townships'
    assert "成立了以县委书记为组长的领导小组，抽调了3名骨干力量集中办公" in text
    assert not re.search(r"(?<![\d.])0(?:个|场|次|件|名|%)", text)


def test_ratio_with_zero_denominator_is_dropped(healthy_county):
    county = healthy_county
    for item, value in (("网上可办事项数", 5), ("依申请政务服务事项数", 0)):
        ReportedValue.objects.create(
            campaign=county.campaign,
            org=county.townships[0],
            period="2021-06",
            period_end=dt.date(2021, 6, 30),
            item=item,
            value=Decimal(value),
        )
    assert "网上可办率" not in text_of(county)
    ReportedValue.objects.filter(item="依申请政务服务事项数").update(value=Decimal(8))
    assert "目前依申请政务服务事项网上可办率达63%，将“坐等服务”" in text_of(county)


def test_strategies_sentence_only_when_set(healthy_county):
    county = healthy_county
    assert "发展战略" not in text_of(county) and "发展品牌" not in text_of(county)
    text = text_of(county, strategies="工业强市、生态立市", brand="山水名城")
    assert (
        "全面贯彻落实市委“工业强市、生态立市”发展战略，打响“山水名城”的发展品牌，加快推进" in text
    )


def test_lecture_places_come_from_data_else_from_settings(healthy_county):
    county = healthy_county
    assert "带头深入" not in text_of(county)  # no lecture on record, none claimed
    assert "县委主要领导带头深入红星村等基层单位" in text_of(county, lecture_places="红星村")
    Activity.objects.create(
        campaign=county.campaign,
        org=county.leading_body,
        date=dt.date(2021, 4, 9),
        type="宣讲",
        title="书记宣讲",
        leader=county.secretary,
        location="东风村",
    )
    assert "带头深入东风村等基层单位" in text_of(county, lecture_places="红星村")


def test_no_rule_fired_says_something_true(healthy_county):
    composed = compose(healthy_county)
    assert not [r for r in composed.rules if r.fired]
    part3 = _part(composed.document, "三、存在的问题")
    assert "各项评估规则均未发现明显短板" in part3
    assert "一是" not in part3
    part4 = _part(composed.document, "四、工作建议")
    # the four standing suggestions, each once
    for title in ("持续强化理论武装", "建立常态长效机制", "持续弘扬优良作风", "持续激励担当作为"):
        assert part4.count(title) == 1, title
    assert "四是持续激励担当作为" in part4 and "五是" not in part4
    assert part4.count("长效机制") == 2  # its title and its sentence, in one point only


def test_fired_rules_fill_problems_and_suggestions(healthy_county):
    county = healthy_county
    Activity.objects.filter(type="经验总结").delete()
    Problem.objects.create(
        campaign=county.campaign,
        org=county.branches[0],
        source="督导发现",
        description="超期",
        deadline=dt.date(2021, 5, 1),
    )
    composed = compose(county)
    part3 = _part(composed.document, "三、存在的问题")
    # goal order: 学史崇德 (rectification) before 学史力行 (summaries)
    assert (
        "一是问题整改推进不够有力，全县查摆和发现的1个问题中，尚有1个超过整改时限未完成整改，"
        "涉及1个乡镇，为测试东镇；" in part3
    )
    assert (
        "二是全县乡镇和部门普遍存在动态活动开展得多、经验总结得少的情况，3个乡镇和部门的经验总结"
        "均不足其活动（不含网络学习）的1%，在形成解决问题长效工作机制方面有待进一步提升。" in part3
    )
    part4 = _part(composed.document, "四、工作建议")
    assert "一是抓实问题整改。对超过整改时限的1个问题逐项明确责任人和整改时限" in part4
    assert "二是注重总结提炼经验。督促全县乡镇和部门及时总结提炼" in part4  # all of them
    # the standing points the problems already cover are left out, the others follow
    assert "三是持续强化理论武装" in part4 and "四是持续激励担当作为" in part4
    assert "建立常态长效机制" not in part4 and "持续弘扬优良作风" not in part4
    assert part4.count("长效") == 1


def test_problem_count_and_order_are_campaign_settings(county):
    fill(county)  # the random county fires several rules
    Activity.objects.filter(type="经验总结").delete()
    composed = compose(county)
    fired = [r for r in composed.rules if r.fired]
    assert len(fired) >= 5
    shown = [r for r in fired if r.shown]
    left_out = [r for r in fired if r.shown is False]
    assert len(shown) == 4 and len(left_out) == len(fired) - 4
    goals = list(county.campaign.spec.goals)
    order = [goals.index(r.goal) if r.goal else len(goals) for r in shown]
    assert order == sorted(order)  # the campaign's goal order
    part3 = _part(composed.document, "三、存在的问题")
    assert "四是" in part3 and "五是" not in part3
    for rule in shown:
        assert rule.sentence in part3
    for rule in left_out:  # composed all the same, and said why it is not in the report
        assert rule.sentence and rule.sentence not in part3
        assert rule.omitted == "超出报告所列问题条数（4条）"
    set_report(county.campaign, problems_max=2, problems_order=[left_out[0].code])
    composed = compose(county)
    shown_now = [r for r in composed.rules if r.shown]
    assert len(shown_now) == 2
    first = next(r for r in shown_now if r.code == left_out[0].code)
    assert f"一是{first.sentence}；" in _part(composed.document, "三、存在的问题")


def set_report(campaign, **values) -> None:
    """Change [report] settings in the stored copy of the campaign file."""
    set_config(campaign, "report", **values)


def _part(doc: ReportDocument, heading: str) -> str:
    out, inside = [], False
    for block in doc.blocks:
        if block.kind == "heading1":
            inside = block.text == heading
            continue
        if inside and block.kind == "body":
            out.append(block.text)
    return "\n".join(out)


# --- self-check -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("县委常委班子累计开展x个专题学习研讨", "占位符"),
        ("入驻X县开展巡回指导", "占位符"),
        ("累计开展None场", "空值"),
        ("打响“”的发展品牌", "空引号"),
        ("成立0支志愿服务队", "数量为零"),
        ("网上可办率达0%", "数量为零"),
        ("开展{{ f.F01 }}", "未渲染"),
    ],
)
def test_self_check_fails_loudly(text, label):
    doc = ReportDocument(title="t", blocks=[Block("body", [Run(text)])])
    with pytest.raises(ReportCheckError, match=label):
        document_check(doc, units=("支", "个"))


def test_self_check_refuses_six_digit_numbers_and_zero_figure_runs():
    doc = ReportDocument(title="t", blocks=[Block("body", [Run("受众540000余人")])])
    with pytest.raises(ReportCheckError, match="六位以上的数字"):
        document_check(doc)
    doc = ReportDocument(title="t", blocks=[Block("body", [Run("0", figure="R1"), Run("回")])])
    document_check(doc)  # "回" is no measure word of this campaign, and R1 is not zero
    with pytest.raises(ReportCheckError, match="数据项 R1 为零"):
        document_check(doc, zero_codes={"R1"})


def test_self_check_accepts_clean_text():
    doc = ReportDocument(
        title="t",
        blocks=[
            Block("body", [Run("累计开展"), Run("100", figure="F20"), Run("场，完成率100%。")])
        ],
    )
    document_check(doc)


def test_blocks_parse_splits_figure_markers_into_runs():
    blocks = blocks_parse("@h1\n一、成效\n@body\n开展\ue000F02\ue0011200多\ue002场次，\n继续。\n")
    assert [b.kind for b in blocks] == ["heading1", "body"]
    assert blocks[1].runs == [Run("开展"), Run("1200多", figure="F02"), Run("场次，继续。")]


def test_template_printing_a_missing_figure_fails(county):
    from xunzhi.figures.services import figures_compute
    from xunzhi.reports.compose import document_compose

    figures = figures_compute(campaign=county.campaign, unit=county.county)
    with pytest.raises(TemplateFigureError, match="F10"):
        document_compose(
            template_text="@body\n抽调{{ f.F10|fig }}名\n",
            figures=figures,
            rules=[],
            evaluation=None,
            unit_name="测试县",
            campaign_name="党史学习教育",
            campaign_settings={},
        )
    with pytest.raises(ReportCheckError, match="数量为零"):
        document_compose(
            template_text="@body\n成立{{ f.F27|fig }}支志愿服务队\n",
            figures=figures,
            rules=[],
            evaluation=None,
            unit_name="测试县",
            campaign_name="党史学习教育",
            campaign_settings={},
        )


# --- generate, check sheet, versions ------------------------------------------------------------


def test_generate_writes_docx_md_and_check_sheet_and_records_a_version(filled, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    evaluation = evaluation_for(campaign=filled.campaign, unit=filled.county, group_number="第三")
    version = report_generate(evaluation=evaluation, formats=("docx", "md", "html"))
    assert ReportVersion.objects.filter(evaluation=evaluation).count() == 1
    paths = version.paths()
    assert set(paths) == {"docx", "md", "html", "xlsx"}
    for path in paths.values():
        assert str(path).startswith(str(tmp_path / "reports"))

    body = "\n".join(p.text for p in Document(paths["docx"]).paragraphs)
    composed = report_compose(evaluation=evaluation)
    assert composed.figures["F02"].text in body
    assert "三、存在的问题" in body
    assert version.fired_rules == [r.code for r in composed.rules if r.fired]

    wb = load_workbook(io.BytesIO(Path(paths["xlsx"]).read_bytes()))
    sheet = wb["数据项"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    for figure in composed.figures:
        code, name, definition, value, text, count, printed = rows[figure.code]
        assert (name, text or None, count) == (figure.name, figure.text, figure.source_count)
        assert definition == figure.definition
        if figure.kind not in ("list", "ratio"):
            assert value == figure.value
    assert rows["F02"][6] == "是"
    fired = [r for r in composed.rules if r.fired][0]
    rule_rows = list(wb[f"规则-{fired.code}"].iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in rule_rows] == sorted(u.code for u in fired.short_units)
    assert all(row[-1] == "是" for row in rule_rows)
    label = fired.rule.conditions[0].label
    for row, unit in zip(rule_rows, sorted(fired.short_units, key=lambda u: u.code), strict=True):
        measure = unit.measures[label]
        assert row[3] == (float(measure) if measure is not None else None)
    # a second generation keeps the first version
    report_generate(evaluation=evaluation, formats=("md",), check_sheet=False)
    assert evaluation.versions.count() == 2


@pytest.fixture
def healthy_county(county):
    return make_healthy(county)


def test_demo_report_is_written_into_the_folder(filled, tmp_path):
    from xunzhi.reports.services import report_demo_write

    version = report_demo_write(campaign=filled.campaign, unit=filled.county, folder=tmp_path)
    assert Path(version.docx_path) == tmp_path / "测试县评估报告.docx"
    assert Path(version.check_sheet_path) == tmp_path / "测试县数据核对表.xlsx"
    body = "\n".join(p.text for p in Document(version.docx_path).paragraphs)
    assert "市委第三巡回指导组于2021年3月17日入驻测试县" in body
    assert "2022年1月10日" in body
    # stored settings win over the demo defaults on the next run
    evaluation = version.evaluation
    evaluation.group_number = "第七"
    evaluation.save()
    version = report_demo_write(campaign=filled.campaign, unit=filled.county, folder=tmp_path)
    body = "\n".join(p.text for p in Document(version.docx_path).paragraphs)
    assert "市委第七巡回指导组" in body


def test_admin_lists_and_edits_evaluations(filled, client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(admin)
    evaluation = evaluation_for(campaign=filled.campaign, unit=filled.county, group_number="第三")
    evaluation.save()
    report_generate(evaluation=evaluation, formats=("md",), check_sheet=False)
    for url in (
        "/admin/reports/evaluation/",
        f"/admin/reports/evaluation/{evaluation.pk}/change/",
        "/admin/reports/reportversion/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "指导组序号" in client.get(f"/admin/reports/evaluation/{evaluation.pk}/change/").text


def test_check_sheet_describes_latest_values(filled):
    composed = compose(filled)
    assert "各单位最近一期数值之和" in composed.figures["F10"].definition
    assert "各期数值之和" in composed.figures["F26"].definition
