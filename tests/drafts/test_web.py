"""The draft pages over HTTP: rights, the JSON paragraph save and its conflicts, the forms."""

from __future__ import annotations

import io
import json

import docx
import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from xunzhi.audit.models import AuditEntry
from xunzhi.drafts.models import Draft, DraftBlock, State
from xunzhi.drafts.tokens import TOKEN
from xunzhi.reports.services import report_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(evaluation, people):
    return report_generate(evaluation=evaluation, formats=("docx",), user=people["inspector"])


@pytest.fixture
def draft(clients, version):
    response = clients["inspector"].post(reverse("drafts:new"), {"version": version.pk})
    assert response.status_code == 302
    return Draft.objects.get()


def save(client, draft, block, text, version):
    return client.post(
        reverse("drafts:block_save", args=[draft.pk, block.pk]),
        json.dumps({"text": text, "version": version}),
        content_type="application/json",
    )


def test_report_page_offers_drafts_and_folds_cli_versions(clients, version, evaluation):
    report_generate(evaluation=evaluation, formats=("docx",))  # a command-line run
    page = clients["inspector"].get(reverse("reports")).content.decode()
    assert "生成草稿" in page and "命令行生成的预览版本" in page
    folded = page.split('id="xz-cli-versions"')[1]
    assert folded.count("<tr>") == 1
    assert "生成草稿" not in clients["viewer"].get(reverse("reports")).content.decode()


def test_editor_save_and_conflict(clients, draft):
    page = clients["inspector"].get(reverse("drafts:editor", args=[draft.pk])).content.decode()
    assert 'contenteditable="false" data-key=' in page
    block = next(b for b in draft.blocks.order_by("position") if TOKEN.search(b.text))
    ok = save(clients["inspector"], draft, block, "我县" + block.text, block.version)
    assert ok.status_code == 200 and ok.json()["version"] == block.version + 1
    assert 'class="xz-fig' in ok.json()["html"]
    stale = save(clients["office"], draft, block, block.text + "又改", block.version)
    assert stale.status_code == 409 and "已被其他用户修改" in stale.json()["error"]
    forged = save(clients["office"], draft, block, "⟦F99⟧" + block.text, block.version + 1)
    assert forged.status_code == 400 and "数据不能直接输入或改写" in forged.json()["error"]
    bad = clients["office"].post(
        reverse("drafts:block_save", args=[draft.pk, block.pk]),
        "{",
        content_type="application/json",
    )
    assert bad.status_code == 400
    block.refresh_from_db()
    assert block.text.startswith("我县") and "又改" not in block.text
    # in the audit log, with who and through which interface
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(DraftBlock), object_pk=str(block.pk)
    ).latest("timestamp")
    assert (entry.actor_name, entry.via) == ("inspector", "web")
    assert "我县" in str(entry.changes)
    history = clients["inspector"].get(reverse("drafts:history", args=[draft.pk])).content.decode()
    assert "修改段落" in history and "我县" in history


def test_rights(clients, draft):
    url = reverse("drafts:editor", args=[draft.pk])
    for name in ("clerk", "viewer"):
        assert clients[name].get(url).status_code == 404  # only 定稿 for them
    assert (
        clients["viewer"]
        .post(reverse("drafts:submit", args=[draft.pk]), {"version": 1})
        .status_code
        == 404
    )
    clients["inspector"].post(reverse("drafts:submit", args=[draft.pk]), {"version": draft.version})
    draft.refresh_from_db()
    assert draft.state == State.REVIEW
    approve = {"action": "approve", "version": draft.version}
    assert (
        clients["inspector"].post(reverse("drafts:review", args=[draft.pk]), approve).status_code
        == 403
    )
    clients["office"].post(reverse("drafts:review", args=[draft.pk]), approve)
    draft.refresh_from_db()
    assert draft.state == State.FINAL
    assert clients["viewer"].get(url).status_code == 200
    assert (
        clients["clerk"].get(url).status_code == 404
    )  # a county report, out of a township's scope


def test_override_form_download_refresh_compare(clients, draft):
    key, fig = next(iter(draft.figures.items()))
    clients["inspector"].post(
        reverse("drafts:figure_override", args=[draft.pk, key]),
        {"value": "8888多", "reason": "含未入台账的县直单位活动", "seen": fig["text"]},
    )
    data = clients["inspector"].get(reverse("drafts:download", args=[draft.pk, "docx"])).content
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "8888多" in text
    assert clients["inspector"].get(reverse("drafts:refresh", args=[draft.pk])).status_code == 200
    clients["inspector"].post(reverse("drafts:unlock", args=[draft.pk]))  # not a 定稿: refused
    assert Draft.objects.count() == 1
    page = clients["inspector"].get(reverse("drafts:compare"), {"a": draft.pk, "b": draft.pk})
    assert "共 <strong>0</strong> 处不同" in page.content.decode()
    bad = clients["inspector"].get(reverse("drafts:compare"), {"a": "x", "b": "1"})
    assert "写法有误" in bad.content.decode()


# session, user, campaigns, choice, profile, draft, overrides, blocks, comments, data stamp,
# the last ten history entries
EDITOR_QUERIES = 11
# session, user, profile, draft; then block, draft with its unit, the update, audit entry,
# history entry; the overrides for the returned HTML (transaction statements not counted)
SAVE_QUERIES = 10


def _queries(ctx) -> int:
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")
    return sum(1 for q in ctx.captured_queries if not q["sql"].upper().startswith(control))


def test_editor_and_paragraph_save_queries(clients, draft):
    """Pinned: the editor and a paragraph save do not grow with the draft's blocks or history."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = clients["inspector"]
    url = reverse("drafts:editor", args=[draft.pk])
    client.get(url)
    blocks = list(draft.blocks.order_by("position"))
    for block in blocks[1:4]:  # history and comments to list
        assert save(client, draft, block, block.text + "。", block.version).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert _queries(ctx) == EDITOR_QUERIES
    block = DraftBlock.objects.get(pk=blocks[5].pk)
    with CaptureQueriesContext(connection) as ctx:
        assert save(client, draft, block, block.text + "。", block.version).status_code == 200
    assert _queries(ctx) == SAVE_QUERIES
