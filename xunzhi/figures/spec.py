"""The ``[[figures]]`` and ``[[rules]]`` tables of a campaign file (format: docs/campaign-format.md).

A *measure* is one declarative aggregate over one ledger::

    { ledger = "activities", type = "调研", sum = "participants", org_leading_body = true }

``ledger`` names the ledger, ``sum`` the field to add up (omit it to count rows), and every
other key is a filter from :data:`FILTERS`. A *figure* is a measure, a composite (``measures``,
their sum), a ratio (``numerator`` / ``denominator``) or a list of distinct names (``list``).
A *rule* compares one or more measures per unit at a level with a threshold from ``[settings]``.

This module only parses and checks; :mod:`xunzhi.figures.engine` turns measures into queries.
Nothing here knows any campaign in particular.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xunzhi.figures.display import STYLES
from xunzhi.ledgers import registry
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import OrgKind, Rank

if TYPE_CHECKING:
    from xunzhi.campaigns.models import Campaign
    from xunzhi.campaigns.spec import CampaignSpec


#: The ledgers figures may count over, their names, the field one grouped query splits by,
#: the fields ``sum`` may add up and those a ``list`` figure may list: all read from the
#: registry of ledger kinds (:mod:`xunzhi.ledgers.registry`).
def _group_field(kind: registry.LedgerKind) -> str | None:
    return kind.figures.group_field if kind.figures else None


def _list_fields(kind: registry.LedgerKind) -> dict[str, str]:
    return dict(kind.figures.list_fields) if kind.figures else {}


LEDGERS = registry.FIGURE_KINDS
LEDGER_NAMES = registry.KindView("label", where=registry.counted)
GROUP_FIELDS = registry.KindView(
    _group_field, where=lambda kind: registry.counted(kind) and _group_field(kind) is not None
)
SUM_FIELDS = registry.KindView(lambda kind: dict(kind.sum_fields), where=registry.counted)
LIST_FIELDS = registry.KindView(_list_fields, where=registry.counted)

#: ``leader_rank_at_least = "level"``: the evaluated level's own rank (from the level words).
LEVEL_RANK = "level"

_OWN_LEVEL = "组织{neg}属于被评估单位本级（单位本身、其领导班子和直属部门）"

#: Filters per ledger and the Chinese phrase that describes each in a definition.
#: A phrase with {neg} (不) for false, or a (true, false) pair where 不 would not read.
FILTERS: dict[str, dict[str, str | tuple[str, str]]] = {
    "activities": {
        "type": "类型为{v}",
        "tags_any": "标签含{v}",
        "org_leading_body": "组织{neg}是被评估单位的领导班子",
        "org_own_level": _OWN_LEVEL,
        "leader_rank_at_least": "带头领导职级在{v}及以上",
        "leader_principal": "带头领导{neg}是被评估单位的主要领导",
        "leader_in_leading_body": "带头领导{neg}属于被评估单位的领导班子",
        "location_resource_type": "地点为被评估单位本级登记的{v}",
    },
    "projects": {
        "field": "重点领域为{v}",
        "done": ("已完成（以截止日计）", "尚未完成（以截止日计）"),
        "overdue": ("超过计划完成日期未完成（以截止日计）", "未超期（以截止日计）"),
        "org_leading_body": "责任单位{neg}是被评估单位的领导班子",
        "org_own_level": _OWN_LEVEL,
        "leader_rank_at_least": "领办领导职级在{v}及以上",
    },
    "problems": {
        "source": "问题来源为{v}",
        "category": "问题类别为{v}",
        "rectified": ("已整改（以截止日计）", "尚未整改（以截止日计）"),
        "overdue": ("超过整改时限未整改（以截止日计）", "未超期（以截止日计）"),
        "org_leading_body": "责任单位{neg}是被评估单位的领导班子",
        "org_own_level": _OWN_LEVEL,
    },
    "resources": {
        "type": "类型为{v}",
        "org_leading_body": "组织{neg}是被评估单位的领导班子",
        "org_own_level": _OWN_LEVEL,
        "leader_rank_at_least": "负责领导职级在{v}及以上",
    },
    "values": {
        "item": "指标为{v}",
        "last_period": "{neg}限最近一个填报期",
        "org_own_level": _OWN_LEVEL,
    },
}

BOOL_FILTERS = {
    "org_leading_body",
    "org_own_level",
    "leader_principal",
    "leader_in_leading_body",
    "done",
    "overdue",
    "rectified",
    "last_period",
}
LIST_FILTERS = {"type", "tags_any", "source", "category", "field", "item"}
COMPARES = ("<", "<=", ">", ">=", "==", "!=")
RESERVED = {"ledger", "sum", "list", "limit"}


@dataclass(frozen=True)
class Measure:
    """One aggregate over one ledger: count rows (``sum`` empty) or add up a field."""

    ledger: str
    sum: str = ""
    where: tuple[tuple[str, Any], ...] = ()
    #: How reported values add up (describes the measure only; not part of its identity).
    value_mode: str = field(default="", compare=False)

    def __hash__(self) -> int:  # measures key many dicts: hash the nested tuple once
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.ledger, self.sum, self.where))
            object.__setattr__(self, "_hash", cached)
        return cached

    @property
    def filters(self) -> dict[str, Any]:
        return dict(self.where)

    @property
    def group_values(self) -> tuple[str, ...] | None:
        """The values of the ledger's group field this measure selects (``None``: no such filter)."""
        key = GROUP_FIELDS.get(self.ledger)
        value = self.filters.get(key) if key else None
        return value if value is not None else None

    @property
    def other_filters(self) -> tuple[tuple[str, Any], ...]:
        key = GROUP_FIELDS.get(self.ledger)
        return tuple((k, v) for k, v in self.where if k != key)

    def describe(self, rank: str = "") -> str:
        """The Chinese definition; ``rank``: the evaluated level's rank, for ``"level"``."""
        parts = [LEDGER_NAMES[self.ledger]]
        for key, value in self.where:
            phrase = FILTERS[self.ledger][key]
            if isinstance(phrase, tuple):
                phrase = phrase[0] if value is not False else phrase[1]
            shown = "、".join(value) if isinstance(value, tuple) else str(value)
            if key == "leader_rank_at_least" and value == LEVEL_RANK:
                shown = f"本级职级（{rank}）" if rank else "本级职级"
            neg = "" if value is not False else "不"
            parts.append(phrase.format(v=shown, neg=neg))
        if self.ledger == "values":
            parts.append(
                {"latest": "各单位最近一期数值之和", "sum": "各期数值之和"}.get(
                    self.value_mode, "数值之和（最近一期或各期累计，按指标定义）"
                )
            )
        else:
            parts.append(f"{SUM_FIELDS[self.ledger][self.sum]}之和" if self.sum else "记录数")
        return "，".join(parts)


@dataclass(frozen=True)
class FigureDef:
    code: str
    name: str
    kind: str  # measure | composite | ratio | list
    style: str = "exact"
    unit: str = ""
    note: str = ""
    measures: tuple[Measure, ...] = ()  # measure / composite (summed) / list (one)
    numerator: tuple[Measure, ...] = ()
    denominator: tuple[Measure, ...] = ()
    list_field: str = ""
    limit: int = 5

    def all_measures(self) -> tuple[Measure, ...]:
        return self.measures + self.numerator + self.denominator

    def describe(self, rank: str = "") -> str:
        if self.note:
            return self.note
        if self.kind == "ratio":
            num = " + ".join(m.describe(rank) for m in self.numerator)
            den = " + ".join(m.describe(rank) for m in self.denominator)
            return f"（{num}）÷（{den}）"
        if self.kind == "list":
            label = LIST_FIELDS[self.measures[0].ledger][self.list_field]
            return f"{self.measures[0].describe(rank)}：列出不重复的{label}（至多 {self.limit} 个）"
        return " + ".join(m.describe(rank) for m in self.measures)


@dataclass(frozen=True)
class Condition:
    """One per-unit test of a rule: ``measure`` (or ``numerator``/``denominator``) ``compare`` threshold."""

    label: str
    compare: str
    threshold: Any  # a number, or the name of a [settings] entry
    measure: Measure | None = None
    numerator: Measure | None = None
    denominator: Measure | None = None
    missing: str = "skip"  # a unit whose ratio has no denominator: "skip" it or count it "short"
    percent: bool = False  # show the measure and threshold as percentages

    @property
    def is_ratio(self) -> bool:
        return self.numerator is not None


@dataclass(frozen=True)
class RuleDef:
    code: str
    name: str
    #: the units measured: org kinds below the evaluated unit; ("sub",) = its direct children of
    #: the level's ``sub_kinds``; ("self",) = the evaluated unit alone
    level: tuple[str, ...]
    conditions: tuple[Condition, ...]
    combine: str = "any"  # a unit falls short when any (or all) conditions hold
    unit_share: Any = 0  # share of units that must fall short (number or settings name)
    min_units: int = 1
    weight: float = 1.0
    prorate: bool = False  # scale count thresholds by the elapsed share of the campaign (ceil)
    sentence: str = ""
    suggestion: str = ""
    suggestion_title: str = ""  # the heading of its 工作建议 point (一是…。)
    goal: str = ""  # the campaign goal the problem belongs to (orders the problems)
    unit_word: str = ""  # how the measured units are named; default: from their kinds
    examples: int = 3  # how many short units a sentence may name
    index: int = 0  # position in the campaign file

    @property
    def is_self(self) -> bool:
        return self.level == ("self",)

    @property
    def is_sub(self) -> bool:
        return self.level == ("sub",)


def _where(source: str, what: str) -> str:
    return f"活动定义文件 {source}：{what}" if source else what


def parse_measure(raw: Any, *, spec: CampaignSpec, source: str, what: str) -> Measure:
    if not isinstance(raw, dict):
        raise UserError(_where(source, f'{what} 必须是表（如 {{ ledger = "activities" }}）。'))
    ledger = raw.get("ledger")
    if not isinstance(ledger, str) or ledger not in LEDGERS:
        raise UserError(
            _where(source, f"{what} 的 ledger“{ledger}”无效，应为 {'、'.join(LEDGERS)}。")
        )
    total = raw.get("sum", "")
    if total and total not in SUM_FIELDS[ledger]:
        allowed = "、".join(SUM_FIELDS[ledger]) or "（无）"
        raise UserError(
            _where(source, f"{what} 的 sum“{total}”不是 {ledger} 可相加的字段（{allowed}）。")
        )
    where: list[tuple[str, Any]] = []
    for key, value in raw.items():
        if key in RESERVED:
            continue
        if key not in FILTERS[ledger]:
            allowed = "、".join(FILTERS[ledger])
            raise UserError(
                _where(source, f"{what} 的筛选条件“{key}”不适用于 {ledger}（可用：{allowed}）。")
            )
        if key in BOOL_FILTERS:
            if not isinstance(value, bool):
                raise UserError(_where(source, f"{what} 的 {key} 必须是 true 或 false。"))
        elif key in LIST_FILTERS:
            value = (value,) if isinstance(value, str) else tuple(value)
            if not value or not all(isinstance(v, str) and v for v in value):
                raise UserError(_where(source, f"{what} 的 {key} 必须是文字或文字列表。"))
            _check_vocabulary(ledger, key, value, spec=spec, source=source, what=what)
        elif key == "leader_rank_at_least":
            if value not in Rank.values and value != LEVEL_RANK:
                raise UserError(
                    _where(
                        source, f"{what} 的职级“{value}”无效（{'、'.join(Rank.values)} 或 level）。"
                    )
                )
        elif key == "location_resource_type":
            _check_vocabulary("resources", "type", (value,), spec=spec, source=source, what=what)
        where.append((key, value))
    if ledger == "values" and "item" not in dict(where):
        raise UserError(_where(source, f"{what}：填报数据必须指定 item（填报指标）。"))
    mode = ""
    if ledger == "values":
        total = "value"
        modes = {spec.value_item(i).aggregate for i in dict(where)["item"]}
        mode = modes.pop() if len(modes) == 1 else ""
    return Measure(ledger=ledger, sum=total, where=tuple(sorted(where)), value_mode=mode)


def _check_vocabulary(
    ledger: str, key: str, values: Iterable[str], *, spec: CampaignSpec, source: str, what: str
) -> None:
    vocab = {
        ("activities", "type"): spec.activity_types,
        ("activities", "tags_any"): spec.activity_tags,
        ("resources", "type"): spec.resource_types,
        ("problems", "source"): spec.problem_sources,
        ("problems", "category"): spec.problem_categories,
        ("projects", "field"): spec.project_fields,
        ("values", "item"): spec.value_item_codes,
    }.get((ledger, key))
    if vocab is None:
        return
    for value in values:
        if value not in vocab:
            raise UserError(_where(source, f"{what} 引用了活动定义中没有的{key}“{value}”。"))


def _measures(raw: Any, *, spec: CampaignSpec, source: str, what: str) -> tuple[Measure, ...]:
    items = raw if isinstance(raw, list) else [raw]
    return tuple(
        parse_measure(m, spec=spec, source=source, what=f"{what}[{i}]" if len(items) > 1 else what)
        for i, m in enumerate(items, start=1)
    )


def parse_figure(raw: dict[str, Any], *, spec: CampaignSpec, source: str, index: int) -> FigureDef:
    code = raw.get("code")
    if not code or not isinstance(code, str):
        raise UserError(_where(source, f"第 {index} 个 [[figures]] 缺少 code。"))
    what = f"数据项 {code}"
    name = raw.get("name") or code
    style = raw.get("style", "exact")
    if style not in STYLES:
        raise UserError(_where(source, f"{what} 的 style“{style}”无效，应为 {'、'.join(STYLES)}。"))
    common = dict(
        code=code, name=name, style=style, unit=raw.get("unit", ""), note=raw.get("note", "")
    )
    present = [k for k in ("measure", "measures", "numerator", "list") if k in raw]
    if "numerator" in raw or "denominator" in raw:
        if "numerator" not in raw or "denominator" not in raw:
            raise UserError(_where(source, f"{what}：比率须同时给出 numerator 和 denominator。"))
        return FigureDef(
            kind="ratio",
            numerator=_measures(
                raw["numerator"], spec=spec, source=source, what=f"{what}.numerator"
            ),
            denominator=_measures(
                raw["denominator"], spec=spec, source=source, what=f"{what}.denominator"
            ),
            **common,
        )
    if len(present) != 1:
        raise UserError(
            _where(
                source, f"{what} 必须且只能有 measure、measures、numerator/denominator、list 之一。"
            )
        )
    if "list" in raw:
        body = dict(raw["list"])
        list_field = body.pop("field", "")
        limit = int(body.pop("limit", 5))
        measure = parse_measure(body, spec=spec, source=source, what=f"{what}.list")
        if list_field not in LIST_FIELDS[measure.ledger]:
            raise UserError(_where(source, f"{what}.list 的 field“{list_field}”不可列出。"))
        return FigureDef(
            kind="list", measures=(measure,), list_field=list_field, limit=limit, **common
        )
    if "measures" in raw:
        measures = _measures(raw["measures"], spec=spec, source=source, what=f"{what}.measures")
        return FigureDef(kind="composite", measures=measures, **common)
    return FigureDef(
        kind="measure",
        measures=_measures(raw["measure"], spec=spec, source=source, what=f"{what}.measure"),
        **common,
    )


def _threshold(value: Any, *, spec: CampaignSpec, source: str, what: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UserError(_where(source, f"{what} 必须是数字或 [settings] 中的名称。"))
    if isinstance(value, str) and value not in spec.settings:
        raise UserError(_where(source, f"{what} 引用了 [settings] 中没有的“{value}”。"))
    return value


def parse_condition(
    raw: dict[str, Any], *, spec: CampaignSpec, source: str, what: str
) -> Condition:
    compare = raw.get("compare", "<")
    if compare not in COMPARES:
        raise UserError(_where(source, f"{what} 的 compare“{compare}”无效。"))
    missing = raw.get("missing", "skip")
    if missing not in ("skip", "short"):
        raise UserError(_where(source, f"{what} 的 missing 只能是 skip 或 short。"))
    common = dict(
        label=raw.get("label", ""),
        compare=compare,
        threshold=_threshold(
            raw.get("threshold"), spec=spec, source=source, what=f"{what}.threshold"
        ),
        missing=missing,
        percent=bool(raw.get("percent", False)),
    )
    if "numerator" in raw:
        return Condition(
            numerator=parse_measure(
                raw["numerator"], spec=spec, source=source, what=f"{what}.numerator"
            ),
            denominator=parse_measure(
                raw.get("denominator"), spec=spec, source=source, what=f"{what}.denominator"
            ),
            **common,
        )
    return Condition(
        measure=parse_measure(raw.get("measure"), spec=spec, source=source, what=f"{what}.measure"),
        **common,
    )


def parse_rule(raw: dict[str, Any], *, spec: CampaignSpec, source: str, index: int) -> RuleDef:
    code = raw.get("code")
    if not code or not isinstance(code, str):
        raise UserError(_where(source, f"第 {index} 个 [[rules]] 缺少 code。"))
    what = f"规则 {code}"
    level = raw.get("level", "self")
    level = (level,) if isinstance(level, str) else tuple(level)
    if level not in (("self",), ("sub",)):
        for kind in level:
            if kind not in OrgKind.values:
                raise UserError(
                    _where(source, f"{what} 的 level“{kind}”不是组织类型（或 self、sub）。")
                )
    if "conditions" in raw:
        conditions = tuple(
            parse_condition(c, spec=spec, source=source, what=f"{what}.conditions[{i}]")
            for i, c in enumerate(raw["conditions"], start=1)
        )
    else:
        conditions = (parse_condition(raw, spec=spec, source=source, what=what),)
    if not conditions:
        raise UserError(_where(source, f"{what} 没有条件。"))
    combine = raw.get("combine", "any")
    if combine not in ("any", "all"):
        raise UserError(_where(source, f"{what} 的 combine 只能是 any 或 all。"))
    sentence = raw.get("sentence", "")
    if not sentence:
        raise UserError(_where(source, f"{what} 缺少 sentence（存在问题的表述）。"))
    goal = raw.get("goal", "")
    if goal and goal not in spec.goals:
        raise UserError(
            _where(source, f"{what} 的 goal“{goal}”不是活动目标（{'、'.join(spec.goals)}）。")
        )
    examples = raw.get("examples", 3)
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 0:
        raise UserError(_where(source, f"{what} 的 examples 必须是非负整数。"))
    return RuleDef(
        index=index,
        goal=goal,
        examples=examples,
        suggestion_title=raw.get("suggestion_title", ""),
        unit_word=raw.get("unit_word", ""),
        code=code,
        name=raw.get("name", code),
        level=level,
        conditions=conditions,
        combine=combine,
        unit_share=_threshold(
            raw.get("unit_share", 0), spec=spec, source=source, what=f"{what}.unit_share"
        ),
        min_units=int(raw.get("min_units", 1)),
        weight=float(raw.get("weight", 1.0)),
        prorate=bool(raw.get("prorate", False)),
        sentence=sentence,
        suggestion=raw.get("suggestion", ""),
    )


@dataclass(frozen=True)
class FigureSpec:
    figures: tuple[FigureDef, ...] = ()
    rules: tuple[RuleDef, ...] = ()
    by_code: dict[str, FigureDef] = field(default_factory=dict)


def figure_spec_parse(spec: CampaignSpec, *, source: str = "") -> FigureSpec:
    """Parse and check the figures and rules of a campaign spec (``CampaignSpec``)."""
    figures: list[FigureDef] = []
    seen: set[str] = set()
    for index, raw in enumerate(spec.figures, start=1):
        figure = parse_figure(raw, spec=spec, source=source, index=index)
        if figure.code in seen:
            raise UserError(_where(source, f"数据项代码 {figure.code} 重复。"))
        seen.add(figure.code)
        figures.append(figure)
    rules: list[RuleDef] = []
    rule_codes: set[str] = set()
    for index, raw in enumerate(spec.rules, start=1):
        rule = parse_rule(raw, spec=spec, source=source, index=index)
        if rule.code in rule_codes:
            raise UserError(_where(source, f"规则代码 {rule.code} 重复。"))
        rule_codes.add(rule.code)
        rules.append(rule)
    order = spec.report.get("problems_order")
    if isinstance(order, list):
        for code in order:
            if code not in rule_codes:
                raise UserError(_where(source, f"[report].problems_order 中的规则“{code}”不存在。"))
    return FigureSpec(
        figures=tuple(figures), rules=tuple(rules), by_code={f.code: f for f in figures}
    )


def validate_campaign_figures(spec: CampaignSpec, *, source: str = "") -> None:
    """Refuse a campaign whose figures or rules are malformed, naming the entry."""
    figure_spec_parse(spec, source=source)


def campaign_figure_spec(campaign: Campaign) -> FigureSpec:
    """The parsed figures and rules of a stored campaign (cached on the instance)."""
    cached: FigureSpec | None = getattr(campaign, "_figure_spec", None)
    if cached is None:
        cached = figure_spec_parse(campaign.spec, source=campaign.code)
        campaign._figure_spec = cached  # type: ignore[attr-defined]  # a per-instance cache
    return cached
