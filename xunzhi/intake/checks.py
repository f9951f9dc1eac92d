"""Checks over every parsed row of an import at once (phase one), after each row was read:
a natural key twice in the import, the campaign's value pairs (numerator ≤ denominator) on
the values as they will stand, and reported values locked by a submission or approval."""

from __future__ import annotations

from decimal import Decimal

from xunzhi.intake.plan import ImportIssue, ParsedSheet, Plan
from xunzhi.intake.resolve import LeaderRef, OrgRef
from xunzhi.ledgers.models import ReportedValue, ValueSubmission
from xunzhi.lib.numbers import decimal_text


def checks_run(plan: Plan) -> None:
    check_duplicates(plan)
    check_value_pairs(plan)
    check_locked_values(plan)


def _key_value(value: object) -> object:
    if isinstance(value, OrgRef):
        return value.code
    if isinstance(value, LeaderRef):
        return value.key
    return value


def check_duplicates(plan: Plan) -> None:
    """A natural key twice in one import would be written twice: refuse it, naming both rows."""
    seen: dict[tuple[object, ...], tuple[str, str, int]] = {}
    for parsed in plan.sheets:
        key_fields = parsed.kind.natural_key
        pos = [parsed.fields.index(k) for k in key_fields]
        label = "、".join(parsed.kind.column_for_field(k).header for k in key_fields)
        for rec, row_no in zip(parsed.records, parsed.rows, strict=True):
            key = (parsed.kind.key, *(_key_value(rec[i]) for i in pos))
            first = seen.get(key)
            if first is None:
                seen[key] = (parsed.file, parsed.raw.name, row_no)
                continue
            where = first[1] if first[0] == parsed.file else f"{first[0]} {first[1]}"
            plan.errors.append(
                ImportIssue(
                    parsed.file,
                    parsed.raw.name,
                    row_no,
                    "",
                    "",
                    f"与工作表“{where}”第{first[2]}行重复（{label}相同）",
                )
            )


def check_value_pairs(plan: Plan) -> None:
    """The campaign's ``value_checks`` (a numerator never above its denominator, never without
    it) on the values as they will stand after the import: the file's over the database's."""
    checks = plan.campaign.spec.value_checks
    sheets = [p for p in plan.sheets if p.kind.key == "values"]
    if not checks or not sheets:
        return
    items = {c.numerator for c in checks} | {c.denominator for c in checks}
    state: dict[tuple[str, str], dict[str, Decimal]] = {}
    where: dict[tuple[str, str, str], tuple[ParsedSheet, int]] = {}
    for parsed in sheets:
        f = parsed.fields
        i_org, i_period, i_item, i_value = (f.index(k) for k in ("org", "period", "item", "value"))
        for rec, row_no in zip(parsed.records, parsed.rows, strict=True):
            if rec[i_item] in items:
                group = (rec[i_org].code, rec[i_period])
                state.setdefault(group, {})[rec[i_item]] = rec[i_value]
                where[(*group, rec[i_item])] = (parsed, row_no)
    if not state:
        return
    stored = ReportedValue.objects.filter(
        campaign=plan.campaign, item__in=items, org__code__in={g[0] for g in state}
    ).values_list("org__code", "period", "item", "value")
    for code, period, item, value in stored:
        known = state.get((code, period))
        if known is not None:
            known.setdefault(item, value)
    for (code, period), values in state.items():
        for check in checks:
            num, den = values.get(check.numerator), values.get(check.denominator)
            if num is None:
                continue
            if den is None:
                reason = f"填写了“{check.numerator}”时必须同时填写“{check.denominator}”"
            elif num > den:
                reason = (
                    f"“{check.numerator}”（{decimal_text(num)}）不能大于"
                    f"“{check.denominator}”（{decimal_text(den)}）"
                )
            else:
                continue
            spot = where.get((code, period, check.numerator)) or where.get(
                (code, period, check.denominator)
            )
            if spot is None:
                continue
            parsed, row_no = spot
            c, header = parsed.table.columns["数值"]
            plan.errors.append(
                ImportIssue(parsed.file, parsed.raw.name, row_no, header, "", reason, c)
            )


def check_locked_values(plan: Plan) -> None:
    """Reported values of a unit and period that are submitted or approved are locked: an
    import may not change them behind the reviewer's back (return or un-approve first).
    Rows that leave a locked value as it is (re-importing the same file) are fine."""
    from xunzhi.ledgers.services import LOCKED_STATUSES

    sheets = [p for p in plan.sheets if p.kind.key == "values"]
    if not sheets:
        return
    rows: dict[tuple[str, str], list[tuple[ParsedSheet, int, str, Decimal]]] = {}
    for parsed in sheets:
        f = parsed.fields
        i_org, i_period, i_item, i_value = (f.index(k) for k in ("org", "period", "item", "value"))
        for rec, row_no in zip(parsed.records, parsed.rows, strict=True):
            group = (rec[i_org].code, rec[i_period])
            rows.setdefault(group, []).append((parsed, row_no, rec[i_item], rec[i_value]))
    locked = {
        (code, period): status
        for code, period, status in ValueSubmission.objects.filter(
            campaign=plan.campaign,
            status__in=LOCKED_STATUSES,
            org__code__in={code for code, _ in rows},
            period__in={period for _, period in rows},
        ).values_list("org__code", "period", "status")
        if (code, period) in rows
    }
    if not locked:
        return
    stored = {
        (code, period, item): value
        for code, period, item, value in ReportedValue.objects.filter(
            campaign=plan.campaign,
            org__code__in={code for code, _ in locked},
            period__in={period for _, period in locked},
        ).values_list("org__code", "period", "item", "value")
    }
    for (code, period), status in sorted(locked.items()):
        for parsed, row_no, item, value in rows[(code, period)]:
            if stored.get((code, period, item)) == value:
                continue
            plan.errors.append(
                ImportIssue(
                    parsed.file,
                    parsed.raw.name,
                    row_no,
                    "",
                    "",
                    f"该单位 {period} 的填报数据{status}，已锁定，不能通过导入修改"
                    "（请审核人先退回或撤销审核）",
                )
            )
