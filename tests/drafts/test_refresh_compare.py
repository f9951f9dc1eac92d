"""更新数据 keeps edits and settles conflicts; comparisons read back from Word; the CLI."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
import pytest
from django.core.management import call_command

from xunzhi.audit.models import AuditEntry
from xunzhi.drafts.compare import draft_side, version_side, versions_compare
from xunzhi.drafts.models import DraftBlock
from xunzhi.drafts.output import printed_texts
from xunzhi.drafts.refresh import draft_refresh, refresh_plan
from xunzhi.drafts.services import (
    block_delete,
    block_update,
    draft_create,
    draft_review,
    draft_submit,
    draft_unlock,
)
from xunzhi.drafts.tokens import TOKEN, plain
from xunzhi.ledgers.models import Activity
from xunzhi.reports.services import report_generate

pytestmark = pytest.mark.django_db


def add_activities(county, n: int) -> None:
    for i in range(n):
        Activity.objects.create(
            campaign=county.campaign,
            org=county.branches[i % len(county.branches)],
            date=dt.date(2021, 5, 1 + i % 28),
            type="专题学习研讨",
            title=f"新增研讨{i}",
            participants=10,
        )


def test_refresh_recomputes_figures_and_keeps_edits(evaluation, county, people):
    draft = draft_create(evaluation=evaluation)
    edited = {}
    for b in draft.blocks.filter(kind="body").order_by("position"):
        if TOKEN.search(b.text):
            edited[b.pk] = block_update(
                block_id=b.pk, text="（修改）" + b.text, version=b.version
            ).text
    gone = draft.blocks.filter(kind="body").order_by("position").last()
    block_delete(block_id=gone.pk, version=gone.version)
    add_activities(county, 30)
    plan = refresh_plan(draft)
    assert plan.figures, "adding activities changes some figure"
    decisions = {c.block.pk: "mine" for c in plan.conflicts}
    applied = draft_refresh(draft_id=draft.pk, user=people["office"], decisions=decisions)
    assert applied.applied
    draft.refresh_from_db()
    now = printed_texts(draft)
    for key, _, _old, new in plan.figures:
        assert now[key] == new
    for pk, text in edited.items():
        block = DraftBlock.objects.filter(pk=pk).first()
        if block is not None and pk not in decisions:
            assert block.text == text  # the edit, word for word; its figures print the new values
    # independent: a fresh draft of the same data prints the same figures
    fresh = draft_create(evaluation=evaluation)
    assert {k: v["text"] for k, v in fresh.figures.items()} == {
        k: draft.figures[k]["text"] for k in fresh.figures
    }
    assert not refresh_plan(draft).figures
    # the paragraph the user deleted stays deleted
    assert gone.generated not in [b.generated for b in draft.blocks.all()]


def test_conflict_is_settled_side_by_side(evaluation):
    draft = draft_create(evaluation=evaluation)
    block = draft.blocks.filter(kind="body").order_by("position")[1]
    real = block.generated
    DraftBlock.objects.filter(pk=block.pk).update(
        generated="旧模板的文字。", text="用户改过的文字。"
    )
    plan = draft_refresh(draft_id=draft.pk)
    assert not plan.applied and [c.block.pk for c in plan.conflicts] == [block.pk]
    assert DraftBlock.objects.get(pk=block.pk).text == "用户改过的文字。"  # nothing written
    assert draft_refresh(draft_id=draft.pk, decisions={block.pk: "mine"}).applied
    kept = DraftBlock.objects.get(pk=block.pk)
    assert kept.text == "用户改过的文字。" and kept.generated == real
    logged = AuditEntry.objects.filter(object_pk=str(block.pk), action=AuditEntry.Action.UPDATE)
    assert any("旧模板的文字" in str(e.changes) for e in logged)  # the refresh is in the audit log
    DraftBlock.objects.filter(pk=block.pk).update(generated="旧模板的文字。")
    draft_refresh(draft_id=draft.pk, decisions={block.pk: "theirs"})
    assert DraftBlock.objects.get(pk=block.pk).text == real


def test_a_final_never_changes(evaluation, county, people):
    draft = draft_create(evaluation=evaluation)
    draft = draft_submit(draft_id=draft.pk, version=draft.version, user=people["inspector"])
    draft = draft_review(
        draft_id=draft.pk, action="approve", version=draft.version, user=people["office"]
    )
    before = draft_side(draft).blocks
    add_activities(county, 30)
    with pytest.raises(Exception, match="定稿"):
        draft_refresh(draft_id=draft.pk)
    assert draft_side(draft).blocks == before


def test_compare_marks_changes_and_reads_back(evaluation, people, tmp_path):
    version = report_generate(evaluation=evaluation, formats=("docx",), user=people["inspector"])
    draft = draft_create(version=version)
    assert versions_compare(a=version_side(version), b=draft_side(draft)).changes == 0
    draft = draft_submit(draft_id=draft.pk, version=draft.version, user=people["inspector"])
    draft = draft_review(
        draft_id=draft.pk, action="approve", version=draft.version, user=people["office"]
    )
    new = draft_unlock(draft_id=draft.pk)
    block = new.blocks.filter(kind="body").order_by("position")[1]
    block_update(
        block_id=block.pk,
        text=block.text.replace("测试县", "本县", 1) + "新增一句。",
        version=block.version,
    )
    cmp = versions_compare(a=draft_side(draft), b=draft_side(new))
    assert cmp.changes == 1
    (row,) = [r for r in cmp.rows if r.op != "equal"]
    assert ("ins", "新增一句。") in row.b and any(m == "del" and "测试" in t for m, t in row.a)
    out = tmp_path / "diff.docx"
    call_command("report-diff", str(draft.pk), str(new.pk), "-o", str(out))
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert "<w:ins " in xml and "新增一句。" in xml and "<w:delText" in xml
    # the CLI writes the 定稿 with its approved text
    target = tmp_path / "final.docx"
    call_command(
        "report", from_draft=draft.pk, output=str(target), check_sheet=str(tmp_path / "c.xlsx")
    )
    text = [p.text for p in docx.Document(str(target)).paragraphs if p.text.strip()]
    printed = printed_texts(draft)
    assert text == [
        plain(b.text, printed).strip() for b in draft.blocks.order_by("position") if b.text
    ]
    assert (tmp_path / "c.xlsx").stat().st_size > 0
    assert io  # noqa: B018
