"""The report page (settings, generation in the background, earlier versions), the preview
with every figure linked to its page, downloads, and the pages of one figure and one rule."""

from __future__ import annotations

import hashlib
import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from xunzhi.figures.selectors import figure_sources
from xunzhi.figures.services import figures_compute, rules_evaluate
from xunzhi.ledgers.models import LEDGER_MODELS
from xunzhi.ledgers.selectors import KINDS
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.reports.models import ReportVersion
from xunzhi.reports.problems import problems_select
from xunzhi.reports.render.html import REPORT_CSS, render_html
from xunzhi.reports.render.pdf import pdf_available
from xunzhi.reports.services import (
    EVALUATION_FIELDS,
    evaluation_for,
    evaluation_save,
    report_compose,
)
from xunzhi.web.forms import ReportForm
from xunzhi.web.jobs import job_create_report
from xunzhi.web.scope import can, get_scoped_or_404, require, user_scope
from xunzhi.web.selectors import data_stamp, figure_cache
from xunzhi.web.views.common import (
    cell_value,
    id_param,
    page_context,
    request_campaign,
    unit_param,
    until_param,
)

# The evaluation settings the report form edits; the cut-off date has its own field.
SETTING_FIELDS = tuple(f for f in EVALUATION_FIELDS if f != "until")

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


# --- figures and rules ---------------------------------------------------------------------


def _kind_of(model: type[Model]) -> str | None:
    return next((k for k, m in LEDGER_MODELS.items() if m is model), None)


@login_required
def figure_page(request: HttpRequest, code: str) -> HttpResponse:
    """One figure: its definition, its value for the unit and cut-off, and its source records."""
    campaign = request_campaign(request)
    unit = unit_param(request, user_scope(request.user))
    until = until_param(request)
    figures = figures_compute(campaign=campaign, unit=unit, until=until)
    if code not in figures:
        raise Http404("没有这个数据项。")
    try:
        sources = figure_sources(campaign=campaign, unit=unit, until=until, code=code)
    except UserError:
        sources = []
    tables = []
    for qs in sources:
        kind = _kind_of(qs.model)
        conf = KINDS.get(kind) if kind else None
        columns = conf.columns if conf else (("org__name", "组织"),)
        rows = list(qs.order_by("id")[:100])
        tables.append(
            {
                "title": conf.title if conf else qs.model._meta.verbose_name,
                "kind": kind,
                "count": qs.count(),
                "columns": columns,
                "rows": [{"obj": r, "cells": [cell_value(r, p) for p, _ in columns]} for r in rows],
            }
        )
    ctx = page_context(
        request, figure=figures[code], unit=unit, until=until, tables=tables, nav="reports"
    )
    return render(request, "web/figure.html", ctx)


@login_required
def rule_page(request: HttpRequest, code: str) -> HttpResponse:
    """One problem rule for a unit: whether it fires (and whether the report shows it), its
    thresholds and the units short of them."""
    campaign = request_campaign(request)
    unit = unit_param(request, user_scope(request.user))
    until = until_param(request)
    evaluated = rules_evaluate(campaign=campaign, unit=unit, until=until)
    problems_select(evaluated, spec=campaign.spec)
    rule = next((r for r in evaluated if r.code == code), None)
    if rule is None:
        raise Http404("没有这条规则。")
    labels = list(rule.units[0].measures) if rule.units else []
    rows = sorted(rule.units, key=lambda u: (not u.short, u.code))
    ctx = page_context(
        request,
        rule=rule,
        unit=unit,
        until=until,
        labels=labels,
        rows=[{"u": u, "values": [u.measures.get(label) for label in labels]} for u in rows],
        nav="reports",
    )
    return render(request, "web/rule.html", ctx)


# --- reports -------------------------------------------------------------------------------


def _versions(request: HttpRequest) -> Any:
    return ReportVersion.objects.select_related("evaluation__unit", "created_by").visible_to(
        request.user
    )


def _err(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    """Pick unit, cut-off and settings; generate in the background; earlier versions listed."""
    campaign = request_campaign(request)
    unit = unit_param(request, user_scope(request.user))
    if request.method == "POST":
        require(request.user, "report")
        unit_id = id_param(request.POST, "unit", "组织")
        unit = get_scoped_or_404(Org.objects.all(), request.user, pk=unit_id)
    evaluation = evaluation_for(campaign=campaign, unit=unit)
    form = ReportForm(
        request.POST or None,
        user=request.user,
        initial={"unit": unit, "until": evaluation.until}
        | {name: getattr(evaluation, name) for name in SETTING_FIELDS},
        pdf=pdf_available(),
        can_settings=can(request.user, "manage") or can(request.user, "report"),
    )
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        overrides = {"until": cd["until"]}
        overrides |= {name: cd.get(name) for name in SETTING_FIELDS if name in cd}
        try:
            evaluation = evaluation_for(campaign=campaign, unit=cd["unit"])
            for name, value in overrides.items():
                setattr(evaluation, name, value)
            evaluation_save(evaluation=evaluation)
        except (UserError, ValidationError) as exc:
            form.add_error(None, _err(exc))
        else:
            job = job_create_report(
                user=request.user,
                unit=cd["unit"],
                evaluation_id=evaluation.pk,
                formats=["docx", "html"] + (["pdf"] if cd.get("pdf") else []),
                annex=bool(cd.get("annex")),
            )
            return redirect("job", pk=job.pk)
    versions = _versions(request).order_by("-created_at", "-pk")[:30]
    ctx = page_context(request, form=form, versions=versions, unit=unit, nav="reports")
    return render(request, "web/reports.html", ctx)


_FIGURE_SPAN = re.compile(r'<span class="figure" data-figure="([A-Za-z0-9_]+)">(.*?)</span>', re.S)
# The renderer puts its stylesheet inline; the page links it instead (report_css), as the
# Content-Security-Policy allows no inline style.
_INLINE_STYLE = re.compile(r"<style>.*?</style>", re.S)
_PREVIEWS: dict[tuple[Any, ...], str] = {}


@login_required
def report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The generated version as HTML; every figure links to its definition and sources."""
    version = get_scoped_or_404(_versions(request), request.user, pk=pk)
    html, recomposed = _preview_html(version)
    others = (
        _versions(request).filter(evaluation=version.evaluation).order_by("-created_at", "-pk")[:20]
    )
    ctx = page_context(
        request,
        version=version,
        report_html=mark_safe(html),  # noqa: S308 - the renderer escapes all text
        files=version.paths(),
        others=others,
        recomposed=recomposed,
        report_css_version=_report_css_version(),
        nav="reports",
    )
    return render(request, "web/report_preview.html", ctx)


def _report_css_version() -> str:
    return hashlib.sha256(REPORT_CSS.encode()).hexdigest()[:12]


def report_css(request: HttpRequest) -> HttpResponse:
    """The report preview's stylesheet (the HTML renderer's own), cached for a year under
    its version."""
    response = HttpResponse(REPORT_CSS, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == _report_css_version():
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return response


def _preview_html(version: ReportVersion) -> tuple[str, bool]:
    """The version's HTML with every figure linked to its page (memoised per process: a
    version's file never changes)."""
    path = Path(version.html_path) if version.html_path else None
    recomposed = path is None or not path.is_file()
    key: tuple[Any, ...] = (
        (version.pk, "recomposed", data_stamp())
        if path is None or recomposed
        else (version.pk, str(path), path.stat().st_mtime_ns)
    )
    html = _PREVIEWS.get(key)
    if html is None:
        # Written without an HTML rendering (e.g. by the command line): lay the report out
        # again from the current data with the version's cut-off, and say so on the page.
        raw = (
            _recomposed_html(version)
            if path is None or recomposed
            else path.read_text(encoding="utf-8")
        )
        html = _linked(version, raw)
        if len(_PREVIEWS) > 64:
            _PREVIEWS.clear()
        _PREVIEWS[key] = html
    return html, recomposed


def _linked(version: ReportVersion, raw: str) -> str:
    """``raw`` without its inline stylesheet, each figure a link to its page."""
    query = {"unit": version.evaluation.unit.code}
    if version.until:
        query["until"] = version.until.isoformat()
    suffix = "?" + urlencode(query)
    base = reverse("figure", args=["F00"]).replace("F00/", "")

    def link(m: re.Match[str]) -> str:
        href = escape(f"{base}{m[1]}/{suffix}", quote=True)
        return f'<a class="figure" data-figure="{m[1]}" href="{href}">{m[2]}</a>'

    return _FIGURE_SPAN.sub(link, _INLINE_STYLE.sub("", raw, count=1))


def _recomposed_html(version: ReportVersion) -> str:
    cache = figure_cache()
    key = f"xz:recomposed:{version.pk}:{data_stamp()}"
    html: str | None = cache.get(key)
    if html is None:
        evaluation = version.evaluation
        evaluation.until = version.until  # the version's cut-off; not saved
        try:
            html = render_html(report_compose(evaluation=evaluation).document)
        except UserError as exc:
            html = f'<div class="alert alert-danger">{escape(str(exc))}</div>'
        cache.set(key, html, 3600)
    return html


@login_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    version = get_scoped_or_404(_versions(request), request.user, pk=pk)
    path = version.paths().get(fmt)
    if not path or fmt not in CONTENT_TYPES:
        raise Http404("该版本没有这种格式的文件。")
    file = Path(path).resolve()
    root = Path(settings.DATA_DIR).resolve()
    if not file.is_file() or root not in file.parents:
        raise Http404("文件已不存在。")
    response = FileResponse(file.open("rb"), as_attachment=True, filename=file.name)
    response["Content-Type"] = CONTENT_TYPES[fmt]
    return response
