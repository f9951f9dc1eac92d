"""Campaign template + figures + rules → :class:`ReportDocument`, checked before anyone sees it.

The template (Jinja2, a text file beside the campaign file) writes blocks as lines: ``@body``
starts a paragraph and the following lines are joined into it. The ``fig`` filter wraps a
figure's printed text in private-use markers carrying its code; :func:`blocks_parse` splits the
markers back into ``Run(text, figure=code)`` so every renderer can link figures to their sources.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from xunzhi.campaigns.levels import Level
from xunzhi.figures.display import figure_display
from xunzhi.figures.engine import last_period_end
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


def rel_date(value: dt.date | None, report_date: dt.date | None) -> str:
    """6月30日 in a report of the same year, 2021年12月31日 in one dated 2022."""
    if value is None:
        return ""
    if report_date is not None and value.year == report_date.year:
        return md_date(value)
    return cn_date(value)


@jinja2.pass_context
def _rel_date(context, value: dt.date | None) -> str:
    return rel_date(value, context.get("report_date"))


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
        autoescape=False,  # noqa: S701 plain text for Word; HTML output escapes itself
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
        rel_date=_rel_date,
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


# A lone Latin x (a placeholder), None/nan, empty quotes, an unrendered tag, a six-digit number.
# Zero boasts are checked against the campaign's own measure words (see ``zero_pattern``).
_CHECKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<![A-Za-z])[xXｘＸ](?![A-Za-z])"), "残留的占位符“x”"),
    (re.compile(r"(?<![A-Za-z])(?:None|nan|NaN|null|undefined)(?![A-Za-z])"), "“None”等空值"),
    (re.compile(r"“\s*”|\"\s*\"|「\s*」|《\s*》|（\s*）"), "空引号或空括号"),
    (re.compile(r"\{\{|\}\}|\{%|%\}"), "未渲染的模板标记"),
    (re.compile(r"(?<![\d.])\d{6,}"), "六位以上的数字（应写作“万”）"),
    (re.compile(f"[{OPEN}{MID}{CLOSE}]"), "未处理的数据项标记"),
]
ZERO_LABEL = "数量为零的表述"


def zero_pattern(units: Iterable[str]) -> re.Pattern[str]:
    """A zero followed by one of ``units`` (and always by %): ``0个``, ``0期``, ``0.0万人次``."""
    words = sorted({u for u in units if u}, key=len, reverse=True)
    alternatives = "|".join([*(re.escape(w) for w in words), "%"])
    return re.compile(rf"(?<![\d.])0(?:\.0+)?(?:多|余|万)?(?:{alternatives})")


def campaign_units(spec: Any) -> set[str]:
    """Every measure word of the campaign file: its figures' and reported values' ``unit``."""
    units = {str(f.get("unit", "")) for f in spec.figures}
    units |= {item.unit for item in spec.value_items}
    return {u for u in units if u}


def document_check(
    doc: ReportDocument, *, units: Iterable[str] = (), zero_codes: Iterable[str] = ()
) -> None:
    """Refuse a document with a placeholder, None, empty quotes, a six-digit number or a zero
    boast — a zero before one of the campaign's measure words (``units``), or a run printing a
    figure whose value is zero (``zero_codes``): fail loudly, naming the paragraph."""
    checks = [*_CHECKS, (zero_pattern(units), ZERO_LABEL)]
    zeros = set(zero_codes)
    problems: list[str] = []
    for index, block in enumerate(doc.blocks, start=1):
        text = block.text
        for pattern, label in checks:
            for match in pattern.finditer(text):
                start = max(0, match.start() - 12)
                problems.append(f"第 {index} 段有{label}：…{text[start : match.end() + 12]}…")
        for run in block.runs:
            if run.figure in zeros:
                problems.append(f"第 {index} 段有{ZERO_LABEL}：数据项 {run.figure} 为零却被写入。")
        if not text.strip():
            problems.append(f"第 {index} 段为空。")
    if not doc.blocks:
        problems.append("报告没有任何内容。")
    if problems:
        raise ReportCheckError("报告自检未通过，已停止生成：\n" + "\n".join(problems[:20]))


def plain(text: str) -> str:
    """Text without figure markers (for the check sheet and the dashboard)."""
    return MARKER.sub(lambda m: m.group(2), text)


# --- time: cut-off, report date, stage, milestones ----------------------------------------------


@dataclass(frozen=True)
class ReportTime:
    """When the report stands: the cut-off, the report's date and what follows from them."""

    start: dt.date
    end: dt.date
    cutoff: dt.date
    report_date: dt.date
    elapsed: float  # share of the campaign's days passed at the cut-off
    final: bool  # a closing evaluation (elapsed ≥ [report].final_share)
    by_cutoff: str  # 截至6月30日 when the cut-off is before the campaign's end, else ""
    as_of: str  # by_cutoff in a mid-campaign report, "" in a closing one (rule sentences)
    since: str  # 今年以来, or 2021年以来 in a report dated in a later year
    milestones: dict[str, bool]  # code (and implied word) → reached by the cut-off


def report_date_default(*, spec: Any, cutoff: dt.date) -> dt.date:
    """No 成文日期 set: the cut-off plus ``[report].date_after_days``, within the campaign."""
    after = cutoff + dt.timedelta(days=int(spec.report["date_after_days"]))
    return max(cutoff, min(after, spec.end))


def report_time(*, spec: Any, cutoff: dt.date, report_date: dt.date | None = None) -> ReportTime:
    report_date = report_date or report_date_default(spec=spec, cutoff=cutoff)
    days = (spec.end - spec.start).days
    elapsed = 1.0 if days <= 0 else max(0.0, min(1.0, (cutoff - spec.start).days / days))
    reached: dict[str, bool] = {}
    for milestone in spec.milestones:
        hit = cutoff >= milestone.date
        reached[milestone.code] = hit
        reached.update({word: hit for word in milestone.implies})
    by_cutoff = f"截至{rel_date(cutoff, report_date)}" if cutoff < spec.end else ""
    final = elapsed >= float(spec.report["final_share"])
    return ReportTime(
        start=spec.start,
        end=spec.end,
        cutoff=cutoff,
        report_date=report_date,
        elapsed=elapsed,
        final=final,
        by_cutoff=by_cutoff,
        as_of="" if final else by_cutoff,
        since="今年以来" if report_date.year == spec.start.year else f"{spec.start.year}年以来",
        milestones=reached,
    )


def period_text(end: dt.date, reporting: str, report_date: dt.date) -> str:
    """The reporting period ending on ``end``: 12月 / 2021年12月 / 第四季度 / 2021年第四季度."""
    year = "" if end.year == report_date.year else f"{end.year}年"
    if reporting == "quarter":
        return f"{year}第{CN_DIGITS[(end.month - 1) // 3 + 1]}季度"
    return f"{year}{end.month}月"


# --- what the template sees ---------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignView:
    """``campaign`` in a template: prints as its name; ``.goals``, ``.start`` … for the rest."""

    code: str
    name: str
    goals: tuple[str, ...]
    start: dt.date
    end: dt.date
    settings: dict[str, Any]
    report: dict[str, Any]
    milestones: tuple[Any, ...]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class UnitView:
    """``unit`` in a template: prints as its name; ``.code``, ``.kind``, ``.level`` (code),
    ``.level_name`` (县, 镇, 部门 …)."""

    name: str
    code: str
    kind: str
    level: str
    level_name: str

    def __str__(self) -> str:
        return self.name


def level_words(level: Level, *, unit: str, city: str = "") -> dict[str, str]:
    """``lv`` in a template: the level's words with ``{unit}`` the unit's name (县教育局), and
    ``guide_named`` with the evaluation's city (江州市委), or the bare ``guide`` (市委) when no
    city is set."""
    words = {key: value.replace("{unit}", unit) for key, value in level.words.items()}
    named = words.get("guide_named", "")
    if "{city}" in named:
        words["guide_named"] = named.replace("{city}", city) if city else words["guide"]
    return words


# --- problems -----------------------------------------------------------------------------------


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


def _number(value: Any, percent: bool) -> str:
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
    rules: list[RuleResult], *, spec: Any
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
        key: Any = lambda r: (-r.strength, index(r))  # noqa: E731
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

        def render(text: str, what: str, rule=rule, context=context) -> str:
            if not text:
                return ""
            try:
                return _compiled(env, text).render(**context).strip().rstrip("。；;")
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
    report_date: dt.date | None = None,
) -> ReportDocument:
    """Render the template with figures and rules, parse it into blocks and check the result.

    The template's names are listed in docs/campaign-format.md ("The report template").
    ``report_date``: the report's date (default: the evaluation's ``sign_date``, else the
    cut-off plus ``[report].date_after_days``).
    """
    from xunzhi.campaigns.selectors import unit_level

    campaign = figures.campaign
    spec = campaign.spec
    org = figures.unit
    level = figures.level or unit_level(campaign=campaign, unit=org)
    time = report_time(
        spec=spec,
        cutoff=figures.cutoff,
        report_date=report_date or getattr(evaluation, "sign_date", None),
    )
    lv = level_words(level, unit=unit_name, city=getattr(evaluation, "city", "") or "")
    fig = _Figures(figures.values)
    base = {
        "lv": lv,
        "f": fig,
        "settings": campaign_settings,
        "cutoff": figures.cutoff,
        "report_date": time.report_date,
        "by_cutoff": time.by_cutoff,
        "as_of": time.as_of,
        "progress": time,
        "last_period": period_text(
            last_period_end(figures.cutoff, spec.settings.get("reporting", "month")),
            spec.settings.get("reporting", "month"),
            time.report_date,
        ),
    }
    shown, omitted = problems_select(rules, spec=spec)
    problems = problems_text(shown, base)
    left_out = problems_text(omitted, base)
    context = {
        **base,
        "ev": evaluation,
        "unit": UnitView(
            name=unit_name,
            code=org.code,
            kind=org.kind,
            level=level.code,
            level_name=level.name,
        ),
        "campaign": CampaignView(
            code=spec.code,
            name=campaign_name,
            goals=spec.goals,
            start=spec.start,
            end=spec.end,
            settings=dict(spec.settings),
            report=dict(spec.report),
            milestones=spec.milestones,
        ),
        "problems": problems,
        "omitted": left_out,
        "suggestions": [p.suggestion for p in problems if p.suggestion],
        "shown_goals": {p.goal for p in problems if p.goal},
        "shown_codes": {p.code for p in problems},
        "weak": [] if (problems or left_out) else weakest_measures(rules),
        "until": figures.until,
        "since": time.since,
        "ms": time.milestones,
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
    zero_codes = {
        code
        for code, value in figures.values.items()
        if value.kind != "list" and not value.missing and value.value == 0
    }
    document_check(doc, units=campaign_units(spec), zero_codes=zero_codes)
    return doc


def template_read(path: str | Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到报告模板：{path}")
    return path.read_text(encoding="utf-8")
