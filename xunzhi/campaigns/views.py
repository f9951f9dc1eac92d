"""The campaign switcher (every user), the campaign versions page and the upload, preview and
publishing of a campaign file (the top-level office)."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xunzhi.campaigns.selectors import campaign_versions
from xunzhi.campaigns.services import campaign_choose
from xunzhi.campaigns.upload import (
    campaign_preview,
    campaign_upload_check,
    campaign_upload_publish,
    upload_limit_check,
)
from xunzhi.campaigns.urlquery import with_campaign
from xunzhi.campaigns.webglue import (
    page_context,
    request_campaign,
    require,
    text_param,
    user_profile,
)
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org


@login_required
@require_POST
def campaign_switch(request: HttpRequest) -> HttpResponse:
    """Keep the chosen campaign for this user and go back to the page, the choice in its URL."""
    target = text_param(request.POST, "next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    try:
        campaign = campaign_choose(user=request.user, code=text_param(request.POST, "campaign"))
    except UserError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(with_campaign(target, campaign.code))


@login_required
def campaign_versions_page(request: HttpRequest) -> HttpResponse:
    """The stored versions of the campaign in use (who loaded each, when)."""
    campaign = request_campaign(request)
    return render(
        request,
        "campaigns/versions.html",
        page_context(request, versions=campaign_versions(campaign=campaign)),
    )


def _require_top_office(request: HttpRequest) -> Org:
    """Only the office of the top of the tree loads campaigns; its scope is returned."""
    require(request.user, "manage")
    scope = user_profile(request.user).scope
    if scope.depth != 1:
        raise PermissionDenied("只有最上级的学习教育办可以上传活动定义文件。")
    return scope


def _read_upload(request: HttpRequest, name: str) -> tuple[bytes | None, str]:
    """An uploaded file's bytes and name, its size checked before it is read."""
    upload = request.FILES.get(name)
    if upload is None:
        return None, ""
    filename = (upload.name or name)[:200]
    upload_limit_check(name=filename, size=upload.size or 0)
    return upload.read(), filename


@login_required
def campaign_upload(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST with files: check and preview. POST with ``publish``: publish the
    texts previewed (checked again)."""
    scope = _require_top_office(request)
    context: dict[str, object] = {}
    if request.method == "POST":
        try:
            if request.POST.get("publish"):
                return _publish(request)
            source, source_name = _read_upload(request, "source")
            template, template_name = _read_upload(request, "template")
            if source is None:
                raise UserError("请选择活动定义文件（.toml）。")
            parsed = campaign_upload_check(
                source=source,
                source_name=source_name,
                template=template,
                template_name=template_name,
            )
            context["preview"] = campaign_preview(parsed=parsed, unit=scope)
        except UserError as exc:
            context["error"] = str(exc)
    status = 400 if "error" in context else 200
    return render(request, "campaigns/upload.html", page_context(request, **context), status=status)


def _publish(request: HttpRequest) -> HttpResponse:
    source_name = text_param(request.POST, "source_name")
    template_name = text_param(request.POST, "template_name")
    source = _b64(request, "source_b64", source_name)
    template = _b64(request, "template_b64", template_name)
    parsed = campaign_upload_check(
        source=source, source_name=source_name, template=template, template_name=template_name
    )
    if parsed.sha256 != text_param(request.POST, "sha256"):
        raise UserError("提交的内容与预览的不一致，请重新上传。")
    campaign, version = campaign_upload_publish(
        parsed=parsed, user=request.user, note=text_param(request.POST, "note")[:200]
    )
    messages.success(request, f"已发布{campaign}第{version.number}版。")
    return HttpResponseRedirect(with_campaign(reverse("campaign_versions"), campaign.code))


def _b64(request: HttpRequest, name: str, filename: str) -> bytes:
    """A previewed file sent back byte for byte (base64 in a hidden field: a textarea would
    change its line ends); its size checked before it is decoded further."""
    raw = str(request.POST.get(name, ""))
    upload_limit_check(name=filename or name, size=len(raw) * 3 // 4)
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise UserError("提交的内容与预览的不一致，请重新上传。") from exc
