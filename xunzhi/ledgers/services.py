"""Writes to the ledgers from people (the web forms, the CLI): create, edit, delete and the
reported-value workflow (save, submit, approve, return, un-approve).

Every edit carries the ``version`` the user saw. An edit whose version is stale is refused with a
message naming who must refresh, never silently overwritten (optimistic locking). Every write
checks that the organisation lies inside the caller's scope (a subtree), and reported values of a
submitted or approved period are locked. Bulk imports live in :mod:`xunzhi.intake`.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from xunzhi.audit.services import audit_log_delete, audit_log_update
from xunzhi.ledgers import registry
from xunzhi.ledgers.models import (
    LedgerRow,
    ReportedValue,
    SubmissionStatus,
    ValueSubmission,
)
from xunzhi.lib.errors import UserError
from xunzhi.lib.numbers import decimal_text
from xunzhi.organisations.models import Org

if TYPE_CHECKING:
    from xunzhi.campaigns.models import Campaign

#: kind → Chinese label, read from the registry of ledger kinds.
KIND_NAMES = registry.LABELS

#: kind → {field: (campaign spec attribute, what messages call it)}: the type-like fields whose
#: words come from the campaign file, read from the registry of ledger kinds.
CHOICE_FIELDS = registry.KindView(registry.campaign_choice_fields)

LOCKED_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)

#: Sent after every write of these services (``kind`` names the ledger); caches listen to it.
ledger_changed = Signal()


#: Checks run before a person's edit (``data``) or delete (``data`` is ``None``) of a stored row;
#: another app refuses with a :class:`UserError` (the supervision loop guards a 销号 problem).
edit_guards: list[Callable[[str, models.Model, dict[str, Any] | None], None]] = []


#: Checks run before an import updates stored rows: ``(kind, {row id: the row's new values by
#: field})`` → ``{row id: reason}`` for the rows another app refuses; any refusal refuses the
#: whole import, as a stale row does.
import_guards: list[Callable[[str, dict[int, dict[str, Any]]], dict[int, str]]] = []


def _check_guards(kind: str, current: models.Model, data: dict[str, Any] | None) -> None:
    for guard in edit_guards:
        guard(kind, current, data)


def _changed(kind: str) -> None:
    ledger_changed.send(sender=None, kind=kind)


def ledger_model(kind: str) -> type[LedgerRow]:
    try:
        return cast("type[LedgerRow]", registry.MODELS[kind])
    except KeyError as exc:
        known = "、".join(f"{k}（{v}）" for k, v in KIND_NAMES.items())
        raise UserError(f"未知的台账类型“{kind}”，应为：{known}。") from exc


def _check_scope(org: Org, scope: Org | None) -> None:
    if scope is not None and not org.in_subtree_of(scope):
        raise UserError(f"组织“{org.name}”不在您的管理范围（{scope.name}）内，不能修改其数据。")


def _check_choices(kind: str, campaign: Campaign, data: dict[str, Any]) -> None:
    spec = campaign.spec
    for field, (attr, label) in CHOICE_FIELDS.get(kind, {}).items():
        value = data.get(field)
        if value in (None, ""):
            continue
        allowed = getattr(spec, attr)
        if value not in allowed:
            raise UserError(
                f"{label}“{value}”不在本次学习教育活动的范围内，应为：{'、'.join(allowed)}。"
            )


def _check_dates(kind: str, campaign: Campaign, data: dict[str, Any]) -> None:
    if kind == "projects" and data.get("status") == "已完成" and not data.get("done_date"):
        raise UserError("状态为“已完成”的项目必须填写完成日期。")
    if kind == "problems" and data.get("status") == "已整改" and not data.get("done_date"):
        raise UserError("整改状态为“已整改”的问题必须填写完成日期。")
    for field in ("date", "done_date", "found_date"):
        value = data.get(field)
        if isinstance(value, dt.date) and value > campaign.end_date + dt.timedelta(days=366):
            raise UserError(f"日期 {value} 远在学习教育活动结束之后，请检查。")


def _check_value_lock(campaign: Campaign, org: Org, period: str) -> None:
    sub = ValueSubmission.objects.filter(campaign=campaign, org=org, period=period).first()
    if sub is not None and sub.status in LOCKED_STATUSES:
        raise UserError(
            f"{org.name} {period} 的填报数据{sub.status}，已锁定，不能修改；"
            + (
                "如需修改，请审核人先撤销审核。"
                if sub.status == SubmissionStatus.APPROVED
                else "请等待审核或退回。"
            )
        )


def _duplicate_message(kind: str) -> str:
    return f"{KIND_NAMES.get(kind, kind)}中已有相同的记录（同一组织下关键字段重复），未保存。"


@transaction.atomic
def ledger_create(
    *,
    kind: str,
    campaign: Campaign,
    data: dict[str, Any],
    scope: Org | None,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> models.Model:
    """Add one ledger row; ``data`` holds model field values (``org`` an :class:`Org`)."""
    model = ledger_model(kind)
    org = data.get("org")
    if not isinstance(org, Org):
        raise UserError("请选择组织。")
    _check_scope(org, scope)
    _check_choices(kind, campaign, data)
    _check_dates(kind, campaign, data)
    if kind == "values":
        data = dict(data, period_end=period_end(data["period"], campaign=campaign))
        _check_value_lock(campaign, org, data["period"])
    obj = model(campaign=campaign, **data)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise UserError(_duplicate_message(kind)) from exc
    _changed(kind)
    return obj


@transaction.atomic
def ledger_update(
    *,
    kind: str,
    campaign: Campaign,
    pk: int,
    version: int,
    data: dict[str, Any],
    scope: Org | None,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> models.Model:
    """Change one row if nobody changed it since ``version`` was read; else refuse."""
    model = ledger_model(kind)
    current = model.objects.select_for_update().filter(pk=pk, campaign=campaign).first()
    if current is None:
        raise UserError("该记录已不存在（可能已被其他用户删除）。")
    _check_scope(current.org, scope)
    org = data.get("org", current.org)
    _check_scope(org, scope)
    _check_guards(kind, current, data)
    _check_choices(kind, campaign, data)
    _check_dates(kind, campaign, data)
    if isinstance(current, ReportedValue):
        _check_value_lock(campaign, current.org, current.period)
        period = str(data.get("period", current.period))
        data = dict(data, period_end=period_end(period, campaign=campaign))
        _check_value_lock(campaign, org, period)
    if current.version != version:
        raise UserError(
            f"保存失败：该记录已被其他用户修改（您看到的是第 {version} 版，当前是第 "
            f"{current.version} 版）。您的修改未保存，请刷新页面查看最新内容后重新修改。"
        )
    fields = dict(data, version=F("version") + 1, updated_at=timezone.now())
    try:
        with transaction.atomic():
            changed = model.objects.filter(pk=pk, version=version).update(**fields)
    except IntegrityError as exc:
        raise UserError(_duplicate_message(kind)) from exc
    if changed != 1:  # pragma: no cover - guarded by select_for_update above
        raise UserError("保存失败：该记录已被其他用户修改，请刷新后重试。")
    _changed(kind)
    saved = model.objects.get(pk=pk)
    audit_log_update(before=current, after=saved)
    return saved


@transaction.atomic
def ledger_delete(
    *, kind: str, campaign: Campaign, pk: int, version: int, scope: Org | None
) -> None:
    """Delete one row if it is still at ``version``."""
    model = ledger_model(kind)
    current = model.objects.select_for_update().filter(pk=pk, campaign=campaign).first()
    if current is None:
        raise UserError("该记录已不存在（可能已被其他用户删除）。")
    _check_scope(current.org, scope)
    _check_guards(kind, current, None)
    if isinstance(current, ReportedValue):
        _check_value_lock(campaign, current.org, current.period)
    if current.version != version:
        raise UserError(
            f"删除失败：该记录已被其他用户修改（当前是第 {current.version} 版），请刷新后再确认删除。"
        )
    audit_log_delete(instance=current)  # before: a deleted instance forgets its pk
    try:
        current.delete()
    except models.ProtectedError as exc:
        raise UserError("该记录仍被其他记录引用，不能删除。") from exc
    _changed(kind)


# --- periods -----------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
WHOLE = "全程"


def period_end(period: str, *, campaign: Campaign) -> dt.date:
    """The last day of a period ``2021-06``, ``2021Q2`` or ``全程`` (the campaign's end)."""
    text = (period or "").strip()
    if text == WHOLE:
        return campaign.end_date
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return dt.date(year, month, calendar.monthrange(year, month)[1])
    if m := _QUARTER.match(text):
        year, month = int(m[1]), int(m[2]) * 3
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    raise UserError(f"期间“{period}”无效：应为月份（如 2021-06）、季度（如 2021Q2）或“全程”。")


def campaign_months(campaign: Campaign) -> list[str]:
    """The campaign's reporting months, ``2021-02`` … ``2022-01``."""
    months = []
    year, month = campaign.start_date.year, campaign.start_date.month
    while (year, month) <= (campaign.end_date.year, campaign.end_date.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- reported values -----------------------------------------------------------------------


def _parse_decimal(item: str, raw: Any) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise UserError(f"“{item}”的数值“{raw}”不是数字。") from exc
    if not value.is_finite():
        raise UserError(f"“{item}”的数值“{raw}”不是数字。")
    if value < 0:
        raise UserError(f"“{item}”不能为负数（填写的是 {value}）。")
    if value >= Decimal("1e14"):
        raise UserError(f"“{item}”的数值 {value} 太大。")
    return value.quantize(Decimal("0.01"))


def value_check_errors(campaign: Campaign, values: Mapping[str, Decimal | None]) -> list[str]:
    """The campaign's ``value_checks`` that ``values`` break: numerator above its denominator."""
    errors = []
    for check in campaign.spec.value_checks:
        num, den = values.get(check.numerator), values.get(check.denominator)
        if num is not None and den is None:
            errors.append(f"填写了“{check.numerator}”时必须同时填写“{check.denominator}”。")
        elif num is not None and den is not None and num > den:
            errors.append(
                f"“{check.numerator}”（{decimal_text(num)}）不能大于“{check.denominator}”（{decimal_text(den)}）。"
            )
    return errors


#: The version a form shows for a unit and period nobody has filled yet.
UNFILLED_VERSION = 0


def _submission(campaign: Campaign, org: Org, period: str, *, version: int) -> ValueSubmission:
    """The period's submission, locked, if it is still at ``version`` (``UNFILLED_VERSION``
    when the caller saw none); else the save is refused. Of two people filling the same unit
    and period for the first time, the second is refused instead of overwriting the first."""
    sub = (
        ValueSubmission.objects.select_for_update()
        .filter(campaign=campaign, org=org, period=period)
        .first()
    )
    if sub is None and version == UNFILLED_VERSION:
        try:
            with transaction.atomic():
                return ValueSubmission.objects.create(  # the save makes it version 1
                    campaign=campaign, org=org, period=period, version=UNFILLED_VERSION
                )
        except IntegrityError:  # someone else filled it first, just now
            sub = ValueSubmission.objects.select_for_update().get(
                campaign=campaign, org=org, period=period
            )
    if sub is None or sub.version != version:
        current = sub.version if sub is not None else UNFILLED_VERSION
        raise UserError(
            f"保存失败：{org.name} {period} 的填报数据已被其他用户修改（您看到的是第 {version} 版，"
            f"当前是第 {current} 版）。您的修改未保存，请刷新页面查看最新数据后重新填写。"
        )
    return sub


def _version_given(version: Any) -> int:
    """Every write of reported values names the version the user saw; none is a refused save."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise UserError(
            "保存失败：请求中缺少数据版本号，无法确认是否有人同时修改。请刷新页面后重试。"
        )
    return version


@transaction.atomic
def values_save(
    *,
    campaign: Campaign,
    org: Org,
    period: str,
    values: dict[str, Any],
    scope: Org | None,
    version: int,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> ValueSubmission:
    """Save one unit's values for one period (blank removes an item). Refused when locked,
    when a check fails, or when ``version`` (the submission's as the user saw it, 0 for a
    period nobody has filled) is stale or missing."""
    version = _version_given(version)
    _check_scope(org, scope)
    end = period_end(period, campaign=campaign)
    codes = campaign.spec.value_item_codes
    unknown = [k for k in values if k not in codes]
    if unknown:
        raise UserError(f"未知的填报指标：{'、'.join(unknown)}。")
    parsed = {code: _parse_decimal(code, values.get(code)) for code in codes if code in values}
    sub = _submission(campaign, org, period, version=version)
    if sub.status in LOCKED_STATUSES:
        _check_value_lock(campaign, org, period)
    existing = {
        rv.item: rv
        for rv in ReportedValue.objects.select_for_update().filter(
            campaign=campaign, org=org, period=period
        )
    }
    merged: dict[str, Decimal | None] = {code: rv.value for code, rv in existing.items()}
    merged.update(parsed)
    merged = {k: v for k, v in merged.items() if v is not None}
    errors = value_check_errors(campaign, merged)
    if errors:
        raise UserError("；".join(errors))
    now = timezone.now()
    for code, value in parsed.items():
        row = existing.get(code)
        if value is None:
            if row is not None:
                audit_log_delete(instance=row)
                row.delete()
        elif row is None:
            ReportedValue.objects.create(
                campaign=campaign, org=org, period=period, period_end=end, item=code, value=value
            )
        elif row.value != value:
            ReportedValue.objects.filter(pk=row.pk).update(
                value=value, version=F("version") + 1, updated_at=now
            )
            after = copy.copy(row)
            after.value = value
            audit_log_update(before=row, after=after)
    sub.status = SubmissionStatus.DRAFT if sub.status != SubmissionStatus.RETURNED else sub.status
    sub.version += 1
    sub.save(update_fields=["status", "version"])
    _changed("values")
    return sub


def _check_review_scope(org: Org, reviewer_scope: Org | None) -> None:
    """Approval is by the level above: the reviewer's scope must lie strictly above the unit,
    except for the top unit of the tree, which its own office reviews."""
    if reviewer_scope is None:
        return
    _check_scope(org, reviewer_scope)
    if org.path == reviewer_scope.path and reviewer_scope.depth > 1:
        raise UserError(f"{org.name} 的填报数据应由上级审核，不能由本级审核。")


def _reviewable(campaign: Campaign, org: Org, period: str, version: Any) -> ValueSubmission:
    """The period's submission, locked; a period nobody has filled cannot be acted on."""
    version = _version_given(version)
    sub = (
        ValueSubmission.objects.select_for_update()
        .filter(campaign=campaign, org=org, period=period)
        .first()
    )
    if sub is None:
        raise UserError(f"{org.name} {period} 还没有填报任何数据。")
    return sub


def _expect_version(sub: ValueSubmission, version: int) -> None:
    if sub.version != version:
        raise UserError(
            f"操作失败：{sub.org.name} {sub.period} 的填报状态已被其他用户改变（当前：{sub.status}），"
            "请刷新页面后再操作。"
        )


def _person(user: AbstractBaseUser | AnonymousUser | None) -> User | None:
    """The user to record on a submission (none for the command line or a system user)."""
    return user if isinstance(user, User) and user.pk else None


@transaction.atomic
def values_submit(
    *,
    campaign: Campaign,
    org: Org,
    period: str,
    scope: Org | None,
    version: int,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> ValueSubmission:
    """草稿/已退回 → 已提交, if every value check holds (then locked for the unit)."""
    _check_scope(org, scope)
    sub = _reviewable(campaign, org, period, version)
    _expect_version(sub, version)
    sub.ensure_can_submit()
    current = dict(
        ReportedValue.objects.filter(campaign=campaign, org=org, period=period).values_list(
            "item", "value"
        )
    )
    if not current:
        raise UserError(f"{org.name} {period} 还没有填报任何数据，不能提交。")
    errors = value_check_errors(campaign, current)
    if errors:
        raise UserError("；".join(errors))
    sub.submit(user=_person(user))
    _changed("values")
    return sub


@transaction.atomic
def values_approve(
    *,
    campaign: Campaign,
    org: Org,
    period: str,
    reviewer_scope: Org | None,
    version: int,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> ValueSubmission:
    """已提交 → 已审核: the values are locked until un-approved."""
    sub = _review_target(campaign, org, period, reviewer_scope, version)
    sub.approve(user=_person(user))
    _changed("values")
    return sub


@transaction.atomic
def values_return(
    *,
    campaign: Campaign,
    org: Org,
    period: str,
    reason: str,
    reviewer_scope: Org | None,
    version: int,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> ValueSubmission:
    """已提交 → 已退回 with a reason the unit sees; the unit may then edit and resubmit."""
    _check_review_scope(org, reviewer_scope)
    if not (reason or "").strip():
        raise UserError("退回时必须填写退回理由。")
    sub = _review_target(campaign, org, period, reviewer_scope, version)
    sub.send_back(reason=reason or "", user=_person(user))
    _changed("values")
    return sub


@transaction.atomic
def values_unapprove(
    *,
    campaign: Campaign,
    org: Org,
    period: str,
    reviewer_scope: Org | None,
    version: int,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> ValueSubmission:
    """已审核 → 已提交: unlocks the period for review again (the reviewer may then return it)."""
    sub = _review_target(campaign, org, period, reviewer_scope, version)
    sub.unapprove(user=_person(user))
    _changed("values")
    return sub


def _review_target(
    campaign: Campaign, org: Org, period: str, reviewer_scope: Org | None, version: int
) -> ValueSubmission:
    """The submission a reviewer acts on: in review scope, locked, at the version they saw."""
    _check_review_scope(org, reviewer_scope)
    sub = _reviewable(campaign, org, period, version)
    _expect_version(sub, version)
    return sub
