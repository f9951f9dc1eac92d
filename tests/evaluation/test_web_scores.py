"""The ranking page, the 评估打分表 workbook and a manual score entered in the browser."""

from __future__ import annotations

import io
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from openpyxl import load_workbook

from xunzhi.audit.models import AuditEntry
from xunzhi.campaigns.models import Campaign
from xunzhi.evaluation.models import ManualScore
from xunzhi.evaluation.scoring import unit_scores
from xunzhi.web.selectors import campaign_today

SCORES = reverse("evaluation:scores")


def _manual_url(org, code="A2"):
    return reverse("evaluation:manual", args=[org.code, code])


def test_the_ranking_lists_townships_apart_from_departments(clients, county, records):
    page = clients["viewer"].get(SCORES)
    assert page.status_code == 200
    html = page.content.decode()
    for org in (*county.townships, *county.departments):
        assert f'data-unit="{org.code}"' in html
    assert "乡镇第1名" in html and "部门第1名" in html and "部门第2名" not in html
    # a measured score links to the ledger records behind it
    assert f"/ledgers/activities/?unit={county.townships[0].code}&amp;type=" in html
    sorted_page = clients["viewer"].get(SCORES, {"order": "-total", "level": "township"})
    assert sorted_page.status_code == 200
    assert f'data-unit="{county.departments[0].code}"' not in sorted_page.content.decode()
    assert clients["viewer"].get(SCORES, {"level": "nonsense"}).status_code == 404
    assert clients["viewer"].get(SCORES, {"until": "2021-13-45"}).status_code == 404


def test_an_inspector_scores_a_manual_indicator_with_a_note(clients, county, people):
    town = county.townships[0]
    url = _manual_url(town)
    assert clients["inspector"].get(url).status_code == 200
    refused = clients["inspector"].post(url, {"score": "8.5", "note": "", "version": "0"})
    assert refused.status_code == 400 and "评分说明" in refused.content.decode()
    too_many = clients["inspector"].post(url, {"score": "11", "note": "好", "version": "0"})
    assert too_many.status_code == 400 and not ManualScore.objects.exists()
    saved = clients["inspector"].post(
        url, {"score": "8.5", "note": "台账齐全，个别记录不规范", "version": "0"}
    )
    assert saved.status_code == 302
    score = ManualScore.objects.get()
    assert (score.org, score.indicator, score.score, score.version) == (
        town,
        "A2",
        Decimal("8.5"),
        1,
    )
    assert score.scored_by == people["inspector"] and score.scored_at is not None
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ManualScore)
    ).get()
    assert entry.actor == people["inspector"]
    # a second form still showing version 0 is refused: nothing changes
    stale = clients["office"].post(url, {"score": "3", "note": "另一人", "version": "0"})
    assert stale.status_code == 400 and "已被其他用户修改" in stale.content.decode()
    score.refresh_from_db()
    assert score.score == Decimal("8.5")
    page = clients["viewer"].get(SCORES).content.decode()
    assert "8.50" in page and "台账齐全" in page


def test_only_the_guidance_group_and_the_office_score(clients, county):
    url = _manual_url(county.townships[0])
    for role in ("clerk", "viewer"):
        response = clients[role].post(url, {"score": "5", "note": "x", "version": "0"})
        assert response.status_code in (403, 404), role
    assert not ManualScore.objects.exists()
    assert clients["inspector"].get(_manual_url(county.townships[0], "B1")).status_code == 404
    # a clerk of the east township cannot even see the west one's score page
    assert clients["clerk"].get(_manual_url(county.townships[1])).status_code == 404


def test_the_workbook_holds_the_scores_and_neutralises_formula_text(clients, county, records):
    dept = county.departments[0]
    dept.name = '=HYPERLINK("http://x")'
    dept.save()
    response = clients["viewer"].get(reverse("evaluation:scores_export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["评估打分表", "测量值", "指标说明"]
    rows = list(book["评估打分表"].iter_rows(values_only=True))
    header = rows[1]
    assert header[:3] == ("排名", "单位", "类型") and header[-3:] == ("总分", "等次", "待评项")
    names = [r[1] for r in rows[2:]]
    assert '\'=HYPERLINK("http://x")' in names
    assert set(names) >= {t.name for t in county.townships}
    for row in rows[2:]:
        indicator_scores = row[3 : 3 + 8]
        assert abs(sum(indicator_scores) - row[-3]) < 1e-6


def test_the_archive_shows_the_units_score_and_its_manual_scores(clients, county, records):
    """The evaluation's part of the 督导档案: the unit's score as the ranking has it, and each
    manual score with who gave it and why."""
    town = county.townships[0]
    saved = clients["inspector"].post(
        _manual_url(town), {"score": "8.5", "note": "台账齐全，个别记录不规范", "version": "0"}
    )
    assert saved.status_code == 302
    campaign = Campaign.objects.get()
    table = unit_scores(campaign=campaign, unit=county.county, until=campaign_today(campaign))
    row = next(r for r in table.rows if r.org_id == town.pk)
    archive = reverse("supervision:archive") + f"?unit={town.code}"
    page = clients["inspector"].get(archive).content.decode()
    total = f"{row.total.normalize():f}"
    assert f"评估得分{total}分，等次“{row.grade}”，{row.kind}第{row.rank}名" in page
    assert "评分8.5分" in page and "台账齐全，个别记录不规范" in page
    # the clerk of the township sees its own score in its archive, not its neighbours'
    own = clients["clerk"].get(reverse("supervision:archive")).content.decode()
    assert f"评估得分{total}分" in own
    other = county.townships[1]
    assert (
        clients["clerk"].get(reverse("supervision:archive") + f"?unit={other.code}").status_code
        == 404
    )
