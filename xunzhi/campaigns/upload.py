"""A campaign file and its report template uploaded in the browser: limits before parsing, the
same checks (and messages) as ``xunzhi init``, a preview against the current data, publishing as
a new version (``services.campaign_publish``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import jinja2
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from xunzhi.audit.models import AuditEntry
from xunzhi.campaigns.models import Campaign, CampaignVersion
from xunzhi.campaigns.services import _jsonable, campaign_publish
from xunzhi.campaigns.spec import CampaignFile, campaign_parse
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org


def upload_limit_check(*, name: str, size: int) -> None:
    """Refuse a file above ``CAMPAIGN_UPLOAD_MAX_KB`` before a byte of it is parsed."""
    limit = settings.CAMPAIGN_UPLOAD_MAX_KB
    if size > limit * 1024:
        raise UserError(f"文件“{name}”大小为 {size // 1024} KB，超过上限 {limit} KB。")


def campaign_upload_check(
    *, source: bytes, source_name: str, template: bytes | None, template_name: str
) -> CampaignFile:
    """Check an uploaded campaign file and template as the command line checks a file."""
    upload_limit_check(name=source_name, size=len(source))
    if not source_name.lower().endswith(".toml"):
        raise UserError(f"活动定义文件“{source_name}”应为 .toml 文件。")
    template_text: str | None = None
    if template:
        upload_limit_check(name=template_name, size=len(template))
        try:
            template_text = template.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UserError(f"报告模板“{template_name}”不是 UTF-8 编码。") from exc
    parsed = campaign_parse(
        source, source=source_name, base_dir=None, template_text=template_text or ""
    )
    if parsed.spec.template_path and not template_text:
        raise UserError(
            f"活动定义文件 {source_name} 指定了报告模板“{parsed.spec.template_path}”，请一并上传。"
        )
    if template_text:
        from xunzhi.reports.templating import template_environment

        try:
            template_environment().parse(template_text)
        except jinja2.TemplateSyntaxError as exc:
            raise UserError(
                f"报告模板“{template_name}”第 {exc.lineno} 行有误：{exc.message}"
            ) from exc
    return parsed


@dataclass
class CampaignPreview:
    parsed: CampaignFile
    existing: Campaign | None  # the campaign of the same code, when it is an update
    figures: list[tuple[str, str, str | None]] = field(default_factory=list)  # code, name, text
    fired: list[str] = field(default_factory=list)
    not_fired: list[str] = field(default_factory=list)
    report: list[str] = field(default_factory=list)  # the sample report's paragraphs
    report_error: str = ""

    @property
    def source_b64(self) -> str:
        return base64.b64encode(self.parsed.text.encode("utf-8")).decode("ascii")

    @property
    def template_b64(self) -> str:
        return base64.b64encode(self.parsed.template_text.encode("utf-8")).decode("ascii")


def campaign_preview(*, parsed: CampaignFile, unit: Org) -> CampaignPreview:
    """Figures, rules and a sample report of ``parsed`` over ``unit`` with the data now in the
    database: that of the campaign of the same code, else of the current campaign. Writes
    nothing."""
    from xunzhi.figures.services import figures_compute, rules_evaluate
    from xunzhi.reports.services import evaluation_for, report_compose

    spec = parsed.spec
    existing = Campaign.objects.filter(code=spec.code).first()
    data_of = existing or Campaign.objects.filter(is_current=True).first()
    draft = Campaign(
        pk=data_of.pk if data_of else None,
        code=spec.code,
        name=spec.name,
        start_date=spec.start,
        end_date=spec.end,
        config=_jsonable(parsed.data),
        version=CampaignVersion(template_text=parsed.template_text, name=spec.name),
    )
    preview = CampaignPreview(parsed=parsed, existing=existing)
    until = min(max(timezone.localdate(), spec.start), spec.end)
    figures = figures_compute(campaign=draft, unit=unit, until=until)
    preview.figures = [(code, value.name, value.text) for code, value in figures.values.items()]
    for rule in rules_evaluate(campaign=draft, unit=unit, until=until):
        (preview.fired if rule.fired else preview.not_fired).append(rule.name)
    if parsed.template_text:
        evaluation = evaluation_for(campaign=draft, unit=unit)
        evaluation.until = until
        try:
            document = report_compose(evaluation=evaluation).document
            preview.report = [block.text for block in document.blocks]
        except UserError as exc:
            preview.report_error = str(exc)
    return preview


def campaign_upload_publish(
    *, parsed: CampaignFile, user: AbstractBaseUser | AnonymousUser, note: str = ""
) -> tuple[Campaign, CampaignVersion]:
    """Publish a checked upload as the campaign's next version."""
    if not isinstance(user, User):
        raise UserError("请先登录。")
    with transaction.atomic():
        campaign, _loaded, version = campaign_publish(parsed=parsed, user=user, note=note)
        AuditEntry.objects.log_create(
            version,
            action=AuditEntry.Action.CREATE,
            changes={
                "number": ["None", str(version.number)],
                "source_name": ["None", version.source_name],
                "template_name": ["None", version.template_name],
                "sha256": ["None", version.sha256],
                "note": ["None", version.note],
            },
            force_log=True,
        )
    return campaign, version
