"""Campaign template + figures + rules → :class:`ReportDocument`, checked before anyone sees it.

The template's Jinja2 environment, its filters and the block parser are in
:mod:`xunzhi.reports.templating`; the problems a report shows in :mod:`xunzhi.reports.problems`.
This module holds the report's time (cut-off, report date, stage), what the template sees, the
composition itself and the self-check.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jinja2

from xunzhi.campaigns.levels import Level
from xunzhi.campaigns.models import Campaign
from xunzhi.campaigns.spec import CampaignSpec, Milestone
from xunzhi.figures.engine import last_period_end
from xunzhi.figures.services import FigureSet, RuleResult
from xunzhi.lib.errors import UserError
from xunzhi.reports.counties import CountiesView
from xunzhi.reports.document import ReportDocument

# Re-exported: callers (web, tests) import these from here.
from xunzhi.reports.problems import ProblemText as ProblemText
from xunzhi.reports.problems import problems_select as problems_select
from xunzhi.reports.problems import problems_text, weakest_measures
from xunzhi.reports.templating import (
    CLOSE,
    CN_DIGITS,
    MID,
    OPEN,
    FigureLookup,
    compiled_template,
    rel_date,
    template_environment,
)
from xunzhi.reports.templating import TemplateFigureError as TemplateFigureError
from xunzhi.reports.templating import blocks_parse as blocks_parse


class ReportCheckError(UserError):
    """The generated text failed its own check (placeholder, None, empty quotes, zero boast)."""


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


def campaign_units(spec: CampaignSpec) -> set[str]:
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


def report_date_default(*, spec: CampaignSpec, cutoff: dt.date) -> dt.date:
    """No 成文日期 set: the cut-off plus ``[report].date_after_days``, within the campaign."""
    after = cutoff + dt.timedelta(days=int(spec.report["date_after_days"]))
    return max(cutoff, min(after, spec.end))


def report_time(
    *, spec: CampaignSpec, cutoff: dt.date, report_date: dt.date | None = None
) -> ReportTime:
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
    milestones: tuple[Milestone, ...]

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


def _base_context(
    *,
    figures: FigureSet,
    spec: CampaignSpec,
    lv: dict[str, str],
    time: ReportTime,
    campaign_settings: dict[str, Any],
) -> dict[str, Any]:
    """The names both the report template and the rules' sentences see."""
    reporting = spec.settings.get("reporting", "month")
    return {
        "lv": lv,
        "f": FigureLookup(figures.values),
        "settings": campaign_settings,
        "cutoff": figures.cutoff,
        "report_date": time.report_date,
        "by_cutoff": time.by_cutoff,
        "as_of": time.as_of,
        "progress": time,
        "last_period": period_text(
            last_period_end(figures.cutoff, reporting), reporting, time.report_date
        ),
    }


def _template_context(
    *,
    base: dict[str, Any],
    figures: FigureSet,
    rules: list[RuleResult],
    evaluation: Any,
    unit_view: UnitView,
    campaign_view: CampaignView,
    time: ReportTime,
) -> dict[str, Any]:
    """``base`` plus the evaluation, unit, campaign, problems and milestones of the report."""
    shown, omitted = problems_select(rules, spec=figures.campaign.spec)
    problems = problems_text(shown, base)
    left_out = problems_text(omitted, base)
    return {
        **base,
        "ev": evaluation,
        "unit": unit_view,
        "campaign": campaign_view,
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


def _template_render(template_text: str, context: dict[str, Any]) -> str:
    try:
        return compiled_template(template_environment(), template_text).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"报告模板第 {exc.lineno} 行语法错误：{exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise UserError(f"报告模板引用了未定义的内容：{exc.message}") from exc


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
    counties: CountiesView | None = None,
) -> ReportDocument:
    """Render the template with figures and rules, parse it into blocks and check the result.

    The template's names are listed in docs/campaign-format.md ("The report template").
    ``evaluation`` is ``ev`` in the template (any object with the evaluation's attributes).
    ``report_date``: the report's date (default: the evaluation's ``sign_date``, else the
    cut-off plus ``[report].date_after_days``). ``counties``: a city's counties compared
    (:func:`xunzhi.reports.counties.counties_view`), ``counties`` in the template.
    """
    from xunzhi.campaigns.selectors import unit_level

    campaign: Campaign = figures.campaign
    spec = campaign.spec
    org = figures.unit
    level = figures.level or unit_level(campaign=campaign, unit=org)
    time = report_time(
        spec=spec,
        cutoff=figures.cutoff,
        report_date=report_date or getattr(evaluation, "sign_date", None),
    )
    lv = level_words(level, unit=unit_name, city=getattr(evaluation, "city", "") or "")
    base = _base_context(
        figures=figures, spec=spec, lv=lv, time=time, campaign_settings=campaign_settings
    )
    context = _template_context(
        base=base,
        figures=figures,
        rules=rules,
        evaluation=evaluation,
        unit_view=UnitView(
            name=unit_name, code=org.code, kind=org.kind, level=level.code, level_name=level.name
        ),
        campaign_view=CampaignView(
            code=spec.code,
            name=campaign_name,
            goals=spec.goals,
            start=spec.start,
            end=spec.end,
            settings=dict(spec.settings),
            report=dict(spec.report),
            milestones=spec.milestones,
        ),
        time=time,
    )
    context["counties"] = counties
    blocks = blocks_parse(_template_render(template_text, context))
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
