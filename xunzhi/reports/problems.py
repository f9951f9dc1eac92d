"""Fired rules → the problems a report shows: their order, their sentences and suggestions.

A rule's ``sentence``, ``suggestion`` and ``suggestion_title`` are small Jinja2 templates
(docs/campaign-format.md, "Rules"); :func:`rule_context` lists the names they may use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

import jinja2

from xunzhi.campaigns.spec import CampaignSpec
from xunzhi.figures.display import figure_display
from xunzhi.figures.services import RuleResult
from xunzhi.figures.spec import RuleDef
from xunzhi.lib.errors import UserError
from xunzhi.reports.templating import compiled_template, plain, template_environment


@dataclass
class ProblemText:
    code: str
    name: str
    goal: str
    sentence: str
    suggestion: str
    suggestion_title: str
    strength: float
    units: int


def _number(value: Decimal | int | float | None, percent: bool) -> str:
    if value is None:
        return ""
    return figure_display(Decimal(str(value)), "%" if percent else "exact")


def _joined(names: list[str]) -> str:
    """甲, 甲和乙, 甲、乙和丙."""
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + "和" + names[-1]


def examples_text(names: list[str], short: int, total: int) -> str:
    """The short units a sentence names: 如甲、乙、丙等 (some of them), 为甲和乙 (all of them),
    以甲、乙、丙较为突出 (every measured unit is short: the worst ones)."""
    if not names:
        return ""
    if len(names) < short:
        if short == total:
            return "以" + "、".join(names) + "较为突出"
        return "如" + "、".join(names) + "等"
    return "为" + _joined(names)


def rule_context(result: RuleResult, base: dict[str, Any]) -> dict[str, Any]:
    """The names a rule's sentence and suggestion may use (docs/campaign-format.md)."""
    rule = result.rule
    first = rule.conditions[0] if rule else None
    percent = bool(first and first.percent)
    threshold = result.thresholds.get(first.label) if first else None
    value = None
    if rule is not None and rule.is_self and result.units and first is not None:
        value = result.units[0].measures.get(first.label)
    names = [u.label or u.name for u in result.examples]
    everyone = result.units_short == result.units_total and result.units_short > 1
    named_all = bool(names) and len(names) == result.units_short
    return {
        **base,
        "units": result.units_short,
        "total": result.units_total,
        "base": result.units_total,
        "share": figure_display(Decimal(str(result.share)), "%"),
        "threshold": _number(threshold, percent),
        "value": _number(value, percent),
        "value_raw": value,
        "sum": _number(result.short_sum(), percent),
        "sum_raw": result.short_sum(),
        "everyone": everyone,
        "zero_units": result.zero_units(),
        "unit_word": result.unit_word,
        "base_word": result.base_word,
        "extent": f"{'全部' if everyone else ''}{result.units_short}个{result.unit_word}",
        "examples": names,
        "examples_text": examples_text(names, result.units_short, result.units_total),
        "who": _joined(names) if named_all else f"{result.units_short}个{result.unit_word}",
        "some": "个别" if result.units_short == 1 else "一些",
        "part": "个别" if result.units_short == 1 else "部分",
    }


def problems_select(
    rules: list[RuleResult], *, spec: CampaignSpec
) -> tuple[list[RuleResult], list[RuleResult]]:
    """The fired rules the report shows (in order) and those it leaves out, by the campaign's
    ``[report]`` settings; marks each result's ``shown`` and ``omitted``."""
    report = spec.report
    goals = list(spec.goals)
    order = report["problems_order"]

    def goal_index(result: RuleResult) -> int:
        return goals.index(result.goal) if result.goal in goals else len(goals)

    def index(result: RuleResult) -> int:
        return result.rule.index if result.rule else 0

    if order == "strength":
        key: Callable[[RuleResult], Any] = lambda r: (-r.strength, index(r))  # noqa: E731
    elif order == "file":
        key = index
    elif isinstance(order, list):
        key = lambda r: (  # noqa: E731
            order.index(r.code) if r.code in order else len(order),
            goal_index(r),
            index(r),
        )
    else:
        key = lambda r: (goal_index(r), index(r))  # noqa: E731
    fired = sorted((r for r in rules if r.fired), key=key)
    limit = int(report["problems_max"])
    for result in rules:
        result.shown, result.omitted = None, ""
    for result in fired[:limit]:
        result.shown = True
    for result in fired[limit:]:
        result.shown = False
        result.omitted = f"超出报告所列问题条数（{limit}条）"
    return fired[:limit], fired[limit:]


def problems_text(results: list[RuleResult], base: dict[str, Any]) -> list[ProblemText]:
    """Render each fired rule's sentence and suggestion (stored on the result, without figure
    markers, for the check sheet and the dashboard)."""
    env = template_environment()
    out: list[ProblemText] = []
    for result in results:
        rule = result.rule
        if rule is None:
            continue
        context = rule_context(result, base)
        result.context = {k: v for k, v in context.items() if k not in base}

        def render(
            text: str, what: str, rule: RuleDef = rule, context: dict[str, Any] = context
        ) -> str:
            if not text:
                return ""
            try:
                return compiled_template(env, text).render(**context).strip().rstrip("。；;")
            except jinja2.TemplateSyntaxError as exc:
                raise UserError(f"规则 {rule.code} 的 {what} 语法错误：{exc.message}") from exc
            except jinja2.UndefinedError as exc:
                raise UserError(
                    f"规则 {rule.code} 的 {what} 引用了未定义的内容：{exc.message}"
                ) from exc

        sentence = render(rule.sentence, "sentence")
        suggestion = render(rule.suggestion, "suggestion")
        result.sentence, result.suggestion = plain(sentence), plain(suggestion)
        out.append(
            ProblemText(
                code=result.code,
                name=result.name,
                goal=rule.goal,
                sentence=sentence,
                suggestion=suggestion,
                suggestion_title=render(rule.suggestion_title, "suggestion_title"),
                strength=result.strength,
                units=result.units_short,
            )
        )
    return out


class WeakMeasure(TypedDict):
    """``weak`` in the template: a measure where one unit lies furthest below the average."""

    label: str
    unit: str
    value: str
    average: str


def weakest_measures(rules: list[RuleResult], *, limit: int = 2) -> list[WeakMeasure]:
    """When no rule fires: the units furthest below the average of each unit-level measure."""
    out: list[tuple[Decimal, WeakMeasure]] = []
    for result in rules:
        if result.rule is None or result.rule.is_self or len(result.units) < 2:
            continue
        for condition in result.rule.conditions:
            if condition.compare not in ("<", "<="):
                continue  # only measures where more is better
            measured = [
                (u, Decimal(str(u.measures[condition.label])))
                for u in result.units
                if u.measures.get(condition.label) is not None
            ]
            if len(measured) < 2:
                continue
            average = sum((v for _, v in measured), Decimal(0)) / len(measured)
            unit, lowest = min(measured, key=lambda pair: pair[1])
            if average <= 0 or lowest >= average:
                continue
            gap = (average - lowest) / average
            out.append(
                (
                    gap,
                    {
                        "label": condition.label or result.name,
                        "unit": unit.name,
                        "value": _number(lowest, condition.percent),
                        "average": _number(
                            average if condition.percent else average.quantize(Decimal("0.1")),
                            condition.percent,
                        ),
                    },
                )
            )
    out.sort(key=lambda pair: -pair[0])
    return [item for _, item in out[:limit]]
