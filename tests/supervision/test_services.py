"""The supervision loop's services: a finding from the visit to 销号, to 退回 and back; the
refusals (stale version, wrong state, foreign scope, file type and size); the ledger guard."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType

from tests.supervision.conftest import PDF, docx_bytes, upload, xlsx_bytes
from xunzhi.audit.context import Via, audit_context
from xunzhi.audit.models import AuditEntry
from xunzhi.ledgers.models import Problem
from xunzhi.ledgers.services import ledger_delete, ledger_update
from xunzhi.lib.errors import UserError
from xunzhi.supervision import selectors
from xunzhi.supervision.models import ProblemStep, Rectification, RectificationFile, State
from xunzhi.supervision.services import (
    finding_record,
    rectification_close,
    rectification_return,
    rectification_submit,
)

DEADLINE = dt.date(2021, 7, 31)


@pytest.fixture
def finding(visit, county, people):
    with audit_context(via=Via.WEB, actor=people["inspector"]):
        return finding_record(
            visit=visit,
            description="学习记录不全，部分支部未按要求开展专题学习",
            deadline=DEADLINE,
            category="学习教育",
            scope=county.county,
            user=people["inspector"],
        )


def _stored(problem: Problem) -> list[Path]:
    return sorted((Path(django_settings.DATA_DIR) / "rectifications" / str(problem.pk)).glob("*"))


def test_a_finding_is_a_problem_of_the_visited_unit(finding, visit, county):
    assert finding.org == county.townships[0]
    assert finding.source == "督导发现"
    assert finding.visit == visit
    assert finding.found_date == visit.date
    assert finding.deadline == DEADLINE
    assert finding.status == "未整改"
    assert finding.rectification.state == State.PENDING
    (step,) = ProblemStep.objects.filter(problem=finding)
    assert step.action == "督导发现" and step.actor_name == "inspector"


def test_from_visit_to_close_and_through_a_return(finding, county, people):
    east = county.townships[0]
    clerk, inspector = people["clerk"], people["inspector"]
    report, sheet = docx_bytes(), xlsx_bytes()
    with audit_context(via=Via.WEB, actor=clerk):
        rect = rectification_submit(
            problem=finding,
            text="已补齐学习记录，建立月度检查制度",
            uploads=[upload("整改报告.docx", report), upload("台账.xlsx", sheet)],
            version=finding.rectification.version,
            scope=east,
            user=clerk,
        )
    finding.refresh_from_db()
    assert rect.state == State.SUBMITTED and finding.status == "整改中"
    files = list(RectificationFile.objects.filter(step__problem=finding))
    assert [(f.name, f.kind) for f in files] == [("整改报告.docx", "docx"), ("台账.xlsx", "xlsx")]
    on_disk = _stored(finding)
    assert len(on_disk) == 2
    assert {p.read_bytes() for p in on_disk} == {report, sheet}
    assert {f.sha256 for f in files} == {
        hashlib.sha256(report).hexdigest(),
        hashlib.sha256(sheet).hexdigest(),
    }

    with audit_context(via=Via.WEB, actor=inspector):
        rect = rectification_return(
            problem=finding,
            version=rect.version,
            reason="缺少支部学习记录照片",
            scope=county.county,
            user=inspector,
        )
    assert rect.state == State.RETURNED
    att = selectors.attention(county.campaign, east, on=dt.date(2021, 7, 1))
    assert [p.pk for p in att.returned] == [finding.pk] and att.returned_count == 1
    assert att.overdue_count == 0

    with audit_context(via=Via.WEB, actor=clerk):
        rect = rectification_submit(
            problem=finding,
            text="已补充学习记录照片",
            uploads=[upload("照片说明.pdf", PDF)],
            version=rect.version,
            scope=east,
            user=clerk,
        )
    with audit_context(via=Via.WEB, actor=inspector):
        rect = rectification_close(
            problem=finding,
            version=rect.version,
            note="经核查，整改到位",
            scope=county.county,
            user=inspector,
        )
    finding.refresh_from_db()
    assert rect.state == State.CLOSED and rect.closed_at is not None
    assert finding.status == "已整改" and finding.done_date == selectors.closed_date(finding)
    steps = list(ProblemStep.objects.filter(problem=finding).order_by("at", "pk"))
    assert [(s.action, s.state, s.actor_name) for s in steps] == [
        ("督导发现", "待整改", "inspector"),
        ("提交整改", "已提交", "clerk"),
        ("退回", "已退回", "inspector"),
        ("提交整改", "已提交", "clerk"),
        ("销号", "已销号", "inspector"),
    ]
    assert steps[2].text == "缺少支部学习记录照片"
    # every step is in the audit log with the person who took it
    step_type = ContentType.objects.get_for_model(ProblemStep)
    logged = AuditEntry.objects.filter(content_type=step_type).order_by("pk")
    assert [e.actor.username for e in logged] == [
        "inspector",
        "clerk",
        "inspector",
        "clerk",
        "inspector",
    ]
    assert all(e.unit_path == east.path for e in logged)
    assert selectors.attention(county.campaign, east, on=dt.date(2021, 9, 1)).overdue_count == 0


def test_stale_version_and_wrong_state_are_refused(finding, county, people):
    east = county.townships[0]
    v = finding.rectification.version
    rectification_submit(problem=finding, text="已整改", version=v, scope=east)
    with pytest.raises(UserError, match="已被其他用户改变"):
        rectification_submit(problem=finding, text="再次提交", version=v, scope=east)
    current = Rectification.objects.get(problem=finding).version
    with pytest.raises(UserError, match="当前为“已提交”，不能提交"):
        rectification_submit(problem=finding, text="再次提交", version=current, scope=east)
    with pytest.raises(UserError, match="退回理由"):
        rectification_return(problem=finding, version=current, reason="  ", scope=county.county)
    rectification_close(problem=finding, version=current, scope=county.county)
    with pytest.raises(UserError, match="不能销号"):
        rectification_close(problem=finding, version=current + 1, scope=county.county)


def test_a_foreign_clerk_is_refused(finding, county):
    west = county.townships[1]
    with pytest.raises(UserError, match="不在您的管理范围"):
        rectification_submit(
            problem=finding, text="代为提交", version=finding.rectification.version, scope=west
        )
    with pytest.raises(UserError, match="不在您的管理范围"):
        rectification_close(problem=finding, version=1, scope=west)
    assert Rectification.objects.get(problem=finding).state == State.PENDING


def test_a_township_cannot_record_findings_on_another(foreign_visit, county):
    with pytest.raises(UserError, match="不在您的管理范围"):
        finding_record(
            visit=foreign_visit, description="x", deadline=DEADLINE, scope=county.townships[0]
        )
    assert not Problem.objects.filter(visit=foreign_visit).exists()


def test_a_problem_outside_the_loop_can_be_submitted_from_version_zero(county):
    problem = Problem.objects.create(
        campaign=county.campaign, org=county.branches[0], source="组织查摆", description="自查问题"
    )
    rect = rectification_submit(
        problem=problem, text="已整改", version=0, scope=county.townships[0]
    )
    assert rect.state == State.SUBMITTED and rect.version == 1


def test_a_problem_rectified_in_the_ledger_stays_outside_the_loop(county):
    problem = Problem.objects.create(
        campaign=county.campaign,
        org=county.branches[0],
        source="组织查摆",
        description="已整改的自查问题",
        status="已整改",
        done_date=dt.date(2021, 6, 1),
    )
    with pytest.raises(UserError, match="无需再提交"):
        rectification_submit(problem=problem, text="再报", version=0, scope=county.townships[0])
    assert not Rectification.objects.filter(problem=problem).exists()


def test_a_file_of_another_type_is_refused_and_nothing_written(finding, county):
    before = finding.rectification.version
    disguised = upload("整改报告.pdf", b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" * 40)
    text_file = upload("说明.docx", "只是一段文字".encode())
    for bad in (disguised, text_file):
        with pytest.raises(UserError, match=r"附件“.*”的内容不是允许的文件类型"):
            rectification_submit(
                problem=finding,
                text="已整改",
                uploads=[upload("好的.pdf", PDF), bad],
                version=before,
                scope=county.townships[0],
            )
    assert Rectification.objects.get(problem=finding).version == before
    assert not RectificationFile.objects.exists() and _stored(finding) == []


def test_a_file_over_the_limit_is_refused_naming_the_limit(finding, county, settings):
    settings.RECTIFICATION_MAX_FILE_MB = 1
    big = upload("扫描件.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(UserError, match="超过了每个附件 1 MB 的上限"):
        rectification_submit(
            problem=finding, text="已整改", uploads=[big], version=1, scope=county.townships[0]
        )
    settings.RECTIFICATION_MAX_FILES = 2
    with pytest.raises(UserError, match="一次最多上传 2 个附件"):
        rectification_submit(
            problem=finding,
            text="已整改",
            uploads=[upload(f"{i}.pdf", PDF) for i in range(3)],
            version=1,
            scope=county.townships[0],
        )
    assert _stored(finding) == []


def test_a_failed_write_removes_the_stored_files(finding, county, monkeypatch):
    from xunzhi.supervision import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_step", broken)
    with pytest.raises(RuntimeError):
        rectification_submit(
            problem=finding,
            text="已整改",
            uploads=[upload("a.pdf", PDF)],
            version=1,
            scope=county.townships[0],
        )
    assert _stored(finding) == []
    assert Rectification.objects.get(problem=finding).state == State.PENDING


def test_the_ledger_cannot_edit_a_closed_problem_or_jump_a_step(finding, county):
    campaign, east = county.campaign, county.townships[0]

    def edit(**data):
        problem = Problem.objects.get(pk=finding.pk)
        return ledger_update(
            kind="problems",
            campaign=campaign,
            pk=problem.pk,
            version=problem.version,
            data=data,
            scope=east,
        )

    with pytest.raises(UserError, match="整改状态和完成日期由整改提交"):
        edit(status="已整改", done_date=dt.date(2021, 7, 1))
    edit(category="作风建设", status="未整改")  # same status: allowed
    with pytest.raises(UserError, match="不能删除"):
        ledger_delete(
            kind="problems",
            campaign=campaign,
            pk=finding.pk,
            version=Problem.objects.get(pk=finding.pk).version,
            scope=east,
        )
    rect = rectification_submit(problem=finding, text="已整改", version=1, scope=east)
    rectification_close(problem=finding, version=rect.version, scope=county.county)
    with pytest.raises(UserError, match="销号，不能再在问题清单中修改或删除"):
        edit(measures="改写措施")
    assert Problem.objects.get(pk=finding.pk).category == "作风建设"


def test_an_import_cannot_change_a_closed_problem_or_jump_a_step(finding, county):
    """Re-importing the 问题清单 is held to the ledger's rule: an exported sheet edited and
    imported again is refused whole, naming the row, when it changes a 销号 problem or the
    整改状态 of a problem in the loop; other changes of a problem in the loop go through."""
    import io

    from openpyxl import load_workbook

    from xunzhi.intake.services import ledger_export, ledger_import

    campaign, east = county.campaign, county.townships[0]

    def reimport(**changes: str):
        wb = load_workbook(io.BytesIO(ledger_export(kind="problems", campaign=campaign)))
        ws = wb.worksheets[0]
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            if row[header.index("问题描述")].value == finding.description:
                for name, value in changes.items():
                    row[header.index(name)].value = value
                target = row[0].row
        out = io.BytesIO()
        wb.save(out)
        result = ledger_import(files=[("问题.xlsx", out.getvalue())], campaign=campaign)
        return result, target

    result, row_no = reimport(整改状态="已整改")
    assert not result.ok
    assert [(e.row, e.reason) for e in result.errors if "督导整改流程" in e.reason] == [
        (row_no, result.errors[0].reason)
    ]
    assert Problem.objects.get(pk=finding.pk).status == "未整改"
    assert reimport(整改措施="逐支部补课")[0].ok  # not a loop field: allowed
    rect = rectification_submit(problem=finding, text="已整改", version=1, scope=east)
    rectification_close(problem=finding, version=rect.version, scope=county.county)
    before = Problem.objects.get(pk=finding.pk)
    result, _ = reimport(整改措施="再次改写")
    assert not result.ok and "已销号，不能通过导入修改" in result.errors[0].reason
    after = Problem.objects.get(pk=finding.pk)
    assert (after.measures, after.version) == (before.measures, before.version)
