"""Satisfaction surveys (满意度测评): defining one with its one-time codes, answering by code, results.

A code is 12 characters drawn by :mod:`secrets` from 31 letters and digits that cannot be
misread (no 0/O, 1/I/L): about 59 bits, so guessing one is hopeless even without the public
page's rate limit. Answering marks the code used in the same transaction, by a conditional
``UPDATE … WHERE used_at IS NULL``: of two answers racing with one code, one is refused. The
answer is stored without the code, so no answer can be traced to the sheet handed out.

A code opens its survey only within the survey's period (``period_start`` to ``period_end``,
both days included, by the local date): before it the page says when it opens, after it that
the survey is over; the code is not used up either way.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xunzhi.campaigns.models import Campaign
from xunzhi.evaluation.models import Survey, SurveyCode, SurveyResponse
from xunzhi.evaluation.spec import SurveyTemplate, campaign_evaluation_spec
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
MAX_CODES = 500


class SurveyClosed(UserError):
    """A real, unused code outside its survey's period."""


def today() -> dt.date:
    """The local date the period is checked against (a function, so that tests set the day)."""
    return timezone.localdate()


def _day(date: dt.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


def survey_period_check(survey: Survey, *, on: dt.date | None = None) -> None:
    """Refuse an answer to ``survey`` outside its period (``on``: the day, default today)."""
    on = on or today()
    if on < survey.period_start:
        raise SurveyClosed(
            f"本次测评自{_day(survey.period_start)}开始，现在还不能作答，请到时再扫码。"
        )
    if on > survey.period_end:
        raise SurveyClosed(f"本次测评已于{_day(survey.period_end)}结束，测评码不能再使用。")


def code_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def code_normal(raw: str) -> str:
    """A code as typed: case and separators ignored; anything else is not a code."""
    text = "".join(ch for ch in (raw or "")[:40].upper() if ch not in " -")
    if len(text) != CODE_LENGTH or any(ch not in ALPHABET for ch in text):
        return ""
    return text


def survey_create(
    *,
    campaign: Campaign,
    org: Org,
    template: str,
    period_start: dt.date,
    period_end: dt.date,
    count: int,
    user: Any = None,
    scope: Org | None = None,
) -> Survey:
    """Define a survey of ``org`` from a campaign template, with ``count`` one-time codes."""
    spec = campaign_evaluation_spec(campaign)
    chosen = spec.survey(template)
    if scope is not None and not org.path.startswith(scope.path):
        raise UserError("该单位不在您的管理范围内。")
    if period_end < period_start:
        raise UserError("测评结束日期早于开始日期。")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_CODES:
        raise UserError(f"测评码数量必须在 1 到 {MAX_CODES} 之间。")
    for _ in range(3):  # a clash of 59-bit codes is next to impossible; retry anyway
        try:
            with transaction.atomic():
                survey = Survey.objects.create(
                    campaign=campaign,
                    org=org,
                    template=chosen.code,
                    name=chosen.name,
                    period_start=period_start,
                    period_end=period_end,
                    created_by=user if getattr(user, "pk", None) else None,
                )
                SurveyCode.objects.bulk_create(
                    SurveyCode(survey=survey, code=code_new()) for _ in range(count)
                )
                return survey
        except IntegrityError:
            continue
    raise UserError("生成测评码失败，请重试。")  # pragma: no cover


def survey_for_code(code: str) -> tuple[Survey, SurveyTemplate] | None:
    """The survey an unused code opens, or None (unknown, malformed or used: alike)."""
    normal = code_normal(code)
    if not normal:
        return None
    row = (
        SurveyCode.objects.select_related("survey__campaign", "survey__org")
        .filter(code=normal, used_at__isnull=True)
        .first()
    )
    if row is None:
        return None
    survey = row.survey
    return survey, campaign_evaluation_spec(survey.campaign).survey(survey.template)


def survey_answer(*, code: str, answers: list[Any]) -> SurveyResponse:
    """Record one respondent's answers (an answer index per question) and use up the code;
    outside the survey's period :class:`SurveyClosed`, the code left unused."""
    opened = survey_for_code(code)
    if opened is None:
        raise UserError("该测评码无效或已经使用过。")
    survey, template = opened
    survey_period_check(survey)
    if len(answers) != len(template.questions):
        raise UserError("请回答全部问题。")
    chosen: list[int] = []
    for number, raw in enumerate(answers, start=1):
        text = str(raw if raw is not None else "").strip()
        if not text.isdigit() or int(text) >= len(template.answers):
            raise UserError(f"请回答第 {number} 题。")
        chosen.append(int(text))
    with transaction.atomic():
        used = SurveyCode.objects.filter(code=code_normal(code), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if used != 1:
            raise UserError("该测评码无效或已经使用过。")
        return SurveyResponse.objects.create(
            survey=survey,
            answers=chosen,
            satisfied=sum(1 for i in chosen if i in template.satisfied),
            answered=len(chosen),
        )


@dataclass
class SurveyResult:
    survey: Survey
    template: SurveyTemplate
    respondents: int
    codes: int
    #: per question: (question, [count per answer], satisfied share or None)
    questions: list[tuple[str, list[int], Decimal | None]]
    rate: Decimal | None  # 满意率 over every answer


def survey_results(*, survey: Survey) -> SurveyResult:
    """Counts per question and answer, and the 满意率 (satisfied answers ÷ answers)."""
    template = campaign_evaluation_spec(survey.campaign).survey(survey.template)
    counts = [[0] * len(template.answers) for _ in template.questions]
    respondents = 0
    for answers in SurveyResponse.objects.filter(survey=survey).values_list("answers", flat=True):
        respondents += 1
        for question, index in enumerate(answers[: len(counts)]):
            if isinstance(index, int) and 0 <= index < len(template.answers):
                counts[question][index] += 1
    questions = []
    ok_total = n_total = 0
    for text, row in zip(template.questions, counts, strict=True):
        n = sum(row)
        ok = sum(c for i, c in enumerate(row) if i in template.satisfied)
        ok_total, n_total = ok_total + ok, n_total + n
        questions.append((text, row, Decimal(ok) / n if n else None))
    return SurveyResult(
        survey=survey,
        template=template,
        respondents=respondents,
        codes=survey.codes.count(),
        questions=questions,
        rate=Decimal(ok_total) / n_total if n_total else None,
    )
