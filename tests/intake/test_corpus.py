"""A corpus of messy files, built here, each with the exact rows it must yield (ledgers.md,
"Real sheets are messy")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import add
from tests.intake.helpers import csv_bytes, xls, xlsx
from xunzhi.intake.models import ImportBatch
from xunzhi.intake.services import ledger_import
from xunzhi.ledgers.models import Activity, Problem, Project, ReportedValue, Resource
from xunzhi.organisations.models import Leader, Org, OrgKind

D = dt.date


def activities() -> list[tuple]:
    return sorted(
        Activity.objects.values_list(
            "date", "org__code", "type", "title", "participants", "beneficiaries", "tags"
        )
    )


def run(county, name: str, data: bytes, **kw):
    result = ledger_import(files=[(name, data)], campaign=county.campaign, **kw)
    return result


def ok(county, name: str, data: bytes, **kw):
    result = run(county, name, data, **kw)
    assert result.ok, [e.message for e in result.errors]
    return result


HEADER = ["日期", "组织", "类型", "标题", "参加人数"]


class TestFindingTheTable:
    def test_title_rows_two_row_merged_header_blank_and_total_rows(self, county):
        rows = [
            ["测试县党史学习教育活动台账（截至6月30日）", None, None, None, None, None],
            ["填报单位：测试县委组织部", None, None, None, None, None],
            ["日期", "组织", "活动情况", None, "参加情况", None],
            [None, None, "类型", "标题", "人数", "受益人数"],
            [D(2021, 6, 1), "测试东镇", "主题党日", "重温入党誓词", 30, 0],
            [None, None, None, None, None, None],
            [D(2021, 6, 2), "测试西镇", "宣讲", "百年党史宣讲", 120, 500],
            ["合计", None, None, None, 150, 500],
        ]
        data = xlsx(
            {"活动": rows}, {"活动": ["A1:F1", "A2:F2", "C3:D3", "E3:F3", "A3:A4", "B3:B4"]}
        )
        result = ok(county, "台账.xlsx", data)
        assert activities() == [
            (D(2021, 6, 1), "T11", "主题党日", "重温入党誓词", 30, 0, ""),
            (D(2021, 6, 2), "T12", "宣讲", "百年党史宣讲", 120, 500, ""),
        ]
        assert result.sheets[0].totals_excluded == 1
        assert result.warnings == []  # the total matches

    def test_unit_merged_down_over_its_rows(self, county):
        rows = [
            HEADER,
            [D(2021, 6, 1), "测试东镇", "宣讲", "一", 1],
            [D(2021, 6, 2), None, "宣讲", "二", 2],
            [D(2021, 6, 3), None, "宣讲", "三", 3],
            [D(2021, 6, 4), "T12", "宣讲", "四", 4],
        ]
        ok(county, "a.xlsx", xlsx({"活动": rows}, {"活动": ["B2:B4"]}))
        assert [(a[1], a[3]) for a in activities()] == [
            ("T11", "一"),
            ("T11", "二"),
            ("T11", "三"),
            ("T12", "四"),
        ]

    def test_total_mismatch_is_a_warning_and_never_data(self, county):
        rows = [
            HEADER,
            ["2021-06-01", "测试东镇", "主题党日", "甲", "30"],
            ["2021-06-02", "测试东镇", "主题党日", "乙", "20"],
            ["小　计", "", "", "", "60"],
            ["2021-06-03", "测试西镇", "主题党日", "丙", "5"],
            ["总计", "", "", "", "55"],
        ]
        result = ok(county, "a.csv", csv_bytes(rows))
        assert [a[3] for a in activities()] == ["甲", "乙", "丙"]
        (warning,) = result.warnings
        assert warning.row == 4 and warning.cell == "E4" and "50" in warning.reason

    def test_aliases_any_order_and_extra_columns(self, county):
        rows = [
            ["序号", "活动名称", "人数", "单位", "活动时间", "活动形式", "联系人"],
            [1, "读原著", 25, "测试县教育局", "2021.7.1", "读书班", "李四"],
        ]
        result = ok(county, "a.xlsx", xlsx({"Sheet1": rows}))
        assert activities() == [(D(2021, 7, 1), "T21", "读书班", "读原著", 25, 0, "")]
        assert result.sheets[0].extra_columns == ["序号", "联系人"]
        assert {w.column for w in result.warnings} == {"序号", "联系人"}

    def test_several_sheets_each_of_its_kind(self, county):
        data = xlsx(
            {
                "活动": [HEADER, [D(2021, 6, 1), "T11", "宣讲", "宣讲一", 10]],
                "项目": [
                    ["项目名称", "责任单位", "重点领域", "状态", "受益人数"],
                    ["修路", "测试西镇", "交通出行", "已完成", "3.5万"],
                ],
                "说明": [["本表由组织部汇总"]],
                "数据": [
                    ["组织", "期间", "指标", "数值"],
                    ["T11", "2021Q2", "网络学习人次", "1,200"],
                ],
            }
        )
        result = ok(county, "多表.xlsx", data)
        assert [(s.sheet, s.kind, s.rows) for s in result.sheets] == [
            ("活动", "activities", 1),
            ("项目", "projects", 1),
            ("数据", "values", 1),
        ]
        assert list(Project.objects.values_list("name", "status", "beneficiaries")) == [
            ("修路", "已完成", 35000)
        ]
        assert list(ReportedValue.objects.values_list("period", "period_end", "value")) == [
            ("2021Q2", D(2021, 6, 30), Decimal("1200.00"))
        ]
        assert any(w.sheet == "说明" for w in result.warnings)

    def test_kind_option_forces_the_kind(self, county):
        data = csv_bytes([HEADER, ["2021-06-01", "T11", "宣讲", "x", 1]])
        result = run(county, "a.csv", data, kind="projects")
        assert not result.ok
        assert "办实事项目" in result.errors[0].reason

    def test_unreadable_file_is_refused(self, county):
        result = run(county, "坏.xlsx", b"PK\x03\x04garbage")
        assert not result.ok and "无法作为 Excel" in result.errors[0].reason


class TestDates:
    def test_every_form(self, county):
        rows = [
            HEADER,
            [D(2021, 6, 1), "T11", "宣讲", "真日期", 1],
            ["2021.6.2", "T11", "宣讲", "点号", 1],
            ["2021年6月3日", "T11", "宣讲", "中文", 1],
            ["6月4日", "T11", "宣讲", "无年份", 1],
            ["1月5日", "T11", "宣讲", "无年份跨年", 1],
            [44353, "T11", "宣讲", "序列号", 1],
            ["2021/6/7", "T11", "宣讲", "斜杠", 1],
            ["2021-06-08", "T11", "宣讲", "横线", 1],
            ["２０２１－０６－０９", "T11", "宣讲", "全角", 1],
            # Excel cells hold naive date-times: that is what a workbook gives us.
            [dt.datetime(2021, 6, 10, 9, 30), "T11", "宣讲", "日期时间", 1],  # noqa: DTZ001
        ]
        ok(county, "a.xlsx", xlsx({"活动": rows}))
        got = {a[3]: a[0] for a in activities()}
        assert got == {
            "真日期": D(2021, 6, 1),
            "点号": D(2021, 6, 2),
            "中文": D(2021, 6, 3),
            "无年份": D(2021, 6, 4),
            "无年份跨年": D(2022, 1, 5),  # the campaign runs to 2022-01
            "序列号": D(2021, 6, 6),
            "斜杠": D(2021, 6, 7),
            "横线": D(2021, 6, 8),
            "全角": D(2021, 6, 9),
            "日期时间": D(2021, 6, 10),
        }

    def test_year_from_the_title(self, county):
        rows = [["2022年第一季度活动台账"], HEADER, ["1月5日", "T11", "宣讲", "x", 1]]
        ok(county, "a.xlsx", xlsx({"活动": rows}))
        assert activities()[0][0] == D(2022, 1, 5)

    def test_bad_date_names_the_cell(self, county):
        rows = [HEADER, ["2021.13.1", "T11", "宣讲", "x", 1]]
        result = run(county, "a.csv", csv_bytes(rows))
        (error,) = result.errors
        assert (error.file, error.sheet, error.row, error.column, error.value) == (
            "a.csv",
            "a",
            2,
            "日期",
            "2021.13.1",
        )
        assert error.cell == "A2" and "日期" in error.reason
        assert Activity.objects.count() == 0


class TestNumbersAndNames:
    def test_numbers(self, county):
        rows = [
            [*HEADER, "受益人数"],
            ["2021-06-01", "T11", "宣讲", "全角", "１２３", "1,234"],
            ["2021-06-01", "T11", "宣讲", "单位", "120人", "3.5万"],
            ["2021-06-01", "T11", "宣讲", "空", "", None],
        ]
        ok(county, "a.csv", csv_bytes(rows))
        got = {a[3]: (a[4], a[5]) for a in activities()}
        assert got == {"全角": (123, 1234), "单位": (120, 35000), "空": (0, 0)}

    def test_percent_and_decimals_in_values(self, county):
        rows = [
            ["组织", "期间", "指标", "数值"],
            ["T11", "2021-06", "网上可办事项数", "95%"],
            ["T11", "2021-06", "依申请政务服务事项数", "100"],
            ["T11", "2021年7月", "网上可办事项数", "1.005"],
            ["T11", "2021.7", "依申请政务服务事项数", "2"],
            ["T11", "全程", "专班抽调人数", "12"],
            ["T12", "2021年第三季度", "专班抽调人数", "3"],
        ]
        ok(county, "v.csv", csv_bytes(rows))
        got = sorted(
            ReportedValue.objects.values_list("org__code", "period", "period_end", "item", "value")
        )
        assert got == [
            ("T11", "2021-06", D(2021, 6, 30), "依申请政务服务事项数", Decimal("100")),
            ("T11", "2021-06", D(2021, 6, 30), "网上可办事项数", Decimal("95")),
            ("T11", "2021-07", D(2021, 7, 31), "依申请政务服务事项数", Decimal("2")),
            ("T11", "2021-07", D(2021, 7, 31), "网上可办事项数", Decimal("1.01")),
            ("T11", "全程", D(2022, 1, 31), "专班抽调人数", Decimal("12")),
            ("T12", "2021Q3", D(2021, 9, 30), "专班抽调人数", Decimal("3")),
        ]

    def test_numerator_never_above_or_without_its_denominator(self, county):
        head = ["组织", "期间", "指标", "数值"]
        rows = [
            head,
            ["T11", "2021-06", "依申请政务服务事项数", "10"],
            ["T11", "2021-06", "网上可办事项数", "12"],
            ["T12", "2021-06", "网上可办事项数", "1"],
            ["T12", "2021-06", "专班抽调人数", "-1"],
        ]
        errors = run(county, "v.csv", csv_bytes(rows)).errors
        assert sorted((e.row, e.column, e.reason) for e in errors) == [
            (3, "数值", "“网上可办事项数”（12）不能大于“依申请政务服务事项数”（10）"),
            (4, "数值", "填写了“网上可办事项数”时必须同时填写“依申请政务服务事项数”"),
            (5, "数值", "“-1”不能为负数"),
        ]
        # The denominator already in the database counts too.
        ok(county, "d.csv", csv_bytes([head, ["T12", "2021-06", "依申请政务服务事项数", "5"]]))
        ok(county, "n.csv", csv_bytes([head, ["T12", "2021-06", "网上可办事项数", "5"]]))
        bad = run(county, "n.csv", csv_bytes([head, ["T12", "2021-06", "网上可办事项数", "6"]]))
        assert [e.row for e in bad.errors] == [2]

    def test_not_a_number(self, county):
        rows = [HEADER, ["2021-06-01", "T11", "宣讲", "x", "约三十人"]]
        (error,) = run(county, "a.csv", csv_bytes(rows)).errors
        assert error.column == "参加人数" and error.value == "约三十人"

    def test_stray_spaces_codes_and_names(self, county):
        rows = [
            [*HEADER, "主讲/带头领导", "标签"],
            ["2021-06-01", "测试东镇　", "宣讲", " 甲 ", 1, "王 书记", "自选动作、线上"],
            ["2021-06-01", " T12", "宣讲", "乙", 1, "", "本地特色，自选动作,本地特色"],
            ["2021-06-01", "测试　西镇", "宣讲", "丙", 1, "副书记1", ""],
        ]
        ok(county, "a.csv", csv_bytes(rows))
        got = sorted(Activity.objects.values_list("org__code", "title", "leader__name", "tags"))
        assert got == [
            ("T11", "甲", "王书记", ",自选动作,线上,"),
            ("T12", "丙", "副书记1", ""),
            ("T12", "乙", None, ",本地特色,自选动作,"),
        ]

    def test_several_leaders_keep_the_first_with_a_warning(self, county):
        rows = [[*HEADER, "主讲领导"], ["2021-06-01", "T01", "宣讲", "x", 1, "副书记1、王书记"]]
        result = ok(county, "a.csv", csv_bytes(rows))
        assert Activity.objects.get().leader.name == "副书记1"
        (warning,) = result.warnings
        assert (warning.row, warning.column) == (2, "主讲领导") and "第一位" in warning.reason
        rows[1][5] = "无名氏、王书记"
        (error,) = run(county, "b.csv", csv_bytes(rows)).errors
        assert "找不到领导“无名氏”" in error.reason

    def test_ambiguous_and_unknown_units_name_candidates(self, county):
        add(county.townships[1], code="T129", name="测试东镇第1村党支部", kind=OrgKind.BRANCH)
        rows = [
            HEADER,
            ["2021-06-01", "测试东镇第1村党支部", "宣讲", "x", 1],
            ["2021-06-01", "测试南镇", "宣讲", "y", 1],
            ["2021-06-01", "T129", "宣讲", "z", 1],
        ]
        errors = run(county, "a.csv", csv_bytes(rows)).errors
        assert [(e.row, e.column) for e in errors] == [(2, "组织"), (3, "组织")]
        assert "T111" in errors[0].reason and "T129" in errors[0].reason
        assert "找不到组织“测试南镇”" in errors[1].reason
        assert Activity.objects.count() == 0

    def test_type_checked_against_the_campaign(self, county):
        rows = [HEADER, ["2021-06-01", "T11", "吃饭", "x", 1]]
        (error,) = run(county, "a.csv", csv_bytes(rows)).errors
        assert error.column == "类型" and "专题学习研讨" in error.reason

    def test_required_cell_missing(self, county):
        rows = [HEADER, ["2021-06-01", "T11", "宣讲", "", 1]]
        (error,) = run(county, "a.csv", csv_bytes(rows)).errors
        assert (error.column, error.reason) == ("标题", "不能为空")

    def test_duplicate_rows_in_one_file(self, county):
        rows = [
            HEADER,
            ["2021-06-01", "T11", "宣讲", "x", 1],
            ["2021.6.1", "测试东镇", "宣讲", "x", 2],
        ]
        (error,) = run(county, "a.csv", csv_bytes(rows)).errors
        assert error.row == 3 and "第2行重复" in error.reason


class TestFormats:
    ROWS = [HEADER, ["2021-06-01", "测试东镇", "宣讲", "党史宣讲𠀀", "30"]]  # 𠀀: GB18030 only

    @pytest.mark.parametrize(
        "encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"], ids=lambda e: e
    )
    def test_csv_encodings(self, county, encoding):
        ok(county, "a.csv", csv_bytes(self.ROWS, encoding))
        assert activities() == [(D(2021, 6, 1), "T11", "宣讲", "党史宣讲𠀀", 30, 0, "")]

    def test_gbk_csv(self, county):
        rows = [HEADER, ["2021-06-01", "测试东镇", "宣讲", "党史宣讲", "30"]]
        ok(county, "a.csv", csv_bytes(rows, "gbk"))
        assert activities() == [(D(2021, 6, 1), "T11", "宣讲", "党史宣讲", 30, 0, "")]

    def test_xls(self, county):
        rows = [["某县活动台账"], HEADER, [D(2021, 6, 1), "测试东镇", "宣讲", "党史宣讲", 30]]
        ok(county, "a.xls", xls({"活动": rows}))
        assert activities() == [(D(2021, 6, 1), "T11", "宣讲", "党史宣讲", 30, 0, "")]

    def test_format_told_by_content_not_name(self, county):
        data = xlsx({"活动": [HEADER, [D(2021, 6, 1), "T11", "宣讲", "x", 3]]})
        ok(county, "wps导出.et", data)
        assert len(activities()) == 1


class TestAllOrNothing:
    def test_one_bad_row_writes_nothing_anywhere(self, county):
        good = xlsx({"活动": [HEADER, [D(2021, 6, 1), "T11", "宣讲", "x", 3]]})
        bad = csv_bytes([HEADER, ["2021-06-01", "T11", "宣讲", "y", "-3"]])
        result = ledger_import(
            files=[("good.xlsx", good), ("bad.csv", bad)], campaign=county.campaign
        )
        assert not result.ok and result.errors[0].file == "bad.csv"
        assert Activity.objects.count() == 0 and ImportBatch.objects.count() == 0

    def test_dry_run_counts_but_writes_nothing(self, county):
        data = csv_bytes([HEADER, ["2021-06-01", "T11", "宣讲", "x", 3]])
        result = run(county, "a.csv", data, dry_run=True)
        assert result.ok and result.added == 1 and result.batch_ids == []
        assert Activity.objects.count() == 0

    def test_exception_in_phase_two_leaves_database_as_before(self, county, monkeypatch):
        from xunzhi.intake import bulk

        first = csv_bytes([HEADER, ["2021-06-01", "T11", "宣讲", "原有", 3]])
        ok(county, "a.csv", first)
        before = activities()
        monkeypatch.setattr(bulk, "WRITE_BATCH", 2)
        calls = {"n": 0}
        real = bulk.BulkWriter.update

        def boom(*args, **kwargs):
            calls["n"] += 1
            raise RuntimeError("injected failure")

        monkeypatch.setattr(bulk.BulkWriter, "update", boom)
        rows = [HEADER, ["2021-06-01", "T11", "宣讲", "原有", 99]]
        rows += [["2021-06-01", "T11", "宣讲", f"新{i}", 1] for i in range(7)]
        with pytest.raises(RuntimeError, match="injected"):
            run(county, "b.csv", csv_bytes(rows))
        assert calls["n"] == 1 and real is not boom
        assert activities() == before
        assert ImportBatch.objects.count() == 1


class TestReimport:
    def test_same_file_twice_then_an_updated_file(self, county):
        rows = [HEADER, *[["2021-06-01", "T11", "宣讲", f"第{i}场", 10 + i] for i in range(5)]]
        first = ok(county, "a.csv", csv_bytes(rows))
        assert (first.added, first.updated, first.unchanged) == (5, 0, 0)
        snapshot = list(Activity.objects.order_by("id").values_list("id", "version", "updated_at"))
        again = ok(county, "a.csv", csv_bytes(rows))
        assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
        assert (
            list(Activity.objects.order_by("id").values_list("id", "version", "updated_at"))
            == snapshot
        )
        rows[2][4] = 99  # 第1场 now has 99 participants
        rows.append(["2021-06-02", "T11", "宣讲", "新增场", 1])
        third = ok(county, "a-v2.csv", csv_bytes(rows))
        assert (third.added, third.updated, third.unchanged) == (1, 1, 4)
        changed = Activity.objects.get(title="第1场")
        assert (changed.participants, changed.version) == (99, 2)
        batch = ImportBatch.objects.get(pk=third.batch_ids[0])
        assert (changed.source_batch_id, changed.source_sheet, changed.source_row) == (
            batch.pk,
            "a-v2",
            3,
        )
        assert (batch.file_name, batch.added, batch.updated, batch.unchanged) == (
            "a-v2.csv",
            1,
            1,
            4,
        )
        assert Activity.objects.count() == 6

    def test_missing_optional_column_leaves_field_alone(self, county):
        ok(
            county,
            "a.csv",
            csv_bytes([[*HEADER, "备注"], ["2021-06-01", "T11", "宣讲", "x", 1, "留着"]]),
        )
        result = ok(county, "b.csv", csv_bytes([HEADER, ["2021-06-01", "T11", "宣讲", "x", 2]]))
        assert result.updated == 1
        assert Activity.objects.get().note == "留着"


class TestScope:
    def test_township_clerk_cannot_import_for_another_township(self, county):
        east = county.townships[0]
        rows = [
            HEADER,
            ["2021-06-01", "测试东镇第1村党支部", "宣讲", "本镇", 1],
            ["2021-06-01", "测试西镇第1村党支部", "宣讲", "外镇", 1],
        ]
        result = run(county, "a.csv", csv_bytes(rows), scope=east)
        (error,) = result.errors
        # named as unknown within the scope: the message does not confirm that it exists
        assert error.row == 3 and error.reason == (
            "找不到组织“测试西镇第1村党支部”（只能填写您管理范围内的组织）"
        )
        assert Activity.objects.count() == 0
        rows.pop()
        assert ok(county, "a.csv", csv_bytes(rows), scope=east).added == 1

    def test_scope_applies_to_new_units(self, county):
        rows = [
            ["组织代码", "组织名称", "上级组织", "类型"],
            ["T119", "东镇新支部", "测试东镇", "党支部"],
            ["T129", "西镇新支部", "测试西镇", "党支部"],
        ]
        result = run(county, "o.csv", csv_bytes(rows), scope=county.townships[0])
        assert [(e.row, "管理范围" in e.reason) for e in result.errors] == [(3, True)]
        assert not Org.objects.filter(code__in=["T119", "T129"]).exists()

    def test_suggestions_name_only_units_and_leaders_in_scope(self, county):
        """A clerk's errors never suggest, list or confirm units and leaders outside its
        scope (issue 9, row 12)."""
        from xunzhi.organisations.models import Leader

        east, west = county.townships
        Leader.objects.create(name="西镇张书记", org=west, title="书记")
        Leader.objects.create(name="张书记", org=west, title="书记")
        Leader.objects.create(name="张书记", org=county.branches[0], title="书记")
        header = [*HEADER, "主讲/带头领导"]
        rows = [
            header,
            ["2021-06-01", "支部", "宣讲", "模糊", 1, ""],
            ["2021-06-01", "T121", "宣讲", "外镇代码", 1, ""],
            ["2021-06-01", "测试东镇第1村党支部", "宣讲", "外镇领导", 1, "西镇张书记"],
            ["2021-06-01", "测试东镇第1村党支部", "宣讲", "同名领导", 1, "张书记"],
        ]
        result = run(county, "a.csv", csv_bytes(rows), scope=east)
        reasons = {e.row: e.reason for e in result.errors}
        assert set(reasons) == {2, 3, 4}, reasons
        text = "；".join(reasons.values())
        assert "西" not in text.replace("“西镇张书记”", ""), text
        assert "相近的有：测试东镇第1村党支部（T111）、测试东镇第2村党支部（T112）" in reasons[2]
        assert reasons[3] == "找不到组织“T121”（只能填写您管理范围内的组织）"
        assert reasons[4] == "找不到您管理范围内的领导“西镇张书记”，请先在领导名册中登记"
        # the one 张书记 in scope is taken, without a question about the other
        unscoped = run(county, "a.csv", csv_bytes([header, rows[4]]))
        assert "不唯一" not in "".join(e.reason for e in unscoped.errors)


class TestRosters:
    def test_orgs_with_parents_later_in_the_file_then_leaders_and_ledgers(self, county):
        orgs = [
            ["组织代码", "组织名称", "上级组织", "类型", "党员数", "领导班子"],
            ["T1311", "南镇一村党支部", "T131", "党支部", "18", "否"],
            ["T131", "南镇党委", "测试南镇", "党委", "", "否"],
            ["T13", "测试南镇", "测试县", "乡镇", "0", ""],
            ["T11", "测试东镇", "测试县", "乡镇", "5", "否"],  # existing: updated
        ]
        leaders = [
            ["姓名", "组织", "职务", "职级", "主要领导"],
            ["赵镇长", "测试南镇", "镇长", "乡科级", "否"],
        ]
        acts = [
            [*HEADER, "主讲/带头领导"],
            ["2021-06-01", "南镇一村党支部", "宣讲", "x", 3, "赵镇长"],
        ]
        result = ok(
            county,
            "名册.xlsx",
            xlsx({"组织": orgs, "领导": leaders, "活动": acts}),
        )
        assert [(s.kind, s.added, s.updated) for s in result.sheets] == [
            ("orgs", 3, 1),
            ("leaders", 1, 0),
            ("activities", 1, 0),
        ]
        branch = Org.objects.get(code="T1311")
        parent = Org.objects.get(path=branch.path[: -Org.steplen])
        assert (
            parent.code == "T131"
            and parent.path[: -Org.steplen] == Org.objects.get(code="T13").path
        )
        assert branch.member_count == 18
        assert Org.objects.get(code="T11").member_count == 5
        assert Org.objects.get(code="T11").version == 2
        leader = Leader.objects.get(name="赵镇长")
        assert leader.org.code == "T13" and leader.rank == "乡科级"
        assert Activity.objects.get().leader == leader
        assert all(problems == [] for problems in Org.objects.find_problems())

    def test_cycle_and_move_are_refused(self, county):
        rows = [
            ["组织代码", "组织名称", "上级组织", "类型"],
            ["X1", "甲", "X2", "党委"],
            ["X2", "乙", "X1", "党委"],
            ["T111", "测试东镇第1村党支部", "测试西镇", "党支部"],
        ]
        errors = run(county, "o.csv", csv_bytes(rows)).errors
        reasons = " ".join(e.reason for e in errors)
        assert "成环" in reasons and "隶属关系" in reasons

    def test_problems_and_resources(self, county):
        problems = [
            ["问题来源", "责任单位", "问题描述", "问题类别", "整改时限", "整改状态"],
            ["督导发现", "T11", "学习笔记不全", "学习教育", "2021年8月31日", "整改中"],
        ]
        resources = [
            ["类型", "名称", "组织", "数量", "负责领导"],
            ["红色作品", "党史故事汇", "T01", "12集", "王书记"],
        ]
        ok(county, "x.xlsx", xlsx({"问题": problems, "资源": resources}))
        assert list(Problem.objects.values_list("source", "deadline", "status")) == [
            ("督导发现", D(2021, 8, 31), "整改中")
        ]
        assert list(Resource.objects.values_list("type", "quantity", "leader__name")) == [
            ("红色作品", 12, "王书记")
        ]


class TestLockedValues:
    """Reported values under review (已提交) or approved (已审核) cannot be changed by an import."""

    VALUES = ["组织", "期间", "指标", "数值"]

    @pytest.mark.parametrize("status", ["已提交", "已审核"])
    def test_locked_period_is_refused_and_unchanged(self, county, status):
        from xunzhi.ledgers.models import ValueSubmission

        ok(county, "v.csv", csv_bytes([self.VALUES, ["T11", "2021-06", "网络学习人次", "100"]]))
        ValueSubmission.objects.update_or_create(  # the import made a draft of it
            campaign=county.campaign,
            org=county.townships[0],
            period="2021-06",
            defaults={"status": status},
        )
        result = run(
            county, "v2.csv", csv_bytes([self.VALUES, ["T11", "2021-06", "网络学习人次", "999"]])
        )
        assert not result.ok
        assert result.errors[0].row == 2 and "已锁定" in result.errors[0].message
        assert status in result.errors[0].message
        assert ReportedValue.objects.get(org__code="T11").value == Decimal("100")
        # the same file again changes nothing, so it is not refused
        same = csv_bytes([self.VALUES, ["T11", "2021-06", "网络学习人次", "100"]])
        assert ok(county, "v3.csv", same).unchanged == 1

    def test_returned_period_may_be_corrected(self, county):
        from xunzhi.ledgers.models import ValueSubmission

        ok(county, "v.csv", csv_bytes([self.VALUES, ["T11", "2021-06", "网络学习人次", "100"]]))
        ValueSubmission.objects.update_or_create(  # the import made a draft of it
            campaign=county.campaign,
            org=county.townships[0],
            period="2021-06",
            defaults={"status": "已退回"},
        )
        ok(county, "v2.csv", csv_bytes([self.VALUES, ["T11", "2021-06", "网络学习人次", "120"]]))
        assert ReportedValue.objects.get(org__code="T11").value == Decimal("120")
