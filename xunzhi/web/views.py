"""Views: thin layers over the ledger, intake, figure and report services.

Every read goes through :mod:`xunzhi.web.scope` (``scoped``/``get_scoped_or_404``/
``scope_orgs``), so nothing outside the user's subtree can be read or changed by any URL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from xunzhi.campaigns.selectors import campaign_get
from xunzhi.ledgers import registry
from xunzhi.ledgers.models import ReportedValue, SubmissionStatus, ValueSubmission
from xunzhi.ledgers.selectors import KINDS, LedgerFilters, ledger_filtered, ledger_totals
from xunzhi.ledgers.services import (
    KIND_NAMES,
    LOCKED_STATUSES,
    campaign_months,
    ledger_create,
    ledger_delete,
    ledger_model,
    ledger_update,
    values_approve,
    values_return,
    values_save,
    values_submit,
    values_unapprove,
)
from xunzhi.lib.errors import UserError
from xunzhi.lib.numbers import decimal_text
from xunzhi.organisations.models import Leader, Org
from xunzhi.web.forms import LoginForm, PasswordForm, ValueReturnForm, ledger_form_class
from xunzhi.web.http import redirect_next
from xunzhi.web.scope import (
    can,
    can_edit_kind,
    get_scoped_or_404,
    require,
    require_edit_kind,
    scope_orgs,
    scoped,
    user_profile,
    user_scope,
)
from xunzhi.web.selectors import (
    campaign_today,
    dashboard_cached,
    data_stamp,
    figure_cache,
    report_figures_cached,
    rules_fired_cached,
)


def _campaign(request: HttpRequest):
    campaign = getattr(request, "_xz_campaign", None)
    if campaign is None:
        campaign = request._xz_campaign = campaign_get()
    return campaign


_NAV = (
    ("dashboard", "dashboard"),
    ("ledger", "ledgers"),
    ("values", "values"),
    ("org", "orgs"),
    ("user", "users"),
    ("upload", "upload"),
    ("job", "upload"),
    ("report", "reports"),
    ("figure", "reports"),
    ("audit", "audit"),
)


def _ctx(request: HttpRequest, **extra):
    profile = user_profile(request.user)
    name = getattr(request.resolver_match, "url_name", "") or ""
    nav = next(
        (n for prefix, n in _NAV if name.startswith(prefix)),
        "",
    )
    base = {
        "nav": nav,
        "profile": profile,
        "scope": profile.scope,
        "campaign": _campaign(request),
        "kinds": KINDS,
        "perm": {
            a: can(request.user, a)
            for a in ("edit", "upload", "values", "review", "report", "visits", "manage", "audit")
        },
    }
    base.update(extra)
    return base


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password.html"
    form_class = PasswordForm

    def get_success_url(self):
        messages.success(self.request, "密码已修改。")
        return reverse("dashboard")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_ctx(self.request)}


# --- dashboard ---------------------------------------------------------------------------


def _source_tag(*names: str) -> str:
    """A short hash of the files a cached rendering comes from (new code, new cache keys)."""
    import hashlib
    from pathlib import Path

    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in names:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


_BODY_TAG = _source_tag("templates/web/_dashboard_body.html", "charts.py", "views.py")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from xunzhi.web import charts

    campaign = _campaign(request)
    scope = user_scope(request.user)
    unit = _unit_param(request, scope)
    stamp = data_stamp()
    until = campaign_today(campaign)
    cache = figure_cache()
    # The body depends only on the unit, the user's scope and the data: render it once per
    # data version (a write changes the stamp, so it is never stale).
    key = (
        f"xz:dashbody:{_BODY_TAG}:{campaign.pk}:{campaign.source_sha256[:12]}:"
        f"{scope.path}:{unit.path}:{until}:{stamp}"
    )
    body = cache.get(key)
    if body is None:
        stats = dashboard_cached(campaign=campaign, scope=unit, until=until, stamp=stamp)
        body = render_to_string(
            "web/_dashboard_body.html",
            {
                "unit": unit,
                "scope": scope,
                "stats": stats,
                "rules": rules_fired_cached(
                    campaign=campaign, scope=unit, until=until, stamp=stamp
                ),
                "figures": report_figures_cached(
                    campaign=campaign, scope=unit, until=until, stamp=stamp
                ),
                "units": scope_orgs(request.user).filter(depth__lte=scope.depth + 1),
                "chart_types": charts.bar_chart(
                    stats.activities_by_type[:12], title="活动类型（场次）"
                ),
                "chart_months": charts.line_chart(stats.activities_by_month, title="每月活动场次"),
                "chart_projects": charts.stacked_projects(stats.projects_by_field),
                "chart_problems": charts.problems_chart(stats.problems),
                "chart_reporting": charts.reporting_chart(stats.reporting),
            },
        )
        cache.set(key, body, 3600)
    ctx = _ctx(request, unit=unit, body=mark_safe(body))  # noqa: S308 - our own template
    return render(request, "web/dashboard.html", ctx)


def id_param(data, name: str, label: str) -> int:
    """A record id from a form or query string; anything but a plain positive integer is a 404
    naming the field (never a 500)."""
    raw = str(data.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) == 0:
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise Http404(f"{label}编号“{shown}”无效。" if raw else f"请选择{label}。")
    return int(raw)


def text_param(data, name: str, default: str = "") -> str:
    """A query-string text as a filter may use it: trimmed, at most 200 characters, without
    NUL (PostgreSQL refuses NUL in text: it would be a 500)."""
    return str(data.get(name) or default).replace("\x00", "").strip()[:200]


def _unit_param(request: HttpRequest, scope: Org) -> Org:
    code = text_param(request.GET, "unit")
    if not code:
        return scope
    unit = Org.objects.filter(code=code, path__startswith=scope.path).first()
    if unit is None:
        raise Http404("该组织不存在，或不在您的管理范围内。")
    return unit


# --- ledgers -----------------------------------------------------------------------------


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404("没有这种台账。")
    return KINDS[kind]


def _filters(request: HttpRequest, scope: Org) -> LedgerFilters:
    g = request.GET
    until = None
    if g.get("until"):
        try:
            until = dt.date.fromisoformat(g["until"])
        except ValueError:
            until = None
    return LedgerFilters(
        unit=_unit_param(request, scope),
        type=text_param(g, "type"),
        status=text_param(g, "status"),
        period=text_param(g, "period"),
        q=text_param(g, "q"),
        overdue=g.get("overdue") == "1",
        until=until,
        order=text_param(g, "order"),
    )


def _type_choices(campaign, kind: str) -> list[str]:
    return registry.type_choices(registry.get(kind), campaign.spec)


def _status_choices(kind: str) -> list[str]:
    return registry.status_choices(registry.get(kind))


@login_required
def ledger_list(request: HttpRequest, kind: str) -> HttpResponse:
    conf = _kind(kind)
    campaign = _campaign(request)
    scope = user_scope(request.user)
    filters = _filters(request, scope)
    can_edit = can_edit_kind(request.user, kind)
    # A page of a list is computed once per data version (the stamp changes on every write).
    stamp = data_stamp()
    key = "xz:list:" + "|".join(
        str(x)
        for x in (
            kind,
            campaign.pk,
            scope.path,
            filters.unit.path if filters.unit else "",
            filters.type,
            filters.status,
            filters.period,
            filters.q,
            filters.overdue,
            filters.until,
            filters.order,
            request.GET.get("page", ""),
            can_edit,
            stamp,
        )
    )
    cache = figure_cache()
    cached = cache.get(key)
    if cached is None:
        qs = ledger_filtered(kind=kind, campaign=campaign, scope=scope, filters=filters)
        totals = ledger_totals(kind=kind, queryset=qs)
        paginator = Paginator(qs, 50)
        paginator.count = totals["count"]  # known already: saves the COUNT query
        page = paginator.get_page(request.GET.get("page"))
        rows_html = _rows_html(
            page.object_list,
            conf.columns,
            edit_base=reverse("ledger_edit", args=[kind, 0])[: -len("0/edit/")]
            if can_edit
            else None,
        )
        cached = {
            "totals": totals,
            "rows_html": str(rows_html),
            "page": {
                "number": page.number,
                "num_pages": paginator.num_pages,
                "has_previous": page.has_previous(),
                "has_next": page.has_next(),
                "previous_page_number": page.number - 1,
                "next_page_number": page.number + 1,
            },
            "units": [
                (u.code, u.name, u.depth) for u in _unit_choices(request, scope, filters.unit)
            ],
        }
        cache.set(key, cached, 3600)
    totals = cached["totals"]
    rows_html = mark_safe(cached["rows_html"])  # noqa: S308 - escaped when built
    page = cached["page"]
    params = request.GET.copy()
    params.pop("page", None)
    sort_params = request.GET.copy()
    sort_params.pop("order", None)
    sort_params.pop("page", None)
    ctx = _ctx(
        request,
        conf=conf,
        kind=kind,
        rows_html=rows_html,
        page=page,
        totals=totals,
        sums=[(label, totals.get(name) or 0) for name, label in conf.sum_fields],
        filters=filters,
        query=params.urlencode(),
        sort_query=sort_params.urlencode(),
        type_choices=_type_choices(campaign, kind),
        status_choices=_status_choices(kind),
        months=campaign_months(campaign),
        units=cached["units"],
        current_unit=filters.unit.code if filters.unit else scope.code,
        can_edit=can_edit,
    )
    return render(request, "web/ledger_list.html", ctx)


def _rows_html(objects, columns, *, edit_base: str | None) -> SafeString:
    """The table rows of a ledger page, built in Python: a 50-row page renders in a fraction
    of the template engine's time. Every value is escaped."""
    out = []
    for obj in objects:
        cells = "".join(f"<td>{escape(_text(_cell(obj, path)))}</td>" for path, _ in columns)
        if edit_base is not None:
            url = f"{edit_base}{obj.pk}"
            cells += (
                '<td class="text-end text-nowrap">'
                f'<a class="btn btn-sm btn-link py-0" href="{url}/edit/">编辑</a>'
                '<button class="btn btn-sm btn-link text-danger py-0" type="button" '
                f'hx-post="{url}/delete/" hx-vals=\'{{"version": "{obj.version}"}}\' '
                'hx-confirm="确定删除这条记录？">删除</button></td>'
            )
        out.append(f"<tr>{cells}</tr>")
    return mark_safe("\n".join(out))  # noqa: S308 - escaped above


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _short(str(value))


def _short(value, limit: int = 40):
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def _unit_choices(request: HttpRequest, scope: Org, current: Org | None) -> list[Org]:
    """The scope and the units directly below it (plus the current unit when deeper):
    a short list that renders fast; deeper units are reached from the organisation page."""
    units = list(
        scope_orgs(request.user)
        .filter(depth__lte=scope.depth + 1)
        .only("id", "code", "name", "depth", "path")
    )
    if current is not None and all(u.pk != current.pk for u in units):
        units.append(current)
    return units


def _cell(obj, path: str):
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return value


@login_required
def ledger_export(request: HttpRequest, kind: str) -> HttpResponse:
    _kind(kind)
    campaign = _campaign(request)
    scope = user_scope(request.user)
    qs = ledger_filtered(
        kind=kind, campaign=campaign, scope=scope, filters=_filters(request, scope)
    )
    from xunzhi.intake.services import ledger_export as export

    data = export(kind=kind, campaign=campaign, queryset=qs, fmt="xlsx")
    name = f"{KIND_NAMES[kind]}-{scope.name}.xlsx"
    return _download(
        data, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    from django.utils.encoding import escape_uri_path

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(name)}"
    return response


def _form_data(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("version", None)
    return {k: (None if v == "" and k in ("leader",) else v) for k, v in data.items()}


@login_required
def ledger_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    conf = _kind(kind)
    require_edit_kind(request.user, kind)
    campaign = _campaign(request)
    model_form = ledger_form_class(kind)
    instance = None
    if pk is not None:
        instance = get_scoped_or_404(
            ledger_model(kind).objects.filter(campaign=campaign), request.user, pk=pk
        )
    if request.method == "POST":
        form = model_form(request.POST, instance=instance, user=request.user, campaign=campaign)
        if form.is_valid():
            scope = user_scope(request.user)
            try:
                if instance is None:
                    ledger_create(
                        kind=kind,
                        campaign=campaign,
                        data=_form_data(form),
                        scope=scope,
                        user=request.user,
                    )
                    messages.success(request, f"已新增一条{conf.title}记录。")
                else:
                    ledger_update(
                        kind=kind,
                        campaign=campaign,
                        pk=instance.pk,
                        version=form.cleaned_data.get("version") or 0,
                        data=_form_data(form),
                        scope=scope,
                        user=request.user,
                    )
                    messages.success(request, "修改已保存。")
                return redirect_next(
                    request, request.GET.get("next"), reverse("ledger_list", args=[kind])
                )
            except UserError as exc:
                form.add_error(None, str(exc))
    else:
        form = model_form(instance=instance, user=request.user, campaign=campaign)
    return render(
        request,
        "web/ledger_form.html",
        _ctx(request, conf=conf, kind=kind, form=form, instance=instance),
    )


@login_required
@require_POST
def ledger_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _kind(kind)
    require_edit_kind(request.user, kind)
    campaign = _campaign(request)
    obj = get_scoped_or_404(
        ledger_model(kind).objects.filter(campaign=campaign), request.user, pk=pk
    )
    try:
        version = int(request.POST.get("version", "0"))
        ledger_delete(
            kind=kind, campaign=campaign, pk=obj.pk, version=version, scope=user_scope(request.user)
        )
        messages.success(request, "记录已删除。")
    except (UserError, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, UserError) else "请求无效。")
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect_next(request, request.POST.get("next"), reverse("ledger_list", args=[kind]))


# --- reported values ---------------------------------------------------------------------


@login_required
def values_index(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    scope = user_scope(request.user)
    months = campaign_months(campaign)
    default_period = f"{campaign_today(campaign):%Y-%m}"
    status = text_param(request.GET, "status")
    # a status alone (e.g. 已提交 from the dashboard) lists every period
    fallback = "all" if status else (default_period if default_period in months else months[-1])
    period = text_param(request.GET, "period") or fallback
    units = scope_orgs(request.user).filter(depth__lte=scope.depth + 1)
    subs = scoped(ValueSubmission.objects.filter(campaign=campaign), request.user).select_related(
        "org"
    )
    if period and period != "all":
        subs = subs.filter(period=period)
    if status:
        subs = subs.filter(status=status)
    subs = subs.order_by("org__path")
    paginator = Paginator(subs, 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "web/values_index.html",
        _ctx(
            request,
            months=months,
            period=period,
            status=status,
            statuses=SubmissionStatus.values,
            units=units,
            page=page,
        ),
    )


def _value_org(request: HttpRequest, org_code: str) -> Org:
    return get_scoped_or_404(Org.objects.all(), request.user, field="", code=org_code)


@login_required
def values_form(request: HttpRequest, org_code: str, period: str) -> HttpResponse:
    campaign = _campaign(request)
    org = _value_org(request, org_code)
    if period not in campaign_months(campaign) and period != "全程":
        raise Http404("期间无效。")
    items = campaign.spec.value_items
    sub = ValueSubmission.objects.filter(campaign=campaign, org=org, period=period).first()
    current = dict(
        ReportedValue.objects.filter(campaign=campaign, org=org, period=period).values_list(
            "item", "value"
        )
    )
    errors: list[str] = []
    posted: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "save")
        version = _int_or_none(request.POST.get("version"))
        scope = user_scope(request.user)
        try:
            if action == "save":
                require(request.user, "values")
                posted = {item.code: request.POST.get(f"v_{item.code}", "") for item in items}
                values_save(
                    campaign=campaign,
                    org=org,
                    period=period,
                    values=posted,
                    scope=scope,
                    user=request.user,
                    version=version,
                )
                messages.success(request, "填报数据已保存（草稿）。")
                return redirect(request.path)
            elif action == "submit":
                require(request.user, "values")
                values_submit(
                    campaign=campaign,
                    org=org,
                    period=period,
                    scope=scope,
                    user=request.user,
                    version=version,
                )
                messages.success(request, "已提交，等待上级审核。")
                return redirect(request.path)
            elif action in ("approve", "return", "unapprove"):
                require(request.user, "review")
                kwargs = dict(
                    campaign=campaign,
                    org=org,
                    period=period,
                    reviewer_scope=scope,
                    user=request.user,
                    version=version,
                )
                if action == "approve":
                    values_approve(**kwargs)
                    messages.success(request, "已审核通过，数据已锁定。")
                elif action == "return":
                    form = ValueReturnForm(request.POST)
                    values_return(reason=form.data.get("reason", ""), **kwargs)
                    messages.success(request, "已退回。")
                else:
                    values_unapprove(**kwargs)
                    messages.success(request, "已撤销审核，数据回到“已提交”状态。")
                return redirect(request.path)
            else:
                errors = ["未知操作。"]
        except UserError as exc:
            errors = str(exc).split("；")  # the service joins every fault it found
    rows = []
    for item in items:
        raw = posted.get(item.code) if posted else None
        value = current.get(item.code)
        rows.append(
            {
                "item": item,
                "value": raw if raw is not None else ("" if value is None else decimal_text(value)),
            }
        )
    locked = sub is not None and sub.status in LOCKED_STATUSES
    scope = user_scope(request.user)
    can_review = can(request.user, "review") and (org.path != scope.path or scope.depth == 1)
    return render(
        request,
        "web/values_form.html",
        _ctx(
            request,
            org=org,
            period=period,
            rows=rows,
            sub=sub,
            errors=errors,
            locked=locked,
            can_review=can_review,
            checks=campaign.spec.value_checks,
            months=campaign_months(campaign),
        ),
    )


def _int_or_none(raw):
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


# --- organisations and users -------------------------------------------------------------


@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    scope = user_scope(request.user)
    unit = _unit_param(request, scope)
    children = Org.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
    ancestors = [a for a in Org.objects.get_ancestors(unit) if a.path.startswith(scope.path)]
    leaders = Leader.objects.filter(org=unit).order_by("name")
    from xunzhi.web.models import Profile

    users = (
        Profile.objects.filter(scope__path__startswith=unit.path)
        .select_related("user", "scope")
        .order_by("scope__path", "user__username")
    )
    return render(
        request,
        "web/orgs.html",
        _ctx(
            request,
            unit=unit,
            children=children,
            ancestors=ancestors,
            leaders=leaders,
            users=users,
            subtree_count=Org.objects.filter(path__startswith=unit.path).count(),
        ),
    )


@login_required
def org_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "manage")
    from xunzhi.web.forms import OrgForm
    from xunzhi.web.services import org_create

    form = OrgForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            org = org_create(
                parent=form.cleaned_data["parent"],
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                member_count=form.cleaned_data["member_count"],
                actor_scope=user_scope(request.user),
            )
            messages.success(request, f"已新增组织“{org.name}”。")
            return redirect(f"{reverse('orgs')}?{urlencode({'unit': org.code})}")
        except UserError as exc:
            form.add_error(None, str(exc))
    return render(request, "web/simple_form.html", _ctx(request, form=form, title="新增组织"))


@login_required
def org_edit(request: HttpRequest, code: str) -> HttpResponse:
    require(request.user, "manage")
    from xunzhi.web.forms import OrgEditForm
    from xunzhi.web.services import org_update

    org = get_scoped_or_404(Org.objects.all(), request.user, field="", code=code)
    initial = {
        "name": org.name,
        "kind": org.kind,
        "member_count": org.member_count,
        "is_leading_body": org.is_leading_body,
        "version": org.version,
    }
    form = OrgEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            saved = org_update(
                org=org,
                name=cd["name"],
                kind=cd["kind"],
                member_count=cd["member_count"],
                is_leading_body=cd["is_leading_body"],
                version=cd.get("version"),
                actor_scope=user_scope(request.user),
            )
            messages.success(request, f"已保存组织“{saved.name}”。")
            return redirect(f"{reverse('orgs')}?{urlencode({'unit': saved.code})}")
        except UserError as exc:
            form.add_error(None, str(exc))
    return render(
        request, "web/simple_form.html", _ctx(request, form=form, title=f"编辑组织 · {org.code}")
    )


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "manage")
    from xunzhi.web.login_guard import locked_usernames
    from xunzhi.web.models import Profile

    profiles = list(
        scoped(
            Profile.objects.select_related("user", "scope"), request.user, field="scope"
        ).order_by("scope__path", "user__username")
    )
    locked = locked_usernames([p.user.username for p in profiles])
    return render(request, "web/users.html", _ctx(request, profiles=profiles, locked=locked))


@login_required
def user_edit(request: HttpRequest, username: str | None = None) -> HttpResponse:
    require(request.user, "manage")
    from xunzhi.web.forms import UserForm
    from xunzhi.web.models import Profile
    from xunzhi.web.services import user_save

    initial = {}
    if username is not None:
        profile = get_scoped_or_404(
            Profile.objects.select_related("user", "scope"),
            request.user,
            field="scope",
            user__username=username,
        )
        initial = {
            "username": profile.user.username,
            "display_name": profile.display_name,
            "role": profile.role,
            "scope": profile.scope,
        }
    form = UserForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            if username is None and (
                get_user_model().objects.filter(username=cd["username"]).exists()
            ):
                raise UserError(f"用户名“{cd['username']}”已存在。")
            user_save(
                username=username or cd["username"],
                role=cd["role"],
                scope=cd["scope"],
                password=cd["password"] or None,
                display_name=cd["display_name"],
                actor_scope=user_scope(request.user),
            )
            messages.success(request, "用户已保存。")
            return redirect("users")
        except UserError as exc:
            form.add_error(None, str(exc))
    return render(
        request,
        "web/simple_form.html",
        _ctx(request, form=form, title="编辑用户" if username else "新增用户"),
    )


@login_required
@require_POST
def user_active(request: HttpRequest, username: str) -> HttpResponse:
    require(request.user, "manage")
    from xunzhi.web.services import user_set_active

    try:
        user = user_set_active(
            username=username,
            active=request.POST.get("active") == "1",
            actor_scope=user_scope(request.user),
            actor=request.user,
        )
        messages.success(
            request, f"用户“{user.username}”已{'启用' if user.is_active else '停用'}。"
        )
    except UserError as exc:
        messages.error(request, str(exc))
    return redirect("users")


@login_required
@require_POST
def user_unlock(request: HttpRequest, username: str) -> HttpResponse:
    require(request.user, "manage")
    from xunzhi.web.services import user_unlock as unlock

    try:
        unlock(username=username, actor_scope=user_scope(request.user))
        messages.success(request, f"已解除用户“{username}”的登录锁定。")
    except UserError as exc:
        messages.error(request, str(exc))
    return redirect("users")


@login_required
def leader_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "manage")
    from xunzhi.web.forms import LeaderForm
    from xunzhi.web.services import leader_save

    leader = None
    initial = {"org": _unit_param(request, user_scope(request.user))}
    if pk is not None:
        leader = get_scoped_or_404(Leader.objects.select_related("org"), request.user, pk=pk)
        initial = {
            "org": leader.org,
            "name": leader.name,
            "title": leader.title,
            "rank": leader.rank,
            "is_principal": leader.is_principal,
            "version": leader.version,
        }
    form = LeaderForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            saved = leader_save(
                org=cd["org"],
                name=cd["name"],
                title=cd["title"],
                rank=cd["rank"],
                is_principal=cd["is_principal"],
                actor_scope=user_scope(request.user),
                pk=leader.pk if leader else None,
                version=cd.get("version"),
            )
            messages.success(request, f"已保存领导“{saved.name}”。")
            return redirect(f"{reverse('orgs')}?{urlencode({'unit': saved.org.code})}")
        except UserError as exc:
            form.add_error(None, str(exc))
    return render(
        request,
        "web/simple_form.html",
        _ctx(request, form=form, title="编辑领导" if leader else "新增领导"),
    )
