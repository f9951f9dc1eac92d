"""A survey defined by the office, answered through the public page, counted in the scores."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from xunzhi.audit.models import AuditEntry
from xunzhi.evaluation.models import Survey, SurveyCode, SurveyResponse
from xunzhi.evaluation.selectors import unit_scores
from xunzhi.evaluation.surveys import (
    ALPHABET,
    CODE_LENGTH,
    SurveyClosed,
    code_new,
    survey_answer,
    survey_create,
)

SURVEYS = reverse("evaluation:surveys")


@pytest.fixture(autouse=True)
def on_day(monkeypatch):
    """The day the public page goes by: within October 2021 (the surveys' period) unless a test
    moves it."""

    def move(day: dt.date) -> None:
        monkeypatch.setattr("xunzhi.evaluation.surveys.today", lambda: day)

    move(dt.date(2021, 10, 15))
    return move


def _define(client, org, count=3):
    return client.post(
        SURVEYS,
        {
            "unit": org.pk,
            "template": "群众满意度",
            "start": "2021-10-01",
            "end": "2021-10-31",
            "count": count,
        },
    )


def _answer_url(code):
    return reverse("evaluation:answer", args=[code])


def test_a_survey_from_definition_to_score(clients, county):
    town = county.townships[0]
    response = _define(clients["office"], town)
    assert response.status_code == 302
    survey = Survey.objects.get()
    logged = AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(Survey))
    assert logged.actor.username == "office"
    codes = list(survey.codes.values_list("code", flat=True))
    assert len(codes) == 3 and len(set(codes)) == 3
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    # the printable sheet carries every unused code and a QR image (generated here, a data URI)
    sheet = (
        clients["office"].get(reverse("evaluation:survey_sheet", args=[survey.pk])).content.decode()
    )
    assert all(c in sheet for c in codes) and sheet.count('src="data:image/png;base64,') == 3
    assert "测评时间：2021年10月1日至2021年10月31日，此外不能作答" in sheet
    assert (
        clients["viewer"].get(reverse("evaluation:survey_sheet", args=[survey.pk])).status_code
        == 403
    )
    # a respondent: no login, the questions, nothing of the data
    public = Client()
    page = public.get(_answer_url(codes[0]))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "您对本单位" in html and "满意率" not in html and codes[1] not in html
    assert (
        public.post(_answer_url(codes[0]), {"q0": "0", "q1": "1"}).status_code == 400
    )  # one missing
    done = public.post(_answer_url(codes[0]), {"q0": "0", "q1": "1", "q2": "2"})
    assert done.status_code == 200 and "提交成功" in done.content.decode()
    # the code is used up: a second answer with it is refused, and nothing more is stored
    again = public.post(_answer_url(codes[0]), {"q0": "0", "q1": "0", "q2": "0"})
    assert again.status_code == 404 and "无效或已经使用过" in again.content.decode()
    assert public.get(_answer_url(codes[0])).status_code == 404
    public.post(_answer_url(codes[1].lower()), {"q0": "2", "q1": "2", "q2": "2"})  # case ignored
    assert SurveyResponse.objects.count() == 2
    assert SurveyCode.objects.filter(used_at__isnull=False).count() == 2
    # results: counts and 满意率 (2 of 6 answers satisfied: 满意 and 基本满意 of the first)
    result = clients["viewer"].get(reverse("evaluation:survey", args=[survey.pk])).content.decode()
    assert re.search(r'id="xz-respondents">2<', result) and 'id="xz-rate">33%' in result
    # the survey indicator C2 of the township: 15 points × 2/6
    row = next(
        r
        for r in unit_scores(campaign=county.campaign, unit=county.county).rows
        if r.code == town.code
    )
    cell = row.cells["C2"]
    assert (
        cell.value == Decimal(2) / Decimal(6) and cell.score == Decimal("5.00") and not cell.pending
    )
    assert cell.rows == 2
    other = next(
        r
        for r in unit_scores(campaign=county.campaign, unit=county.county).rows
        if r.code != town.code
    )
    assert other.cells["C2"].pending


def test_guessed_codes_are_refused_and_rate_limited(clients, county, settings):
    settings.XUNZHI_SURVEY_FAILURES = 5
    survey_create(
        campaign=county.campaign,
        org=county.townships[0],
        template="群众满意度",
        period_start=dt.date(2021, 10, 1),
        period_end=dt.date(2021, 10, 31),
        count=2,
    )
    real = SurveyCode.objects.first().code
    public = Client()
    guesses = [code_new() for _ in range(4)] + ["ABC", "'; DROP TABLE x;--"]
    statuses = [public.get(_answer_url(g)).status_code for g in guesses[:5]]
    assert statuses == [404] * 5
    # from now on this address is refused, even with a real code
    assert public.get(_answer_url(real)).status_code == 429
    assert public.post(_answer_url(real), {"q0": "0", "q1": "0", "q2": "0"}).status_code == 429
    assert not SurveyResponse.objects.exists()


def test_only_the_guidance_group_and_the_office_define_surveys(clients, county):
    for role in ("clerk", "viewer"):
        assert _define(clients[role], county.townships[0]).status_code in (403, 404), role
    assert not Survey.objects.exists()
    refused = _define(clients["inspector"], county.townships[0], count=0)
    assert refused.status_code == 400 and "数量" in refused.content.decode()
    assert _define(clients["inspector"], county.townships[0]).status_code == 302


@pytest.mark.parametrize("bad", ["ZZZZZZZZZZZZ", "x" * 200, "%00"])
def test_malformed_codes_are_a_plain_404(bad, county):
    assert Client().get(f"/s/{bad}/").status_code == 404


def test_codes_open_only_within_the_survey_period(county, on_day, settings):
    settings.XUNZHI_SURVEY_FAILURES = 2
    survey = survey_create(
        campaign=county.campaign,
        org=county.townships[0],
        template="群众满意度",
        period_start=dt.date(2021, 10, 1),
        period_end=dt.date(2021, 10, 31),
        count=1,
    )
    code = survey.codes.get().code
    public = Client()
    answers = {"q0": "0", "q1": "0", "q2": "0"}
    for day, message in (
        (dt.date(2021, 9, 30), "本次测评自2021年10月1日开始，现在还不能作答"),
        (dt.date(2021, 11, 1), "本次测评已于2021年10月31日结束，测评码不能再使用"),
        (dt.date(2026, 12, 3), "本次测评已于2021年10月31日结束"),
    ):
        on_day(day)
        for response in (public.get(_answer_url(code)), public.post(_answer_url(code), answers)):
            # refused, in Chinese, and not as a guessed code: no 429 after more than 2 of them
            assert response.status_code == 403, day
            html = response.content.decode()
            assert message in html and "提交" not in html
            assert response["Cache-Control"] == "no-store"
        with pytest.raises(SurveyClosed, match=message):
            survey_answer(code=code, answers=["0", "0", "0"])
    # nothing stored and the code is still unused: it works on the last day of the period
    assert not SurveyResponse.objects.exists()
    assert not SurveyCode.objects.filter(used_at__isnull=False).exists()
    on_day(dt.date(2021, 10, 31))
    done = public.post(_answer_url(code), answers)
    assert done.status_code == 200 and "提交成功" in done.content.decode()
    assert SurveyResponse.objects.count() == 1
    # a used code after the period is simply used
    on_day(dt.date(2021, 11, 1))
    assert public.get(_answer_url(code)).status_code == 404


def _another_process(settings, n: int) -> Client:
    """A client served as if by another server process: a local-memory cache of its own (a new
    CACHES setting makes Django drop every cache it holds), nothing kept from earlier requests."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"process-{n}",
        }
    }
    return Client()


def test_the_rate_limit_is_shared_by_every_server_process(county, settings, monkeypatch):
    from xunzhi.evaluation import views_survey
    from xunzhi.evaluation.models import SurveyRate

    settings.XUNZHI_SURVEY_FAILURES = 3
    survey_create(
        campaign=county.campaign,
        org=county.townships[0],
        template="群众满意度",
        period_start=dt.date(2021, 10, 1),
        period_end=dt.date(2021, 10, 31),
        count=2,
    )
    first, second = SurveyCode.objects.values_list("code", flat=True)
    # refused codes: three guesses, each to another process, then the real code to a fourth
    for n in range(3):
        assert _another_process(settings, n).get(_answer_url(code_new())).status_code == 404
    assert _another_process(settings, 3).get(_answer_url(first)).status_code == 429
    # requests: the count goes on across processes too (4 so far; the limit lowered to 5)
    SurveyRate.objects.update(failures=0)
    monkeypatch.setattr(views_survey, "RATE_REQUESTS", 5)
    assert _another_process(settings, 4).get(_answer_url(first)).status_code == 200
    assert _another_process(settings, 5).get(_answer_url(second)).status_code == 429
    assert not SurveyResponse.objects.exists()
    # one row for the address, which it does not name
    (row,) = SurveyRate.objects.all()
    assert (row.hits, row.failures) == (6, 0) and "127.0.0.1" not in row.client
