"""Pages of the supervision loop: the problems of a scope, a visit with its findings, a problem
with its history and the forms of the next step, attachments, the 整改台账 download.

Every lookup is scoped (a record outside the user's subtree answers 404); every write is one
service call, which checks the scope again and refuses stale versions.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from xunzhi.ledgers.models import Problem, ProblemStatus, SupervisionVisit
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.supervision import files as attachments
from xunzhi.supervision import selectors
from xunzhi.supervision.exports import ledger_file_name, rectification_ledger_xlsx
from xunzhi.supervision.forms import CloseForm, FindingForm, ReturnForm, SubmitForm
from xunzhi.supervision.models import RectificationFile, State
from xunzhi.supervision.services import (
    UNTOUCHED_VERSION,
    finding_record,
    rectification_close,
    rectification_return,
    rectification_submit,
)
from xunzhi.supervision.timeline import LIMIT as TIMELINE_LIMIT
from xunzhi.supervision.timeline import timeline
from xunzhi.supervision.webglue import (
    LimitedUploadHandler,
    campaign_today,
    can,
    download_response,
    get_scoped_or_404,
    page_context,
    redirect_next,
    request_campaign,
    require,
    text_param,
    unit_param,
    user_scope,
)

NAV = "supervision"
STATES = [*State.values, "超期"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The problems of the chosen unit with their progress, and the latest visits."""
    campaign = request_campaign(request)
    scope = user_scope(request.user)
    unit = unit_param(request, scope)
    on = campaign_today(campaign)
    state = text_param(request.GET, "state")
    rows = selectors.filtered(campaign, unit, state=state, on=on)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    visits = (
        SupervisionVisit.objects.filter(campaign=campaign).visible_to(request.user).in_subtree(unit)
    )
    ctx = page_context(
        request,
        nav=NAV,
        unit=unit,
        units=Org.objects.visible_to(request.user).filter(depth__lte=scope.depth + 1),
        state=state,
        states=STATES,
        page=page,
        rows=[(p, selectors.progress(p)) for p in page.object_list],
        visits=visits.select_related("org").order_by("-date", "-pk")[:20],
        on=on,
        attention=selectors.attention(campaign, unit, on=on),
        attention_unit=unit,
    )
    return render(request, "supervision/index.html", ctx)


def _visit(request: HttpRequest, pk: int) -> SupervisionVisit:
    qs = SupervisionVisit.objects.filter(campaign=request_campaign(request)).select_related("org")
    visit: SupervisionVisit = get_scoped_or_404(qs, request.user, pk=pk)
    return visit


@login_required
def visit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit, its findings, and (for the guidance group) the form to record one more."""
    visit = _visit(request, pk)
    campaign = request_campaign(request)
    categories = tuple(campaign.spec.problem_categories)
    form = FindingForm(categories=categories)
    if request.method == "POST":
        require(request.user, "visits")
        form = FindingForm(request.POST, categories=categories)
        if form.is_valid():
            try:
                problem = finding_record(
                    visit=visit,
                    description=form.cleaned_data["description"],
                    deadline=form.cleaned_data["deadline"],
                    category=form.cleaned_data["category"],
                    measures=form.cleaned_data["measures"],
                    scope=user_scope(request.user),
                    user=request.user,
                )
                messages.success(request, f"已记录督导发现的问题，交{problem.org.name}整改。")
                return redirect_next(request, None, reverse("supervision:visit", args=[pk]))
            except UserError as exc:
                form.add_error(None, str(exc))
    findings = selectors.problems_in(campaign, visit.org).filter(visit=visit)
    ctx = page_context(
        request,
        nav=NAV,
        visit=visit,
        findings=[(p, selectors.progress(p)) for p in findings],
        form=form,
        can_record=can(request.user, "visits"),
    )
    return render(request, "supervision/visit.html", ctx)


def _problem(request: HttpRequest, pk: int) -> Problem:
    qs = Problem.objects.filter(campaign=request_campaign(request)).select_related("org", "visit")
    problem: Problem = get_scoped_or_404(qs, request.user, pk=pk)
    return problem


@login_required
def problem_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A problem, its history with the files, and the forms of the steps the user may take."""
    problem = _problem(request, pk)
    rect = selectors.rectification_of(problem)
    state = rect.state if rect is not None else State.PENDING
    version = rect.version if rect is not None else UNTOUCHED_VERSION
    initial = {"version": version}
    outside = rect is None and problem.status == ProblemStatus.DONE  # rectified in the ledger
    submit = not outside and can(request.user, "edit") and state in (State.PENDING, State.RETURNED)
    review = can(request.user, "visits") and state == State.SUBMITTED
    ctx = page_context(
        request,
        nav=NAV,
        problem=problem,
        rect=rect,
        progress=selectors.progress(problem),
        steps=selectors.history(problem),
        submit_form=SubmitForm(initial=initial) if submit else None,
        close_form=CloseForm(initial=initial, prefix="close") if review else None,
        return_form=ReturnForm(initial=initial, prefix="return") if review else None,
        max_mb=attachments.max_file_bytes() // 1048576,
        max_files=settings.RECTIFICATION_MAX_FILES,
        allowed=attachments.allowed_names(),
        on=campaign_today(request_campaign(request)),
    )
    return render(request, "supervision/problem.html", ctx)


def _done(request: HttpRequest, pk: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect_next(request, None, reverse("supervision:problem", args=[pk]))


def _refused(request: HttpRequest, pk: int, error: str) -> HttpResponse:
    messages.error(request, error)
    return redirect_next(request, None, reverse("supervision:problem", args=[pk]))


def _form_error(form: SubmitForm | CloseForm | ReturnForm) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = "；".join(str(e) for e in errors)
        parts.append(f"{label}：{text}" if label else text)
    return "提交的内容有误，未保存：" + "；".join(parts)


@csrf_exempt  # the CSRF check reads the body: it runs below, once the size is known
@login_required
@require_POST
def problem_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """A request over the limit is refused before its body is read; a file over the per-file
    limit is dropped as it streams in (never stored); only then is CSRF checked."""
    require(request.user, "edit")
    problem = _problem(request, pk)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > attachments.max_request_bytes():
        limit = settings.RECTIFICATION_MAX_FILES
        message = (
            f"本次提交共 {length / 1048576:.1f} MB，超过了上限（最多 {limit} 个附件、"
            f"每个不超过 {settings.RECTIFICATION_MAX_FILE_MB} MB），未保存。"
        )
        messages.error(request, message)
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    handler = LimitedUploadHandler(request, max_file_bytes=attachments.max_file_bytes())
    request.upload_handlers.insert(0, handler)
    return _submit_checked(request, problem, handler)


@csrf_protect
def _submit_checked(
    request: HttpRequest, problem: Problem, handler: LimitedUploadHandler
) -> HttpResponse:
    pk = problem.pk
    form = SubmitForm(request.POST)
    if handler.too_big:
        return _refused(request, pk, attachments.over_limit(handler.too_big[0]))
    if not form.is_valid():
        return _refused(request, pk, _form_error(form))
    try:
        rectification_submit(
            problem=problem,
            text=form.cleaned_data["text"],
            uploads=request.FILES.getlist("files"),
            version=form.cleaned_data["version"],
            scope=user_scope(request.user),
            user=request.user,
        )
    except UserError as exc:
        return _refused(request, pk, str(exc))
    return _done(request, pk, "整改情况已提交，等待督导组核查销号。")


@login_required
@require_POST
def problem_close(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "visits")
    problem = _problem(request, pk)
    form = CloseForm(request.POST, prefix="close")
    if not form.is_valid():
        return _refused(request, pk, _form_error(form))
    try:
        rectification_close(
            problem=problem,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
            scope=user_scope(request.user),
            user=request.user,
        )
    except UserError as exc:
        return _refused(request, pk, str(exc))
    return _done(request, pk, "已销号。")


@login_required
@require_POST
def problem_return(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "visits")
    problem = _problem(request, pk)
    form = ReturnForm(request.POST, prefix="return")
    if not form.is_valid():
        return _refused(request, pk, _form_error(form))
    try:
        rectification_return(
            problem=problem,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            scope=user_scope(request.user),
            user=request.user,
        )
    except UserError as exc:
        return _refused(request, pk, str(exc))
    return _done(request, pk, "已退回，整改单位可修改后重新提交。")


@login_required
def file_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    qs = RectificationFile.objects.select_related("step__problem__org")
    record: RectificationFile = get_scoped_or_404(qs, request.user, pk=pk)
    try:
        path = attachments.absolute(record.path)
    except UserError as exc:
        return HttpResponse(str(exc), status=410, content_type="text/plain; charset=utf-8")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=record.name, content_type=record.mime
    )


@login_required
def attention_fragment(request: HttpRequest) -> HttpResponse:
    """The attention lists of a unit, as a fragment the dashboard loads (htmx)."""
    campaign = request_campaign(request)
    unit = unit_param(request, user_scope(request.user))
    ctx = {
        "attention": selectors.attention(campaign, unit, on=campaign_today(campaign)),
        "attention_unit": unit,
    }
    return render(request, "supervision/_attention.html", ctx)


@login_required
def archive(request: HttpRequest) -> HttpResponse:
    """A unit's 督导档案: its figures, attention lists and one timeline of every source."""
    campaign = request_campaign(request)
    scope = user_scope(request.user)
    unit = unit_param(request, scope)
    entries = timeline(campaign, unit)
    ctx = page_context(
        request,
        nav=NAV,
        unit=unit,
        units=Org.objects.visible_to(request.user).filter(depth__lte=scope.depth + 1),
        counts=selectors.archive_counts(campaign, unit),
        attention=selectors.attention(campaign, unit, on=campaign_today(campaign)),
        attention_unit=unit,
        entries=entries,
        truncated=len(entries) >= TIMELINE_LIMIT,
    )
    return render(request, "supervision/archive.html", ctx)


@login_required
def ledger_download(request: HttpRequest) -> HttpResponse:
    """The 整改台账 of the chosen unit (any unit of the user's scope)."""
    campaign = request_campaign(request)
    unit = unit_param(request, user_scope(request.user))
    data = rectification_ledger_xlsx(campaign=campaign, unit=unit, on=campaign_today(campaign))
    return download_response(data, ledger_file_name(unit), XLSX)
