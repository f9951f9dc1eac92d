"""The unit tree, its leaders and the users who work in it (the office manages them); every
write is a call of :mod:`xunzhi.organisations.services`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Leader, Org
from xunzhi.organisations.services import (
    leader_save,
    org_create,
    org_update,
    user_save,
    user_set_active,
)
from xunzhi.organisations.services import user_unlock as unlock_user
from xunzhi.web.forms import LeaderForm, OrgEditForm, OrgForm, UserForm
from xunzhi.web.login_guard import locked_usernames
from xunzhi.web.models import Profile
from xunzhi.web.roles import profiles_with_labels
from xunzhi.web.scope import get_scoped_or_404, require, user_scope
from xunzhi.web.views.common import page_context, request_campaign, unit_param


def _unit_page(code: str) -> str:
    return f"{reverse('orgs')}?{urlencode({'unit': code})}"


@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    scope = user_scope(request.user)
    unit = unit_param(request, scope)
    ancestors = [a for a in Org.objects.get_ancestors(unit) if a.in_subtree_of(scope)]
    users = profiles_with_labels(
        Profile.objects.in_subtree(unit)
        .select_related("user", "scope")
        .order_by("scope__path", "user__username"),
        request_campaign(request),
    )
    ctx = page_context(
        request,
        unit=unit,
        children=Org.objects.children_of(unit),
        ancestors=ancestors,
        leaders=Leader.objects.filter(org=unit).order_by("name"),
        users=users,
        subtree_count=Org.objects.in_subtree(unit).count(),
    )
    return render(request, "web/orgs.html", ctx)


@login_required
def org_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "manage")
    form = OrgForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            org = org_create(
                parent=cd["parent"],
                code=cd["code"],
                name=cd["name"],
                kind=cd["kind"],
                member_count=cd["member_count"],
                actor_scope=user_scope(request.user),
            )
            messages.success(request, f"已新增组织“{org.name}”。")
            return redirect(_unit_page(org.code))
        except UserError as exc:
            form.add_error(None, str(exc))
    ctx = page_context(request, form=form, title="新增组织")
    return render(request, "web/simple_form.html", ctx)


@login_required
def org_edit(request: HttpRequest, code: str) -> HttpResponse:
    require(request.user, "manage")
    org = get_scoped_or_404(Org.objects.all(), request.user, code=code)
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
            return redirect(_unit_page(saved.code))
        except UserError as exc:
            form.add_error(None, str(exc))
    ctx = page_context(request, form=form, title=f"编辑组织 · {org.code}")
    return render(request, "web/simple_form.html", ctx)


@login_required
def leader_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "manage")
    leader = None
    initial: dict[str, object] = {"org": unit_param(request, user_scope(request.user))}
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
            return redirect(_unit_page(saved.org.code))
        except UserError as exc:
            form.add_error(None, str(exc))
    ctx = page_context(request, form=form, title="编辑领导" if leader else "新增领导")
    return render(request, "web/simple_form.html", ctx)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "manage")
    profiles = list(
        Profile.objects.visible_to(request.user)
        .select_related("user", "scope")
        .order_by("scope__path", "user__username")
    )
    locked = locked_usernames([p.user.get_username() for p in profiles])
    rows = profiles_with_labels(profiles, request_campaign(request))
    return render(request, "web/users.html", page_context(request, rows=rows, locked=locked))


@login_required
def user_edit(request: HttpRequest, username: str | None = None) -> HttpResponse:
    require(request.user, "manage")
    initial: dict[str, object] = {}
    if username is not None:
        profile = get_scoped_or_404(
            Profile.objects.select_related("user", "scope"),
            request.user,
            user__username=username,
        )
        initial = {
            "username": profile.user.get_username(),
            "display_name": profile.display_name,
            "role": profile.role,
            "scope": profile.scope,
        }
    form = UserForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            user_save(
                username=username or cd["username"],
                role=cd["role"],
                scope=cd["scope"],
                password=cd["password"] or None,
                display_name=cd["display_name"],
                actor_scope=user_scope(request.user),
                new=username is None,
            )
            messages.success(request, "用户已保存。")
            return redirect("users")
        except UserError as exc:
            form.add_error(None, str(exc))
    title = "编辑用户" if username else "新增用户"
    return render(request, "web/simple_form.html", page_context(request, form=form, title=title))


@login_required
@require_POST
def user_active(request: HttpRequest, username: str) -> HttpResponse:
    require(request.user, "manage")
    try:
        user = user_set_active(
            username=username,
            active=request.POST.get("active") == "1",
            actor_scope=user_scope(request.user),
            actor=request.user,
        )
        state = "启用" if user.is_active else "停用"
        messages.success(request, f"用户“{user.get_username()}”已{state}。")
    except UserError as exc:
        messages.error(request, str(exc))
    return redirect("users")


@login_required
@require_POST
def user_unlock(request: HttpRequest, username: str) -> HttpResponse:
    require(request.user, "manage")
    try:
        unlock_user(username=username, actor_scope=user_scope(request.user))
        messages.success(request, f"已解除用户“{username}”的登录锁定。")
    except UserError as exc:
        messages.error(request, str(exc))
    return redirect("users")
