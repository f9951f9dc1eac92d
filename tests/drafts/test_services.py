"""Draft services against independent readings: the text the renderers print, the docx read
back, the history, the conflicts."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest

from xunzhi.drafts.models import Action, Draft, DraftEvent, State
from xunzhi.drafts.output import draft_document, draft_file
from xunzhi.drafts.services import (
    ConflictError,
    block_delete,
    block_insert,
    block_move,
    block_update,
    draft_create,
    draft_review,
    draft_submit,
    draft_unlock,
    figure_override,
)
from xunzhi.drafts.tokens import TOKEN, chinese_number, renumber
from xunzhi.lib.errors import UserError
from xunzhi.reports.render.docx import render_docx
from xunzhi.reports.services import report_compose

pytestmark = pytest.mark.django_db


def docx_text(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.text.strip()]


def figure_block(draft: Draft):
    return next(b for b in draft.blocks.order_by("position") if TOKEN.search(b.text))


def test_a_fresh_draft_prints_what_the_generator_prints(evaluation):
    draft = draft_create(evaluation=evaluation)
    composed = report_compose(evaluation=evaluation)
    assert docx_text(draft_file(draft, "docx")) == docx_text(render_docx(composed.document))
    assert draft.figures and all(
        k in draft.figures for b in draft.blocks.all() for k in TOKEN.findall(b.text)
    )
    assert DraftEvent.objects.filter(draft=draft, action=Action.CREATE).count() == 1


def test_words_are_free_figures_are_locked(evaluation, people):
    draft = draft_create(evaluation=evaluation)
    block = figure_block(draft)
    key = TOKEN.findall(block.text)[0]
    edited = "经认真研判，" + block.text
    saved = block_update(
        block_id=block.pk, text=edited, version=block.version, user=people["office"]
    )
    assert saved.text == edited and saved.version == block.version + 1
    # typing a figure, or altering one, is refused and writes nothing
    for bad in (edited + f"⟦{key}⟧", edited.replace(f"⟦{key}⟧", f"⟦{key}9⟧"), edited + "⟦"):
        with pytest.raises(UserError):
            block_update(block_id=block.pk, text=bad, version=saved.version, user=people["office"])
    # removing the sentence with the figure is allowed and recorded
    gone = block_update(block_id=block.pk, text=TOKEN.sub("", edited), version=saved.version)
    assert not TOKEN.search(gone.text)
    assert DraftEvent.objects.filter(draft=draft, action=Action.FIGURE_REMOVED, note=key).exists()
    sheet = openpyxl.load_workbook(io.BytesIO(draft_file(draft, "xlsx")))["数据项"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    if all(key not in TOKEN.findall(b.text) for b in draft.blocks.all()):
        assert rows[key][7].startswith("否")


def test_stale_version_is_refused_and_nothing_is_lost(evaluation, people):
    draft = draft_create(evaluation=evaluation)
    block = draft.blocks.get(kind="body", position=2)
    block_update(
        block_id=block.pk, text=block.text + "甲", version=block.version, user=people["office"]
    )
    with pytest.raises(ConflictError, match="已被其他用户修改"):
        block_update(
            block_id=block.pk,
            text=block.text + "乙",
            version=block.version,
            user=people["inspector"],
        )
    block.refresh_from_db()
    assert block.text.endswith("甲") and "乙" not in block.text


def test_override_prints_and_is_listed_beside_the_computed_value(evaluation, people):
    draft = draft_create(evaluation=evaluation)
    key, fig = next(iter(draft.figures.items()))
    figure_override(
        draft_id=draft.pk,
        key=key,
        value="1300多",
        reason="含未入台账的县直单位活动",
        seen=fig["text"],
        user=people["office"],
    )
    with pytest.raises(ConflictError):
        figure_override(draft_id=draft.pk, key=key, value="9", reason="x", seen=fig["text"])
    with pytest.raises(UserError, match="修订理由"):
        figure_override(draft_id=draft.pk, key=key, value="9", reason=" ", seen="1300多")
    text = "\n".join(docx_text(draft_file(draft, "docx")))
    assert "1300多" in text
    sheet = openpyxl.load_workbook(io.BytesIO(draft_file(draft, "xlsx")))["数据项"]
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == key)
    assert (row[4], row[6], row[8], row[9], row[10]) == (
        fig["text"],
        "1300多",
        "1300多",
        "含未入台账的县直单位活动",
        "office",
    )


def test_insert_delete_move_renumber(evaluation, people):
    draft = draft_create(evaluation=evaluation)
    blocks = list(draft.blocks.order_by("position"))
    first = next(b for b in blocks if b.kind == "body" and b.text.startswith("一是"))
    new = block_insert(
        after_id=first.pk, text="二是打造红星村样板。全县示范带动。", user=people["office"]
    )
    texts = [b.text for b in draft.blocks.order_by("position")]
    i = texts.index(new.text)
    assert texts[i].startswith("二是打造红星村") and texts[i + 1].startswith("三是")
    block_move(block_id=new.pk, direction="up", user=people["office"])
    texts = [b.text for b in draft.blocks.order_by("position")]
    assert texts[i - 1].startswith("一是打造红星村") and texts[i].startswith("二是")
    with pytest.raises(UserError):
        block_move(block_id=blocks[0].pk, direction="down")
    new.refresh_from_db()
    block_delete(block_id=new.pk, version=new.version, user=people["office"])
    assert [b.text for b in draft.blocks.order_by("position")] == [b.text for b in blocks]
    heading = next(b for b in blocks if b.kind == "heading1")
    block_delete(block_id=heading.pk, version=heading.version)
    assert next(
        b.text for b in draft.blocks.order_by("position") if b.kind == "heading1"
    ).startswith("一、")
    assert chinese_number(10) == "十" and chinese_number(23) == "二十三"
    assert renumber([("heading1", "三、甲"), ("body", "五是乙")]) == ["一、甲", "一是乙"]


def test_review_and_sign_off(evaluation, people):
    office, inspector = people["office"], people["inspector"]
    draft = draft_create(evaluation=evaluation, user=inspector)
    draft = draft_submit(draft_id=draft.pk, version=draft.version, user=inspector)
    block = draft.blocks.get(position=2)
    with pytest.raises(ConflictError):
        block_update(block_id=block.pk, text="改", version=block.version)
    draft_review(
        draft_id=draft.pk,
        action="comment",
        text="此段请补充本地做法",
        block_id=block.pk,
        user=office,
    )
    with pytest.raises(UserError, match="退回理由"):
        draft_review(
            draft_id=draft.pk, action="return", text="", version=draft.version, user=office
        )
    draft = draft_review(
        draft_id=draft.pk, action="return", text="请修改", version=draft.version, user=office
    )
    assert draft.state == State.RETURNED
    block_update(
        block_id=block.pk, text=block.text + "补充。", version=block.version, user=inspector
    )
    draft = draft_submit(draft_id=draft.pk, version=draft.version, user=inspector)
    with pytest.raises(UserError, match="不能审定自己"):
        draft_review(draft_id=draft.pk, action="approve", version=draft.version, user=inspector)
    draft = draft_review(draft_id=draft.pk, action="approve", version=draft.version, user=office)
    assert draft.state == State.FINAL and draft.approved_by == office and draft.approved_at
    final_text = docx_text(draft_file(draft, "docx"))
    assert any(t.endswith("补充。") for t in final_text)
    new = draft_unlock(draft_id=draft.pk, user=inspector)
    assert new.parent == draft and new.state == State.DRAFT
    b = new.blocks.get(position=2)
    block_update(block_id=b.pk, text=b.text + "再改。", version=b.version)
    assert docx_text(draft_file(Draft.objects.get(pk=draft.pk), "docx")) == final_text
    actions = list(DraftEvent.objects.filter(draft=draft).values_list("action", flat=True))
    assert actions == [
        "create",
        "submit",
        "comment",
        "return",
        "edit",
        "submit",
        "approve",
        "unlock",
    ]
    assert docx_text(render_docx(draft_document(new)))[-1] == final_text[-1]


def test_report_from_a_draft_refuses_the_annex(evaluation, tmp_path):
    from django.core.management import CommandError, call_command

    draft = draft_create(evaluation=evaluation)
    target = tmp_path / "draft.docx"
    with pytest.raises(CommandError, match="--annex 不能与 --from-draft 同用"):
        call_command("report", "--from-draft", str(draft.pk), "--annex", "-o", str(target))
    assert not target.exists()
    # without it the draft is written as before
    call_command("report", "--from-draft", str(draft.pk), "-o", str(target), stdout=io.StringIO())
    assert docx_text(target.read_bytes()) == docx_text(draft_file(draft, "docx"))
