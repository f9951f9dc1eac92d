"""Survey pages: the office's list and definition form, results, the printable code sheet, and
the public answer page ``/s/<code>/`` (no login, rate-limited, shows nothing of the data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from xunzhi.evaluation.models import Survey
from xunzhi.evaluation.ratelimit import rate_count
from xunzhi.evaluation.spec import campaign_evaluation_spec
from xunzhi.evaluation.surveys import (
    SurveyClosed,
    survey_answer,
    survey_create,
    survey_for_code,
    survey_period_check,
    survey_results,
)
from xunzhi.evaluation.webglue import (
    can_evaluate,
    get_scoped_or_404,
    id_param,
    page_context,
    request_campaign,
    require_evaluate,
    text_param,
    user_scope,
)
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org

#: Per client address and hour: requests to the public page, and refused codes.
RATE_REQUESTS = 120
RATE_FAILURES = 20


def _date(raw: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "").strip()[:10])
    except ValueError:
        raise UserError(f"{label}无效，请选择日期。") from None


def _count(raw: str) -> int:
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        raise UserError("测评码数量必须是整数。")
    return int(text)


@login_required
def surveys(request: HttpRequest) -> HttpResponse:
    """The surveys in the user's scope; inspectors and the office define new ones."""
    campaign = request_campaign(request)
    scope = user_scope(request.user)
    spec = campaign_evaluation_spec(campaign)
    error = ""
    if request.method == "POST":
        require_evaluate(request.user, "组织满意度测评")
        org = get_scoped_or_404(
            Org.objects.all(), request.user, pk=id_param(request.POST, "unit", "组织")
        )
        try:
            survey = survey_create(
                campaign=campaign,
                org=org,
                template=text_param(request.POST, "template"),
                period_start=_date(request.POST.get("start", ""), "开始日期"),
                period_end=_date(request.POST.get("end", ""), "结束日期"),
                count=_count(request.POST.get("count", "")),
                user=request.user,
                scope=scope,
            )
        except UserError as exc:
            error = str(exc)
        else:
            messages.success(request, f"已生成{org.name}的测评码，可打印发放。")
            return redirect("evaluation:survey", pk=survey.pk)
    qs = Survey.objects.in_subtree(scope).filter(campaign=campaign)
    unit = text_param(request.GET, "unit")
    if unit:
        qs = qs.filter(org__code=unit)
    units = Org.objects.in_subtree(scope).filter(depth__lte=scope.depth + 1)
    ctx = page_context(
        request,
        nav="evaluation",
        surveys=qs.select_related("org").order_by("-created_at")[:100],
        templates=spec.surveys,
        units=units.order_by("path"),
        can_define=can_evaluate(request.user),
        error=error,
        values=request.POST if request.method == "POST" else {},
    )
    return render(request, "evaluation/surveys.html", ctx, status=400 if error else 200)


def _survey(request: HttpRequest, pk: int) -> Survey:
    found: Survey = get_scoped_or_404(
        Survey.objects.select_related("org", "campaign"), request.user, pk=pk
    )
    return found


@login_required
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    result = survey_results(survey=_survey(request, pk))
    ctx = page_context(
        request, nav="evaluation", result=result, can_define=can_evaluate(request.user)
    )
    return render(request, "evaluation/survey.html", ctx)


@login_required
@never_cache
def survey_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The unused codes with their QR codes on A4 sheets, to print and hand out (the codes are
    secrets: only those who may define surveys see them)."""
    require_evaluate(request.user, "打印测评码")
    item = _survey(request, pk)
    codes = []
    for code in (
        item.codes.filter(used_at__isnull=True).order_by("pk").values_list("code", flat=True)
    ):
        url = request.build_absolute_uri(reverse("evaluation:answer", args=[code]))
        qr = segno.make(url, error="m")
        codes.append({"code": code, "url": url, "qr": qr.png_data_uri(scale=3, border=2)})
    return render(request, "evaluation/sheet.html", {"survey": item, "codes": codes})


def _client(request: HttpRequest) -> str:
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "unknown"


def _limited(request: HttpRequest) -> bool:
    """Count this request; True when the address is over its hour's requests or refused codes
    (shared by every server process: :mod:`xunzhi.evaluation.ratelimit`)."""
    hits, failures = rate_count(_client(request), hits=1)
    limit = getattr(settings, "XUNZHI_SURVEY_FAILURES", RATE_FAILURES)
    return hits > RATE_REQUESTS or failures >= limit


def _public(request: HttpRequest, template: str, ctx: dict[str, Any], status: int) -> HttpResponse:
    response = render(request, template, ctx, status=status)
    response["Cache-Control"] = "no-store"
    # same-origin, not no-referrer: with no-referrer the browser sends "Origin: null" and the
    # CSRF check refuses the answer
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def answer(request: HttpRequest, code: str) -> HttpResponse:
    """The respondent's page: the questions of the survey the code opens, answered once."""
    if _limited(request):
        return _public(request, "evaluation/answer.html", {"state": "limited"}, 429)
    opened = survey_for_code(code)
    if opened is None:
        rate_count(_client(request), failures=1)
        return _public(request, "evaluation/answer.html", {"state": "invalid"}, 404)
    item, template = opened
    error = ""
    chosen: list[str] = []
    try:
        survey_period_check(item)
        if request.method == "POST":
            chosen = [request.POST.get(f"q{i}", "")[:3] for i in range(len(template.questions))]
            survey_answer(code=code, answers=chosen)
            return _public(request, "evaluation/answer.html", {"state": "thanks"}, 200)
    except SurveyClosed as exc:  # a real code, not a guess: not counted as a refused code
        ctx = {"state": "closed", "survey": item, "message": str(exc)}
        return _public(request, "evaluation/answer.html", ctx, 403)
    except UserError as exc:
        error = str(exc)
    questions = [
        {"index": i, "text": text, "chosen": chosen[i] if i < len(chosen) else ""}
        for i, text in enumerate(template.questions)
    ]
    ctx = {
        "state": "open",
        "survey": item,
        "questions": questions,
        "answers": [(str(i), label) for i, label in enumerate(template.answers)],
        "error": error,
    }
    return _public(request, "evaluation/answer.html", ctx, 400 if error else 200)
