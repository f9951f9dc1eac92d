"""Campaign template + figures + rules → :class:`ReportDocument`, checked before anyone sees it.

The template (Jinja2, a text file beside the campaign file) writes blocks as lines: ``@body``
starts a paragraph and the following lines are joined into it. The ``fig`` filter wraps a
figure's printed text in private-use markers carrying its code; :func:`blocks_parse` splits the
markers back into ``Run(text, figure=code)`` so every renderer can link figures to their sources.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from xunzhi.figures.display import figure_display
from xunzhi.figures.services import FigureSet, FigureValue, RuleResult
from xunzhi.lib.errors import UserError
from xunzhi.reports.document import Block, ReportDocument, Run

OPEN, MID, CLOSE = "\ue000", "\ue001", "\ue002"
MARKER = re.compile(f"{OPEN}([^{MID}]+){MID}([^{CLOSE}]*){CLOSE}")
KINDS = {
    "title": "title",
    "addressee": "addressee",
    "h1": "heading1",
    "h2": "heading2",
    "h3": "heading3",
    "h4": "heading4",
    "body": "body",
    "signature": "signature",
    "date": "date",
}
MAX_PROBLEMS = 4
CN_DIGITS = "零一二三四五六七八九十"


class TemplateFigureError(UserError):
    """The template printed a figure that is missing."""


class ReportCheckError(UserError):
    """The generated text failed its own check (placeholder, None, empty quotes, zero boast)."""


def cn_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十."""
    if n <= 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + CN_DIGITS[n - 10]
    tens, ones = divmod(n, 10)
    return CN_DIGITS[tens] + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def md_date(value: dt.date | None) -> str:
    return f"{value.month}月{value.day}日" if value else ""


def _mark(code: str, text: str) -> str:
    return f"{OPEN}{code}{MID}{text}{CLOSE}"


def _fig(value: Any, style: str | None = None) -> str:
    if not isinstance(value, FigureValue):
        if isinstance(value, jinja2.Undefined):
            raise TemplateFigureError("报告模板引用了未定义的数据项（请检查 f.代码 是否写错）。")
        return figure_display(value, style or "exact")
    if value.missing:
        raise TemplateFigureError(
            f"报告模板在数据项 {value.code}（{value.name}）缺失时仍然引用了它，"
            "请在模板中用 {% if f." + value.code + " %} 包住该句。"
        )
    if value.kind == "list":
        return _mark(value.code, str(value.value))
    text = figure_display(value.value, style) if style else value.text
    return _mark(value.code, text or "")


_ENVIRONMENT: jinja2.Environment | None = None


def template_environment() -> jinja2.Environment:
    """The shared Jinja2 environment (its template cache keeps compiled templates)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = _environment_build()
    return _ENVIRONMENT


def _environment_build() -> jinja2.Environment:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        fig=_fig,
        exact=lambda v: _fig(v, "exact"),
        duo=lambda v: _fig(v, "多"),
        yu=lambda v: _fig(v, "余"),
        wan=lambda v: _fig(v, "万"),
        pct=lambda v: _fig(v, "%"),
        cn_ordinal=cn_ordinal,
        cn_date=cn_date,
        md_date=md_date,
    )
    return env


_COMPILED: dict[str, jinja2.Template] = {}


def _compiled(env: jinja2.Environment, source: str) -> jinja2.Template:
    """Compile a template text once per process (templates are edited rarely, read often)."""
    template = _COMPILED.get(source)
    if template is None:
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        template = _COMPILED[source] = env.from_string(source)
    return template


class _Figures(dict):
    """``f.F02`` in templates; an unknown code fails loudly instead of printing nothing."""

    def __getattr__(self, code: str) -> FigureValue:
        try:
            return self[code]
        except KeyError:
            raise TemplateFigureError(f"报告模板引用了不存在的数据项 {code}。") from None


def blocks_parse(text: str) -> list[Block]:
    """Template output → blocks; figure markers → runs carrying the figure code."""
    blocks: list[Block] = []
    kind: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if kind is None:
            return
        joined = "".join(lines).strip()
        if joined:
            blocks.append(Block(kind=kind, runs=_runs(joined)))  # type: ignore[arg-type]

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("@"):
            word, _, rest = line[1:].partition(" ")
            if word not in KINDS:
                raise UserError(
                    f"报告模板中有未知的段落类型“@{word}”（可用：{'、'.join(KINDS)}）。"
                )
            flush()
            kind, lines = KINDS[word], [rest.strip()] if rest.strip() else []
            continue
        if line:
            if kind is None:
                raise UserError("报告模板的正文必须以“@段落类型”开头（如 @title、@body）。")
            lines.append(line)
    flush()
    return blocks


def _runs(text: str) -> list[Run]:
    runs: list[Run] = []
    position = 0
    for match in MARKER.finditer(text):
        if match.start() > position:
            runs.append(Run(text[position : match.start()]))
        runs.append(Run(match.group(2), figure=match.group(1)))
        position = match.end()
    if position < len(text):
        runs.append(Run(text[position:]))
    return runs


# A lone Latin x (a placeholder), None/nan, empty quotes, an unrendered tag, a zero boast.
_CHECKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<![A-Za-z])[xXｘＸ](?![A-Za-z])"), "残留的占位符“x”"),
    (re.compile(r"(?<![A-Za-z])(?:None|nan|NaN|null|undefined)(?![A-Za-z])"), "“None”等空值"),
    (re.compile(r"“\s*”|\"\s*\"|「\s*」|《\s*》|（\s*）"), "空引号或空括号"),
    (re.compile(r"\{\{|\}\}|\{%|%\}"), "未渲染的模板标记"),
    (
        re.compile(
            r"(?<![\d.])0(?:\.0+)?(?:多|余|万)?(?:个|场次|人次|件|支|名|批次|集|次|场|项|人|%)"
        ),
        "数量为零的表述",
    ),
    (re.compile(f"[{OPEN}{MID}{CLOSE}]"), "未处理的数据项标记"),
]


def document_check(doc: ReportDocument) -> None:
    """Refuse a document with a placeholder, None, empty quotes or a zero boast: fail loudly."""
    problems: list[str] = []
    for index, block in enumerate(doc.blocks, start=1):
        text = block.text
        for pattern, label in _CHECKS:
            for match in pattern.finditer(text):
                start = max(0, match.start() - 12)
                problems.append(f"第 {index} 段有{label}：…{text[start : match.end() + 12]}…")
        if not text.strip():
            problems.append(f"第 {index} 段为空。")
    if not doc.blocks:
        problems.append("报告没有任何内容。")
    if problems:
        raise ReportCheckError("报告自检未通过，已停止生成：\n" + "\n".join(problems[:20]))


@dataclass
class ProblemText:
    code: str
    name: str
    sentence: str
    suggestion: str
    strength: float
    units: int


def _number(value: Any, percent: bool) -> str:
    if value is None:
        return ""
    return figure_display(Decimal(str(value)), "%" if percent else "exact")


def _rule_context(result: RuleResult, campaign_settings: dict[str, Any]) -> dict[str, Any]:
    rule = result.rule
    first = rule.conditions[0] if rule else None
    percent = bool(first and first.percent)
    threshold = next(iter(result.thresholds.values()), None)
    value = None
    if result.units and first is not None:
        value = result.units[0].measures.get(first.label) if rule.is_self else None
    total_short = (
        sum(Decimal(str(u.measures.get(first.label) or 0)) for u in result.short_units)
        if first
        else 0
    )
    return {
        "units": result.units_short,
        "total": result.units_total,
        "share": figure_display(Decimal(str(result.share)), "%"),
        "threshold": _number(threshold, percent),
        "value": _number(value, percent),
        "value_raw": value,
        "sum": _number(total_short, percent),
        "settings": campaign_settings,
    }


def problems_text(rules: list[RuleResult], campaign_settings: dict[str, Any]) -> list[ProblemText]:
    """Sentences of the fired rules, strongest first, at most four."""
    env = template_environment()
    out: list[ProblemText] = []
    fired = sorted((r for r in rules if r.fired), key=lambda r: -r.strength)
    for result in fired[:MAX_PROBLEMS]:
        context = _rule_context(result, campaign_settings)
        result.context = context
        rule = result.rule
        sentence = _compiled(env, rule.sentence).render(**context).strip().rstrip("。；;")
        suggestion = (
            _compiled(env, rule.suggestion).render(**context).strip().rstrip("。；;")
            if rule.suggestion
            else ""
        )
        result.sentence, result.suggestion = sentence, suggestion
        out.append(
            ProblemText(
                code=result.code,
                name=result.name,
                sentence=sentence,
                suggestion=suggestion,
                strength=result.strength,
                units=result.units_short,
            )
        )
    return out


def weakest_measures(rules: list[RuleResult], *, limit: int = 2) -> list[dict[str, str]]:
    """When no rule fires: the units furthest below the average of each unit-level measure."""
    out: list[tuple[Decimal, dict[str, str]]] = []
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
            average = sum(v for _, v in measured) / len(measured)
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


def document_compose(
    *,
    template_text: str,
    figures: FigureSet,
    rules: list[RuleResult],
    evaluation: Any,
    unit_name: str,
    campaign_name: str,
    campaign_settings: dict[str, Any],
    meta: dict[str, str] | None = None,
) -> ReportDocument:
    """Render the template with figures and rules, parse it into blocks and check the result."""
    problems = problems_text(rules, campaign_settings)
    context = {
        "f": _Figures(figures.values),
        "ev": evaluation,
        "unit": unit_name,
        "campaign": campaign_name,
        "problems": problems,
        "suggestions": [p.suggestion for p in problems if p.suggestion],
        "weak": [] if problems else weakest_measures(rules),
        "cutoff": figures.cutoff,
        "until": figures.until,
        "settings": campaign_settings,
    }
    env = template_environment()
    try:
        text = _compiled(env, template_text).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"报告模板第 {exc.lineno} 行语法错误：{exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise UserError(f"报告模板引用了未定义的内容：{exc.message}") from exc
    blocks = blocks_parse(text)
    title = next(
        (b.text for b in blocks if b.kind == "title"), f"{unit_name}{campaign_name}评估报告"
    )
    doc = ReportDocument(title=title, blocks=blocks, meta=dict(meta or {}))
    document_check(doc)
    return doc


def template_read(path: str | Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到报告模板：{path}")
    return path.read_text(encoding="utf-8")
