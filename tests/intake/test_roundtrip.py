"""Property tests: export → import is the identity; one corrupted cell is refused by name."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xunzhi.intake.services import ledger_export, ledger_import
from xunzhi.intake.table import lookups
from xunzhi.intake.values import is_total_label, normalise_header
from xunzhi.ledgers.models import Activity, Problem, Project, ReportedValue
from xunzhi.organisations.models import Leader, Org

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CHARS = st.sampled_from(
    list("党史学习教育为民办实事测试甲乙丙丁abcXYZ019 =+-@'（）()、,，。\n\u3000")
)


def _clean(text: str) -> bool:
    """Text that a valid ledger can hold: trimmed, not a totals label, not a header word."""
    stripped = text.strip(" \t\r\n\u3000")
    return (
        stripped == text
        and bool(text)
        and not is_total_label(text)
        and not text.startswith(("（示例）", "(示例)"))
        and all(normalise_header(text) not in lookup for lookup in lookups().values())
    )


TEXT = st.text(CHARS, min_size=1, max_size=20).filter(_clean)
OPTIONAL_TEXT = st.one_of(st.just(""), TEXT)
START, END = dt.date(2021, 2, 20), dt.date(2022, 1, 31)
DATES = st.dates(min_value=START, max_value=END)


@st.composite
def activities(draw, orgs, leaders, spec):
    n = draw(st.integers(1, 12))
    rows, keys = [], set()
    for _ in range(n):
        org = draw(st.sampled_from(orgs))
        row = dict(
            org=org,
            date=draw(DATES),
            type=draw(st.sampled_from(spec.activity_types)),
            title=draw(TEXT),
            participants=draw(st.integers(0, 100_000)),
            leader=draw(st.one_of(st.none(), st.sampled_from(leaders))),
            beneficiaries=draw(st.integers(0, 10_000_000)),
            location=draw(OPTIONAL_TEXT),
            tags=draw(st.lists(st.sampled_from(spec.activity_tags), unique=True, max_size=3)),
            note=draw(OPTIONAL_TEXT),
        )
        key = (org.pk, row["date"], row["type"], row["title"])
        if key not in keys:
            keys.add(key)
            row["tags"] = "," + ",".join(row["tags"]) + "," if row["tags"] else ""
            rows.append(row)
    return rows


@st.composite
def values(draw, orgs, spec):
    rows, keys = [], set()
    for _ in range(draw(st.integers(1, 10))):
        org = draw(st.sampled_from(orgs))
        period = draw(
            st.one_of(
                st.just("全程"),
                st.builds(lambda m: f"2021-{m:02d}", st.integers(2, 12)),
                st.builds(lambda q: f"2021Q{q}", st.integers(1, 4)),
            )
        )
        # Items outside the campaign's numerator/denominator checks: any value is valid.
        paired = {c.numerator for c in spec.value_checks} | {
            c.denominator for c in spec.value_checks
        }
        item = draw(st.sampled_from([i for i in spec.value_item_codes if i not in paired]))
        cents = draw(st.integers(0, 10**11))
        if (org.pk, period, item) in keys:
            continue
        keys.add((org.pk, period, item))
        rows.append(dict(org=org, period=period, item=item, value=Decimal(cents) / 100))
    return rows


OPTIONAL_DATES = st.one_of(st.none(), DATES)


@st.composite
def projects(draw, orgs, leaders, spec):
    rows, keys = [], set()
    for _ in range(draw(st.integers(0, 6))):
        org = draw(st.sampled_from(orgs))
        name = draw(TEXT)
        if (org.pk, name) in keys:
            continue
        keys.add((org.pk, name))
        rows.append(
            dict(
                org=org,
                name=name,
                leader=draw(st.one_of(st.none(), st.sampled_from(leaders))),
                leader_rank=draw(st.sampled_from(["", "县处级", "乡科级", "其他"])),
                field=draw(st.sampled_from(spec.project_fields)),
                planned_date=draw(OPTIONAL_DATES),
                status=draw(st.sampled_from(["未启动", "推进中", "已完成"])),
                done_date=draw(OPTIONAL_DATES),
                beneficiaries=draw(st.integers(0, 10**6)),
            )
        )
    return rows


@st.composite
def problems(draw, orgs, spec):
    rows, keys = [], set()
    for _ in range(draw(st.integers(0, 6))):
        org = draw(st.sampled_from(orgs))
        source = draw(st.sampled_from(spec.problem_sources))
        description = draw(TEXT)
        if (org.pk, source, description) in keys:
            continue
        keys.add((org.pk, source, description))
        rows.append(
            dict(
                org=org,
                source=source,
                description=description,
                category=draw(st.one_of(st.just(""), st.sampled_from(spec.problem_categories))),
                measures=draw(OPTIONAL_TEXT),
                deadline=draw(OPTIONAL_DATES),
                status=draw(st.sampled_from(["未整改", "整改中", "已整改"])),
                done_date=draw(OPTIONAL_DATES),
                found_date=draw(OPTIONAL_DATES),
            )
        )
    return rows


def _period_end(period: str) -> dt.date:
    from xunzhi.intake.values import to_period

    return to_period(period, campaign_end=END)[1]


def snapshot() -> list:
    acts = sorted(
        Activity.objects.values_list(
            "org__code",
            "date",
            "type",
            "title",
            "participants",
            "leader_id",
            "beneficiaries",
            "location",
            "tags",
            "note",
        )
    )
    vals = sorted(
        ReportedValue.objects.values_list("org__code", "period", "period_end", "item", "value")
    )
    projects = sorted(
        Project.objects.values_list(
            "org__code",
            "name",
            "leader_id",
            "leader_rank",
            "field",
            "planned_date",
            "status",
            "done_date",
            "beneficiaries",
        )
    )
    problems = sorted(
        Problem.objects.values_list(
            "org__code",
            "source",
            "description",
            "category",
            "measures",
            "deadline",
            "status",
            "done_date",
            "found_date",
        ),
        key=repr,
    )
    return [acts, vals, projects, problems]


def _fill(county, acts, vals, projs=(), probs=()) -> None:
    Activity.objects.all().delete()
    ReportedValue.objects.all().delete()
    Project.objects.all().delete()
    Problem.objects.all().delete()
    Project.objects.bulk_create(Project(campaign=county.campaign, **row) for row in projs)
    Problem.objects.bulk_create(Problem(campaign=county.campaign, **row) for row in probs)
    Activity.objects.bulk_create(Activity(campaign=county.campaign, **row) for row in acts)
    ReportedValue.objects.bulk_create(
        ReportedValue(campaign=county.campaign, period_end=_period_end(row["period"]), **row)
        for row in vals
    )


@given(data=st.data(), fmt=st.sampled_from(["xlsx", "csv"]))
@SETTINGS
def test_export_then_import_is_the_identity(county, data, fmt):
    orgs = list(Org.objects.order_by("path"))
    leaders = list(Leader.objects.all())
    spec = county.campaign.spec
    acts = data.draw(activities(orgs, leaders, spec))
    vals = data.draw(values(orgs, spec))
    projs = data.draw(projects(orgs, leaders, spec))
    probs = data.draw(problems(orgs, spec))
    _fill(county, acts, vals, projs, probs)
    before = snapshot()
    c = county.campaign
    files = [
        (f"活动.{fmt}", ledger_export(kind="activities", campaign=c, fmt=fmt)),
        (f"数据.{fmt}", ledger_export(kind="values", campaign=c, fmt=fmt)),
    ]
    if projs:
        files.append((f"项目.{fmt}", ledger_export(kind="projects", campaign=c, fmt=fmt)))
    if probs:
        files.append((f"问题.{fmt}", ledger_export(kind="problems", campaign=c, fmt=fmt)))
    _fill(county, [], [])
    total = len(acts) + len(vals) + len(projs) + len(probs)
    result = ledger_import(files=files, campaign=c)
    assert result.ok, [e.message for e in result.errors]
    assert result.added == total
    assert snapshot() == before
    again = ledger_import(files=files, campaign=c)
    assert (again.added, again.updated, again.unchanged) == (0, 0, total)
    assert snapshot() == before


# What to write into a cell of each column so that it must be refused.
CORRUPTIONS = {
    "日期": ["2021.13.45", "不是日期", "32/13"],
    "组织": ["不存在的单位"],
    "类型": ["不存在的类型"],
    "标题": [""],
    "参加人数": ["abc", "-5", "1.5"],
    "主讲/带头领导": ["查无此人"],
    "受益人数": ["很多", "-1"],
}


@given(data=st.data(), fmt=st.sampled_from(["xlsx", "csv"]))
@SETTINGS
def test_one_corrupted_cell_is_refused_by_name(county, data, fmt):
    orgs = list(Org.objects.order_by("path"))
    leaders = list(Leader.objects.all())
    acts = data.draw(activities(orgs, leaders, county.campaign.spec))
    _fill(county, acts, [])
    before = snapshot()
    exported = ledger_export(kind="activities", campaign=county.campaign, fmt=fmt)
    header = list(CORRUPTIONS)
    column = data.draw(st.sampled_from(header))
    bad = data.draw(st.sampled_from(CORRUPTIONS[column]))
    row = data.draw(st.integers(2, len(acts) + 1))  # sheet row (1 is the header)
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
        col = table[0].index(column)
        table[row - 1][col] = bad
        buffer = io.StringIO()
        csv.writer(buffer).writerows(table)
        corrupted = buffer.getvalue().encode("utf-8")
    else:
        wb = openpyxl.load_workbook(io.BytesIO(exported))
        ws = wb.active
        col = [c.value for c in ws[1]].index(column)
        ws.cell(row=row, column=col + 1).value = bad or None
        buffer = io.BytesIO()
        wb.save(buffer)
        corrupted = buffer.getvalue()
    result = ledger_import(files=[(f"坏.{fmt}", corrupted)], campaign=county.campaign)
    assert not result.ok
    assert [(e.row, e.column, e.col_index) for e in result.errors] == [(row, column, col)]
    assert result.errors[0].value == bad
    assert snapshot() == before
    annotated = openpyxl.load_workbook(io.BytesIO(result.annotated_workbook(f"坏.{fmt}")))
    cell = annotated.worksheets[1].cell(row=row, column=col + 1)
    assert cell.comment is not None and cell.fill.fgColor.rgb.endswith("FFC7CE")
