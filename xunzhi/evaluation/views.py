"""The ranking page (评估打分), its workbook, and the manual score form: thin layers over
:func:`unit_scores` and :func:`manual_score_save`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from xunzhi.evaluation.export import score_sheet_build, value_text
from xunzhi.evaluation.models import ManualScore
from xunzhi.evaluation.scoring import Cell, ScoreTable, UnitScore
from xunzhi.evaluation.selectors import unit_scores
from xunzhi.evaluation.services import UNSCORED_VERSION, manual_score_save
from xunzhi.evaluation.spec import campaign_evaluation_spec
from xunzhi.evaluation.webglue import (
    can_evaluate,
    download_response,
    get_scoped_or_404,
    in_scope,
    page_context,
    request_campaign,
    require_evaluate,
    text_param,
    unit_param,
    user_scope,
)
from xunzhi.ledgers.models import ProblemStatus, ProjectStatus
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org

LEVELS = {"": "全部", "township": "乡镇", "department": "部门"}
#: measure filters the ledger list can show: filter → (list parameter, value)
STATUS_LINKS = {
    "done": ("status", str(ProjectStatus.DONE)),
    "rectified": ("status", str(ProblemStatus.DONE)),
    "overdue": ("overdue", "1"),
}


def _until(request: HttpRequest) -> dt.date | None:
    raw = text_param(request.GET, "until")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Http404(f"截止日期“{raw[:20]}”无效，请写成 2021-06-30。") from None


def _level(request: HttpRequest) -> str:
    level = text_param(request.GET, "level")
    if level not in LEVELS:
        raise Http404("层级无效。")
    return level


def _table(request: HttpRequest) -> ScoreTable:
    campaign = request_campaign(request)
    unit = unit_param(request, user_scope(request.user))
    try:
        return unit_scores(
            campaign=campaign, unit=unit, until=_until(request), level=_level(request) or None
        )
    except UserError as exc:
        raise Http404(str(exc)) from exc


def records_url(cell: Cell, row: UnitScore, until: dt.date | None) -> str:
    """The ledger list behind a measured score: the unit, and the type and status it counts
    (the numerator of a share); the page of a manual score; the surveys of the unit."""
    indicator = cell.indicator
    if indicator.kind == "manual":
        return reverse("evaluation:manual", args=[row.code, indicator.code])
    if indicator.kind == "survey":
        return reverse("evaluation:surveys") + "?" + urlencode({"unit": row.code})
    measure = (indicator.numerator or indicator.measures)[0]
    params = {"unit": row.code}
    if measure.group_values:
        params["type"] = measure.group_values[0]
    for key, value in measure.where:
        if key in STATUS_LINKS and value is True:
            name, shown = STATUS_LINKS[key]
            params[name] = shown
    if until:
        params["until"] = until.isoformat()
    return reverse("ledger_list", args=[measure.ledger]) + "?" + urlencode(params)


def _sorted(table: ScoreTable, order: str) -> list[UnitScore]:
    rows = table.rows
    key = order.lstrip("-")
    codes = {i.code for i in table.spec.indicators}
    if key == "total":
        ordered = sorted(rows, key=lambda r: (r.total, r.code))
    elif key == "name":
        ordered = sorted(rows, key=lambda r: r.name)
    elif key in codes:
        ordered = sorted(rows, key=lambda r: (r.cells[key].score, r.code))
    else:  # by kind in the level's order (乡镇, 部门), then rank
        kinds = table.kinds
        return sorted(rows, key=lambda r: (kinds.index(r.kind), r.rank, r.code))
    return ordered[::-1] if order.startswith("-") else ordered


@login_required
def scores(request: HttpRequest) -> HttpResponse:
    table = _table(request)
    order = text_param(request.GET, "order")
    spec = table.spec
    rows = _sorted(table, order)
    until = table.until
    shown = [
        {
            "row": row,
            "cells": [
                {
                    "cell": row.cells[i.code],
                    "text": value_text(row.cells[i.code]),
                    "url": records_url(row.cells[i.code], row, until),
                }
                for i in spec.indicators
            ],
        }
        for row in rows
    ]
    params = request.GET.copy()
    params.pop("order", None)
    ctx = page_context(
        request,
        nav="evaluation",
        table=table,
        spec=spec,
        rows=shown,
        order=order,
        sort_query=params.urlencode(),
        query=request.GET.urlencode(),
        levels=LEVELS,
        level=_level(request),
        pending=sum(r.pending for r in table.rows),
        can_score=can_evaluate(request.user),
        grades=[(name, minimum.normalize()) for name, minimum in spec.grades],
    )
    return render(request, "evaluation/scores.html", ctx)


@login_required
def scores_export(request: HttpRequest) -> HttpResponse:
    table = _table(request)
    name = f"{table.unit.name}评估打分表.xlsx"
    return download_response(
        score_sheet_build(table),
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _version(raw: str) -> int:
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise UserError("表单缺少版本号，请刷新页面后重新评分。")
    return int(text)


@login_required
def manual(request: HttpRequest, org_code: str, indicator: str) -> HttpResponse:
    """Enter or change one manual score, with its note (who and when are kept)."""
    campaign = request_campaign(request)
    org = get_scoped_or_404(Org.objects.all(), request.user, code=org_code)
    item = campaign_evaluation_spec(campaign).by_code.get(indicator)
    if item is None or item.kind != "manual":
        raise Http404("没有这个人工评分指标。")
    current = ManualScore.objects.filter(campaign=campaign, org=org, indicator=indicator).first()
    error = ""
    values = {
        "score": current.score.normalize() if current else "",
        "note": current.note if current else "",
        "version": current.version if current else UNSCORED_VERSION,
    }
    if request.method == "POST":
        require_evaluate(request.user)
        values = {
            "score": request.POST.get("score", "")[:20],
            "note": request.POST.get("note", "")[:4000],
            "version": request.POST.get("version", ""),
        }
        try:
            manual_score_save(
                campaign=campaign,
                org=org,
                indicator=indicator,
                score=values["score"],
                note=str(values["note"]),
                version=_version(str(values["version"])),
                user=request.user,
                scope=user_scope(request.user),
            )
        except UserError as exc:
            error = str(exc)
        else:
            messages.success(request, f"已保存{org.name}“{item.name}”的评分。")
            parent = (
                Org.objects.filter(path=org.path[: -Org.steplen]).first() if org.depth > 1 else None
            )
            shown = parent if parent is not None and in_scope(request.user, parent) else None
            query = f"?{urlencode({'unit': shown.code})}" if shown else ""
            return redirect(reverse("evaluation:scores") + query)
    ctx = page_context(
        request,
        nav="evaluation",
        org=org,
        item=item,
        current=current,
        values=values,
        error=error,
        can_score=can_evaluate(request.user),
        points=Decimal(item.points).normalize(),
    )
    return render(request, "evaluation/manual.html", ctx, status=400 if error else 200)
