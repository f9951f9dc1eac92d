"""The ``[evaluation]`` table of a campaign file: the indicator system (format: docs/campaign-format.md).

An *indicator* belongs to an *area* and carries points. Its score comes from

- a measure over the scored unit's subtree (a figure, or a measure/ratio written inline,
  optionally ``per`` branch or ``per`` 100 members) and a scoring rule (``thresholds``,
  ``linear``, ``target``),
- a manual score entered by the guidance group with a note (``manual = true``), or
- a satisfaction survey's 满意率 (``survey = "<template code>"``).

This module only parses and checks; :mod:`xunzhi.evaluation.scoring` computes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xunzhi.figures.spec import Measure, parse_measure
from xunzhi.lib.errors import UserError

if TYPE_CHECKING:
    from xunzhi.campaigns.models import Campaign
    from xunzhi.campaigns.spec import CampaignSpec

#: Filters whose meaning is relative to the *evaluating* unit (its 领导班子, its own level, its
#: principal): scored units are measured in one query over the evaluating unit's subtree, so a
#: scored township would be measured against the county's 领导班子. They are refused.
RELATIVE_FILTERS = {
    "org_leading_body",
    "org_own_level",
    "leader_principal",
    "leader_in_leading_body",
    "location_resource_type",
}
PER = {"branch": "每个党支部", "100members": "每百名党员"}
COMPARES = (">=", "<=")

#: Answer scales of survey questions: (answer, counts as satisfied) in order.
SCALES: dict[str, tuple[tuple[str, bool], ...]] = {
    "满意": (("满意", True), ("基本满意", True), ("不满意", False)),
    "好": (("好", True), ("较好", True), ("一般", False), ("差", False)),
}

DEFAULT_GRADES = (
    ("好", Decimal(90)),
    ("较好", Decimal(80)),
    ("一般", Decimal(60)),
    ("差", Decimal(0)),
)


@dataclass(frozen=True)
class ScoreRule:
    """How a measured value becomes points: ``kind`` thresholds | linear | target."""

    kind: str
    #: thresholds: ((value, points), …) tried in order, the first the value reaches (``compare``)
    steps: tuple[tuple[Decimal, Decimal], ...] = ()
    compare: str = ">="
    #: linear: the value at ``low`` scores 0 and at ``high`` full points (either order), clamped
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(0)
    #: target: points × min(value ÷ target, 1)
    target: Decimal = Decimal(0)

    def points(self, value: Decimal | None, full: Decimal) -> Decimal:
        if value is None:
            return Decimal(0)
        if self.kind == "thresholds":
            for bound, points in self.steps:
                if (value >= bound) if self.compare == ">=" else (value <= bound):
                    return points
            return Decimal(0)
        if self.kind == "linear":
            share = (value - self.low) / (self.high - self.low)
            return full * min(max(share, Decimal(0)), Decimal(1))
        share = value / self.target
        return full * min(max(share, Decimal(0)), Decimal(1))

    def describe(self, unit: str = "", *, percent: bool = False) -> str:
        def _num(value: Decimal) -> str:
            return _pct(value) if percent else _plain(value) + unit

        if self.kind == "thresholds":
            word = "达到" if self.compare == ">=" else "不超过"
            parts = [f"{word}{_num(b)}得{_plain(p)}分" for b, p in self.steps]
            return "，".join(parts) + "，否则得0分"
        if self.kind == "linear":
            return f"{_num(self.low)}得0分，{_num(self.high)}得满分，其间按比例计分"
        return f"按达到目标值{_num(self.target)}的比例计分，最高满分"


def _plain(value: Decimal) -> str:
    """12 for 12.0, 0.15 for 0.150: the number as the campaign file would write it."""
    return format(value.normalize(), "f")


def _pct(value: Decimal) -> str:
    return _plain(value * 100) + "%"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    area: str
    points: Decimal
    kind: str  # measure | manual | survey
    measures: tuple[Measure, ...] = ()  # summed (a measure, a composite or a figure's)
    numerator: tuple[Measure, ...] = ()
    denominator: tuple[Measure, ...] = ()
    per: str = ""  # "" | branch | 100members
    percent: bool = False  # the measure is a share, shown as a percentage
    unit: str = ""  # the measure word shown after the value
    rule: ScoreRule | None = None
    figure: str = ""  # the figure code the measure comes from, if any
    survey: str = ""  # the survey template code
    note: str = ""  # what the scorer checks (manual) or a definition to show

    @property
    def is_ratio(self) -> bool:
        return bool(self.numerator)

    def all_measures(self) -> tuple[Measure, ...]:
        return self.measures + self.numerator + self.denominator

    def describe(self) -> str:
        if self.kind == "manual":
            return f"人工评分（{self.note}）" if self.note else "人工评分"
        if self.kind == "survey":
            rule = f"，{self.rule.describe(percent=True)}" if self.rule else "，按满意率折算"
            return f"满意度测评“{self.survey}”的满意率{rule}"
        if self.note:
            return self.note
        if self.is_ratio:
            what = (
                "（"
                + " + ".join(m.describe() for m in self.numerator)
                + "）÷（"
                + " + ".join(m.describe() for m in self.denominator)
                + "）"
            )
        else:
            what = " + ".join(m.describe() for m in self.measures)
        if self.per:
            what = f"{PER[self.per]}：{what}"
        rule = self.rule.describe(self.unit, percent=self.percent) if self.rule else ""
        return f"{what}；{rule}"


@dataclass(frozen=True)
class Area:
    code: str
    points: Decimal
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class SurveyTemplate:
    code: str
    name: str
    scale: str
    questions: tuple[str, ...]

    @property
    def answers(self) -> tuple[str, ...]:
        return tuple(a for a, _ in SCALES[self.scale])

    @property
    def satisfied(self) -> frozenset[int]:
        return frozenset(i for i, (_, ok) in enumerate(SCALES[self.scale]) if ok)


@dataclass(frozen=True)
class EvaluationSpec:
    areas: tuple[Area, ...] = ()
    grades: tuple[tuple[str, Decimal], ...] = DEFAULT_GRADES
    surveys: tuple[SurveyTemplate, ...] = ()
    by_code: dict[str, Indicator] = field(default_factory=dict)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for a in self.areas for i in a.indicators)

    @property
    def total_points(self) -> Decimal:
        return sum((a.points for a in self.areas), Decimal(0))

    def grade(self, total: Decimal) -> str:
        for name, minimum in self.grades:
            if total >= minimum:
                return name
        return self.grades[-1][0] if self.grades else ""

    def survey(self, code: str) -> SurveyTemplate:
        for template in self.surveys:
            if template.code == code:
                return template
        raise UserError(f"活动定义中没有满意度测评模板“{code}”。")


class _Where:
    """Names the faulty entry and, when the file's text is at hand, its line."""

    def __init__(self, source: str, text: str | None) -> None:
        self.source = source
        self.lines = text.splitlines() if text else []

    def line_of(self, code: str) -> int | None:
        start = next((i for i, line in enumerate(self.lines) if line.startswith("[evaluation")), 0)
        pattern = re.compile(r'^\s*code\s*=\s*"' + re.escape(code) + r'"')
        for i in range(start, len(self.lines)):
            if pattern.match(self.lines[i]):
                return i + 1
        return None

    def error(self, what: str, message: str, code: str = "") -> UserError:
        line = self.line_of(code) if code else None
        place = f"第 {line} 行，" if line else ""
        head = f"活动定义文件 {self.source}：" if self.source else ""
        return UserError(f"{head}{place}[evaluation] {what}{message}")


def _decimal(value: Any, where: _Where, what: str, code: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.error(what, " 必须是数字。", code)
    return Decimal(str(value))


def _rule(
    raw: dict[str, Any], where: _Where, what: str, code: str, *, required: bool
) -> ScoreRule | None:
    present = [k for k in ("thresholds", "linear", "target") if k in raw]
    if len(present) > 1:
        raise where.error(what, " 只能有 thresholds、linear、target 之一。", code)
    if not present:
        if required:
            raise where.error(what, " 缺少计分规则（thresholds、linear 或 target）。", code)
        return None
    kind = present[0]
    if kind == "thresholds":
        steps = raw["thresholds"]
        if not isinstance(steps, list) or not steps:
            raise where.error(what, " 的 thresholds 必须是 [[值, 得分], …]。", code)
        parsed = []
        for step in steps:
            if not isinstance(step, list) or len(step) != 2:
                raise where.error(what, " 的 thresholds 每项必须是 [值, 得分]。", code)
            parsed.append(
                (
                    _decimal(step[0], where, f"{what}.thresholds", code),
                    _decimal(step[1], where, f"{what}.thresholds", code),
                )
            )
        compare = raw.get("compare", ">=")
        if compare not in COMPARES:
            raise where.error(what, f" 的 compare“{compare}”无效，应为 >= 或 <=。", code)
        return ScoreRule(kind=kind, steps=tuple(parsed), compare=compare)
    if kind == "linear":
        pair = raw["linear"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise where.error(what, " 的 linear 必须是 [零分值, 满分值]。", code)
        low = _decimal(pair[0], where, f"{what}.linear", code)
        high = _decimal(pair[1], where, f"{what}.linear", code)
        if low == high:
            raise where.error(what, " 的 linear 两个值不能相同。", code)
        return ScoreRule(kind=kind, low=low, high=high)
    target = _decimal(raw["target"], where, f"{what}.target", code)
    if target <= 0:
        raise where.error(what, " 的 target 必须大于 0。", code)
    return ScoreRule(kind=kind, target=target)


def _inline(
    raw: Any, *, spec: CampaignSpec, where: _Where, what: str, code: str
) -> tuple[Measure, ...]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        try:
            measure = parse_measure(item, spec=spec, source="", what=what)
        except UserError as exc:
            raise where.error(what, f"：{exc}", code) from exc
        relative = RELATIVE_FILTERS & set(measure.filters)
        rank = measure.filters.get("leader_rank_at_least") == "level"
        if relative or rank:
            name = "、".join(sorted(relative)) or "leader_rank_at_least = level"
            raise where.error(
                what,
                f" 不能使用相对于评估单位的筛选条件 {name}（各单位在一次查询中计算）。",
                code,
            )
        out.append(measure)
    return tuple(out)


def _measure_fields(
    raw: dict[str, Any], *, spec: CampaignSpec, where: _Where, what: str, code: str
) -> dict[str, Any]:
    """The measured part of an indicator: a figure, a measure (or several, summed) or a ratio."""
    present = [k for k in ("figure", "measure", "measures", "numerator") if k in raw]
    if len(present) != 1:
        raise where.error(
            what, " 必须且只能有 figure、measure、measures、numerator/denominator 之一。", code
        )
    kind = present[0]
    if kind == "figure":
        from xunzhi.figures.spec import figure_spec_parse

        figure = figure_spec_parse(spec).by_code.get(raw["figure"])
        if figure is None or figure.kind == "list":
            raise where.error(what, f" 的 figure“{raw['figure']}”不是可计算的数据项。", code)
        for measure in figure.all_measures():
            relative = RELATIVE_FILTERS & set(measure.filters)
            if relative or measure.filters.get("leader_rank_at_least") == "level":
                raise where.error(
                    what, f" 引用的数据项 {figure.code} 使用了相对于评估单位的筛选条件。", code
                )
        out = {"figure": figure.code, "unit": figure.unit, "percent": figure.style == "%"}
        if figure.kind == "ratio":
            return {**out, "numerator": figure.numerator, "denominator": figure.denominator}
        return {**out, "measures": figure.measures}
    if kind == "numerator":
        if "denominator" not in raw:
            raise where.error(what, " 的比率须同时给出 numerator 和 denominator。", code)
        return {
            "numerator": _inline(
                raw["numerator"], spec=spec, where=where, what=f"{what}.numerator", code=code
            ),
            "denominator": _inline(
                raw["denominator"], spec=spec, where=where, what=f"{what}.denominator", code=code
            ),
            "percent": bool(raw.get("percent", True)),
        }
    return {
        "measures": _inline(raw[kind], spec=spec, where=where, what=f"{what}.{kind}", code=code)
    }


def _indicator(
    raw: Any, *, spec: CampaignSpec, where: _Where, index: int, areas: set[str]
) -> Indicator:
    if not isinstance(raw, dict):
        raise where.error(f"第 {index} 个 [[evaluation.indicators]]", " 必须是表。")
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        raise where.error(f"第 {index} 个 [[evaluation.indicators]]", " 缺少 code。")
    what = f"指标 {code}"
    area = raw.get("area")
    if area not in areas:
        raise where.error(what, f" 的 area“{area}”不是 [[evaluation.areas]] 中的领域。", code)
    points = _decimal(raw.get("points"), where, f"{what}.points", code)
    if points <= 0:
        raise where.error(what, " 的 points 必须大于 0。", code)
    per = raw.get("per", "")
    if per and per not in PER:
        raise where.error(what, f" 的 per“{per}”无效，应为 branch 或 100members。", code)
    common = dict(
        code=code,
        name=str(raw.get("name") or code),
        area=area,
        points=points,
        note=str(raw.get("note", "")),
        unit=str(raw.get("unit", "")),
    )
    if raw.get("manual"):
        if raw.get("manual") is not True or "survey" in raw or "measure" in raw:
            raise where.error(what, " 的 manual 必须是 true，且不能再有度量或测评。", code)
        return Indicator(kind="manual", **common)
    if "survey" in raw:
        template = raw["survey"]
        if not isinstance(template, str) or not template:
            raise where.error(what, " 的 survey 必须是测评模板代码。", code)
        rule = _rule(raw, where, what, code, required=False)
        return Indicator(kind="survey", survey=template, rule=rule, percent=True, **common)
    fields = _measure_fields(raw, spec=spec, where=where, what=what, code=code)
    if fields.get("unit") and common["unit"]:
        fields.pop("unit")
    rule = _rule(raw, where, what, code, required=True)
    if rule and rule.kind == "thresholds" and any(p > points for _, p in rule.steps):
        raise where.error(what, " 的 thresholds 中有得分超过该指标分值。", code)
    return Indicator(kind="measure", per=per, rule=rule, **{**common, **fields})


def _survey_template(raw: Any, *, where: _Where, index: int) -> SurveyTemplate:
    if not isinstance(raw, dict) or not isinstance(raw.get("code"), str) or not raw["code"]:
        raise where.error(f"第 {index} 个 [[evaluation.surveys]]", " 缺少 code。")
    code = raw["code"]
    what = f"测评模板 {code}"
    scale = raw.get("scale", "满意")
    if scale not in SCALES:
        raise where.error(what, f" 的 scale“{scale}”无效，应为 {'、'.join(SCALES)}。", code)
    questions = raw.get("questions")
    if (
        not isinstance(questions, list)
        or not questions
        or len(questions) > 30
        or not all(isinstance(q, str) and q.strip() for q in questions)
    ):
        raise where.error(what, " 的 questions 必须是 1 至 30 个问题的文字列表。", code)
    return SurveyTemplate(
        code=code,
        name=str(raw.get("name") or code),
        scale=scale,
        questions=tuple(q.strip() for q in questions),
    )


def _grades(raw: Any, where: _Where) -> tuple[tuple[str, Decimal], ...]:
    if raw is None:
        return DEFAULT_GRADES
    if not isinstance(raw, dict) or not raw:
        raise where.error(
            "grades", ' 必须是表，如 { "好" = 90, "较好" = 80, "一般" = 60, "差" = 0 }。'
        )
    grades = [(str(k), _decimal(v, where, f"grades.{k}", "")) for k, v in raw.items()]
    grades.sort(key=lambda g: g[1], reverse=True)
    if grades[-1][1] != 0:
        raise where.error("grades", " 中最低一档的下限必须是 0（如 差 = 0）。")
    return tuple(grades)


def evaluation_spec_parse(
    spec: CampaignSpec, data: dict[str, Any], *, source: str = "", text: str | None = None
) -> EvaluationSpec | None:
    """Parse and check ``data["evaluation"]`` against a campaign spec; ``None`` when absent."""
    raw = data.get("evaluation")
    if raw is None:
        return None
    where = _Where(source, text)
    if not isinstance(raw, dict):
        raise where.error("", "必须是表。")
    unknown = set(raw) - {"grades", "areas", "indicators", "surveys"}
    if unknown:
        raise where.error("", f"不认识 {'、'.join(sorted(unknown))}。")
    surveys = tuple(
        _survey_template(s, where=where, index=i)
        for i, s in enumerate(raw.get("surveys", []), start=1)
    )
    if len({s.code for s in surveys}) != len(surveys):
        raise where.error("surveys", " 中测评模板代码重复。")
    areas_raw = raw.get("areas", [])
    area_points: dict[str, Decimal] = {}
    for i, area in enumerate(areas_raw, start=1):
        if not isinstance(area, dict) or not isinstance(area.get("code"), str):
            raise where.error(f"第 {i} 个 [[evaluation.areas]]", " 缺少 code。")
        if area["code"] in area_points:
            raise where.error(f"领域 {area['code']}", " 重复。", area["code"])
        area_points[area["code"]] = _decimal(
            area.get("points"), where, f"领域 {area['code']}.points", area["code"]
        )
    indicators = [
        _indicator(r, spec=spec, where=where, index=i, areas=set(area_points))
        for i, r in enumerate(raw.get("indicators", []), start=1)
    ]
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise where.error(f"指标 {dup}", " 的代码重复。", dup)
    templates = {s.code for s in surveys}
    for indicator in indicators:
        if indicator.kind == "survey" and indicator.survey not in templates:
            raise where.error(
                f"指标 {indicator.code}",
                f" 引用的测评模板“{indicator.survey}”不在 [[evaluation.surveys]] 中。",
                indicator.code,
            )
    areas = []
    for code, points in area_points.items():
        members = tuple(i for i in indicators if i.area == code)
        total = sum((i.points for i in members), Decimal(0))
        if total != points:
            raise where.error(
                f"领域 {code}",
                f" 的分值 {_plain(points)} 与其指标分值之和 {_plain(total)} 不符。",
                code,
            )
        areas.append(Area(code=code, points=points, indicators=members))
    return EvaluationSpec(
        areas=tuple(areas),
        grades=_grades(raw.get("grades"), where),
        surveys=surveys,
        by_code={i.code: i for i in indicators},
    )


def campaign_evaluation_spec(campaign: Campaign) -> EvaluationSpec:
    """The parsed indicator system of a stored campaign (cached on the instance)."""
    cached = getattr(campaign, "_evaluation_spec", None)
    if cached is None:
        parsed = evaluation_spec_parse(campaign.spec, campaign.config, source=campaign.code)
        if parsed is None:
            raise UserError(f"活动“{campaign.name}”的定义文件中没有 [evaluation] 评估指标体系。")
        cached = parsed
        setattr(campaign, "_evaluation_spec", parsed)  # noqa: B010 - a cache, not a field
    return cached
