"""Writes of the evaluation: manual scores (surveys: :mod:`xunzhi.evaluation.surveys`).

Every write by a person is audited (django-auditlog signals on ``save``) and carries the
version the person saw: a stale version is refused, nothing is written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from xunzhi.campaigns.models import Campaign
from xunzhi.evaluation.models import ManualScore
from xunzhi.evaluation.spec import campaign_evaluation_spec
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org

#: The version a form shows for a score nobody has entered yet.
UNSCORED_VERSION = 0
NOTE_MAX = 2000


def _score(raw: Any, points: Decimal) -> Decimal:
    text = str(raw if raw is not None else "").strip()[:20]
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UserError(f"得分“{text}”不是数字。") from None
    if not value.is_finite() or value < 0 or value > points:
        raise UserError(f"得分必须在 0 到 {points.normalize():f} 分之间。")
    if value != value.quantize(Decimal("0.01")):
        raise UserError("得分最多保留两位小数。")
    return value


def manual_score_save(
    *,
    campaign: Campaign,
    org: Org,
    indicator: str,
    score: Any,
    note: str,
    version: int,
    user: Any = None,
    scope: Org | None = None,
) -> ManualScore:
    """Enter or change the manual score of ``org`` on ``indicator`` if nobody changed it since
    ``version`` was read (``UNSCORED_VERSION`` for a first score); the note is required."""
    spec = campaign_evaluation_spec(campaign)
    item = spec.by_code.get(indicator)
    if item is None or item.kind != "manual":
        raise UserError(f"指标“{indicator}”不是人工评分指标。")
    if scope is not None and not org.path.startswith(scope.path):
        raise UserError("该单位不在您的管理范围内。")
    value = _score(score, item.points)
    note = (note or "").replace("\x00", "").strip()
    if not note:
        raise UserError("请填写评分说明（依据、发现的问题）。")
    if len(note) > NOTE_MAX:
        raise UserError(f"评分说明不能超过 {NOTE_MAX} 字。")
    name = ""
    if user is not None and getattr(user, "pk", None):
        profile = getattr(user, "xz_profile", None)
        name = getattr(profile, "display_name", "") or user.get_username()
    with transaction.atomic():
        current = (
            ManualScore.objects.select_for_update()
            .filter(campaign=campaign, org=org, indicator=indicator)
            .first()
        )
        seen = current.version if current is not None else UNSCORED_VERSION
        if seen != version:
            raise UserError(
                f"保存失败：{org.name}的“{item.name}”评分已被其他用户修改（您看到的是第 {version} 版，"
                f"当前是第 {seen} 版）。您的评分未保存，请刷新页面查看后重新评分。"
            )
        if current is None:
            current = ManualScore(campaign=campaign, org=org, indicator=indicator, version=0)
        current.score = value
        current.note = note
        current.scored_by = user if getattr(user, "pk", None) else None
        current.scored_by_name = name
        current.scored_at = timezone.now()
        current.version += 1
        current.save()
    return current
