"""The campaign file format, parsed and checked.

A campaign file is TOML (see ``docs/campaign-format.md``). This module knows the
*shape* of a campaign, nothing of 党史学习教育 in particular. The ``figures`` and
``rules`` tables are parsed by :mod:`xunzhi.figures.spec`, which owns their meaning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xunzhi.campaigns.levels import Vocabulary, vocabulary_file_read, vocabulary_parse
from xunzhi.lib.errors import UserError

BUILTIN_DIR = Path(__file__).resolve().parent / "data"
#: The vocabulary a campaign file uses when it names none.
DEFAULT_VOCABULARY = BUILTIN_DIR / "shared" / "levels.toml"

AGGREGATIONS = ("latest", "sum")

#: ``[report]`` settings and their defaults (docs/campaign-format.md, "The report table").
REPORT_DEFAULTS: dict[str, Any] = {
    "problems_max": 4,
    "problems_order": "goals",
    "group_title": "{{ lv.guide }}{{ number }}巡回指导组",
    "date_after_days": 10,
    "final_share": 0.9,
}
PROBLEM_ORDERS = ("goals", "strength", "file")


@dataclass(frozen=True)
class Milestone:
    """A dated event a report may cite only when its cut-off is on or after ``date``.

    ``implies``: words that only exist from then on (十九届六中全会 → 两个确立, 十个坚持).
    """

    code: str
    name: str
    date: dt.date
    implies: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValueItem:
    """A reported-value item (填报指标) units report per period."""

    code: str
    unit: str = ""
    aggregate: str = "latest"  # latest: the last reported period counts; sum: periods add up
    description: str = ""


@dataclass(frozen=True)
class ValueCheck:
    """A validation rule between two items: ``numerator`` may never exceed ``denominator``."""

    numerator: str
    denominator: str


@dataclass(frozen=True)
class CampaignSpec:
    code: str
    name: str
    start: dt.date
    end: dt.date
    goals: tuple[str, ...]
    activity_types: tuple[str, ...]
    activity_tags: tuple[str, ...]
    resource_types: tuple[str, ...]
    problem_sources: tuple[str, ...]
    problem_categories: tuple[str, ...]
    project_fields: tuple[str, ...]
    visit_methods: tuple[str, ...]
    value_items: tuple[ValueItem, ...]
    value_checks: tuple[ValueCheck, ...]
    settings: dict[str, Any]
    figures: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    template_path: str = ""
    milestones: tuple[Milestone, ...] = ()
    vocabulary_data: dict[str, Any] = field(default_factory=dict)
    #: the blank templates' example rows: kind → field → value (``[examples.<kind>]``)
    examples: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def vocabulary(self) -> Vocabulary:
        """The level words (parsed once per spec)."""
        cached = self.__dict__.get("_vocabulary")
        if cached is None:
            cached = vocabulary_parse(self.vocabulary_data, complete=False)
            object.__setattr__(self, "_vocabulary", cached)
        return cached

    @property
    def value_item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.value_items)

    def value_item(self, code: str) -> ValueItem:
        for item in self.value_items:
            if item.code == code:
                return item
        raise KeyError(code)

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        *,
        base_dir: Path | None,
        source: str = "",
        stored: bool = False,
    ) -> CampaignSpec:
        """Check a campaign's content. ``stored``: the copy in the database, written by an older
        release perhaps, whose vocabulary need not know organisation kinds added since."""
        where = f"活动定义文件 {source}" if source else "活动定义"
        try:
            head = data["campaign"]
            types = data.get("types", {})
            start = _date(head["start"], f"{where} [campaign].start")
            end = _date(head["end"], f"{where} [campaign].end")
            if end < start:
                raise UserError(f"{where}：结束日期 {end} 早于开始日期 {start}。")
            items = tuple(
                ValueItem(
                    code=_text(v["code"], f"{where} [[values]].code"),
                    unit=v.get("unit", ""),
                    aggregate=v.get("aggregate", "latest"),
                    description=v.get("description", ""),
                )
                for v in data.get("values", [])
            )
            for item in items:
                if item.aggregate not in AGGREGATIONS:
                    raise UserError(
                        f"{where}：填报指标“{item.code}”的 aggregate 只能是 latest 或 sum，"
                        f"而不是“{item.aggregate}”。"
                    )
            codes = [i.code for i in items]
            if len(set(codes)) != len(codes):
                raise UserError(f"{where}：填报指标名称重复。")
            checks = tuple(
                ValueCheck(numerator=c["numerator"], denominator=c["denominator"])
                for c in data.get("value_checks", [])
            )
            for check in checks:
                for code in (check.numerator, check.denominator):
                    if code not in codes:
                        raise UserError(f"{where}：value_checks 引用了未定义的填报指标“{code}”。")
            template = head.get("template", "")
            template_path = ""
            if template:
                template_path = str((base_dir / template).resolve()) if base_dir else template
            vocabulary, parsed_vocabulary = _vocabulary_data(
                data, head, base_dir=base_dir, where=where, stored=stored
            )
            milestones = _milestones(data.get("milestones", []), where=where)
            report = _report(data.get("report", {}), where=where)
            examples = _examples(data.get("examples", {}), where=where)
            spec = cls(
                code=_text(head["code"], f"{where} [campaign].code"),
                name=_text(head["name"], f"{where} [campaign].name"),
                start=start,
                end=end,
                goals=tuple(head.get("goals", [])),
                activity_types=tuple(types.get("activities", [])),
                activity_tags=tuple(types.get("activity_tags", [])),
                resource_types=tuple(types.get("resources", [])),
                problem_sources=tuple(types.get("problem_sources", [])),
                problem_categories=tuple(types.get("problem_categories", [])),
                project_fields=tuple(types.get("project_fields", [])),
                visit_methods=tuple(types.get("visit_methods", [])),
                value_items=items,
                value_checks=checks,
                settings=dict(data.get("settings", {})),
                figures=list(data.get("figures", [])),
                rules=list(data.get("rules", [])),
                report=report,
                template_path=template_path,
                milestones=milestones,
                vocabulary_data=vocabulary,
                examples=examples,
            )
        except KeyError as exc:
            raise UserError(f"{where}缺少必填项 {exc.args[0]}。") from exc
        object.__setattr__(spec, "_vocabulary", parsed_vocabulary)  # parsed once, when checked
        if not spec.activity_types:
            raise UserError(f"{where}：[types].activities 不能为空。")
        if len(set(spec.goals)) != len(spec.goals):
            raise UserError(f"{where}：[campaign].goals 中有重复的目标。")
        return spec


def _vocabulary_data(
    data: dict[str, Any],
    head: dict[str, Any],
    *,
    base_dir: Path | None,
    where: str,
    stored: bool = False,
) -> tuple[dict[str, Any], Vocabulary]:
    """The vocabulary's content: inline ``[vocabulary]``, else the file ``[campaign].vocabulary``
    names (beside the campaign file, else among the built-in files), else the built-in one."""
    inline = data.get("vocabulary")
    if isinstance(inline, dict):
        content = inline
    else:
        name = head.get("vocabulary", "")
        path = DEFAULT_VOCABULARY
        if name:
            if not isinstance(name, str):
                raise UserError(f"{where} [campaign].vocabulary 必须是文件名。")
            candidates = [base_dir / name] if base_dir else []
            candidates.append(BUILTIN_DIR / name)
            path = next((c for c in candidates if c.is_file()), candidates[0])
        content = vocabulary_file_read(path)
        where = f"{where}（{path}）"
    # refuse a bad one now, naming the file
    return content, vocabulary_parse(content, source=where, complete=not stored)


def _milestones(raw: Any, *, where: str) -> tuple[Milestone, ...]:
    if not isinstance(raw, list):
        raise UserError(f"{where}：[[milestones]] 必须是表的列表。")
    out: list[Milestone] = []
    for index, item in enumerate(raw, start=1):
        what = f"{where} 第 {index} 个 [[milestones]]"
        if not isinstance(item, dict):
            raise UserError(f"{what} 必须是表。")
        code = _text(item.get("code", ""), f"{what}.code")
        implies = item.get("implies", [])
        if not isinstance(implies, list) or not all(isinstance(w, str) and w for w in implies):
            raise UserError(f"{what}.implies 必须是文字列表。")
        out.append(
            Milestone(
                code=code,
                name=str(item.get("name") or code),
                date=_date(item.get("date"), f"{what}.date"),
                implies=tuple(implies),
            )
        )
    words = [m.code for m in out] + [w for m in out for w in m.implies]
    if len(set(words)) != len(words):
        raise UserError(f"{where}：[[milestones]] 的代码或 implies 有重复。")
    return tuple(out)


def _examples(raw: Any, *, where: str) -> dict[str, dict[str, str]]:
    """``[examples.<kind>]``: a column (its header, as in the blank template, or its field) →
    the example value; the kind and the column must exist."""
    from xunzhi.ledgers import registry

    if not isinstance(raw, dict):
        raise UserError(f"{where}：[examples] 必须是表。")
    out: dict[str, dict[str, str]] = {}
    for key, values in raw.items():
        try:
            kind = registry.get(key)
        except KeyError:
            known = "、".join(k.key for k in registry.all())
            raise UserError(f"{where}：[examples.{key}] 不是台账种类（可用：{known}）。") from None
        if not isinstance(values, dict):
            raise UserError(f"{where}：[examples.{key}] 必须是表。")
        columns = {c.header: c.field for c in kind.columns} | {
            c.field: c.field for c in kind.columns
        }
        row: dict[str, str] = {}
        for column, value in values.items():
            if column not in columns:
                raise UserError(
                    f"{where}：[examples.{key}] 中的“{column}”不是{kind.label}的列"
                    f"（可用：{'、'.join(c.header for c in kind.columns if c.template)}）。"
                )
            if isinstance(value, dt.date | int | float) and not isinstance(value, bool):
                value = value.isoformat() if isinstance(value, dt.date) else str(value)
            if not isinstance(value, str):
                raise UserError(f"{where}：[examples.{key}].{column} 必须是文字、数字或日期。")
            row[columns[column]] = value
        out[key] = row
    return out


def _report(raw: Any, *, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise UserError(f"{where}：[report] 必须是表。")
    unknown = set(raw) - set(REPORT_DEFAULTS)
    if unknown:
        raise UserError(
            f"{where}：[report] 不认识 {'、'.join(sorted(unknown))}"
            f"（可用：{'、'.join(REPORT_DEFAULTS)}）。"
        )
    report = {**REPORT_DEFAULTS, **raw}
    for key in ("problems_max", "date_after_days"):
        value = report[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UserError(f"{where}：[report].{key} 必须是非负整数。")
    order = report["problems_order"]
    if not (
        order in PROBLEM_ORDERS
        or (isinstance(order, list) and all(isinstance(c, str) for c in order))
    ):
        raise UserError(
            f"{where}：[report].problems_order 只能是 {'、'.join(PROBLEM_ORDERS)} 或规则代码列表。"
        )
    share = report["final_share"]
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise UserError(f"{where}：[report].final_share 必须是 0 到 1 之间的数。")
    if not isinstance(report["group_title"], str) or not report["group_title"].strip():
        raise UserError(f"{where}：[report].group_title 必须是非空文字。")
    return report


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{where} 必须是非空文字。")
    return value.strip()


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise UserError(f"{where} 不是有效日期：{value}") from exc


@dataclass(frozen=True)
class CampaignFile:
    path: Path
    data: dict[str, Any]
    sha256: str
    spec: CampaignSpec
    text: str = ""
    template_name: str = ""
    template_text: str = ""


def campaign_file_read(path: Path) -> CampaignFile:
    """Read and check one campaign file and the report template beside it; errors name the file
    and the faulty entry."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到活动定义文件：{path}")
    return campaign_parse(path.read_bytes(), source=str(path), base_dir=path.parent, path=path)


def campaign_parse(
    raw: bytes,
    *,
    source: str,
    base_dir: Path | None,
    path: Path | None = None,
    template_text: str | None = None,
) -> CampaignFile:
    """Check a campaign file's bytes (``source`` names it in messages). The template is
    ``template_text`` when given (an upload), else the file ``[campaign].template`` names beside
    it (``base_dir``)."""
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise UserError(f"活动定义文件 {source} 不是 UTF-8 编码。") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"活动定义文件 {source} 格式错误：{_toml_where(str(exc))}") from exc
    spec = CampaignSpec.from_dict(data, base_dir=base_dir, source=source)
    template_name = str(data["campaign"].get("template", ""))
    if template_text is None:
        template_text = ""
        if spec.template_path:
            template_file = Path(spec.template_path)
            if not template_file.is_file():
                raise UserError(f"活动定义文件 {source} 指定的报告模板不存在：{spec.template_path}")
            try:
                template_text = template_file.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise UserError(f"报告模板 {template_file} 不是 UTF-8 编码。") from exc
    # The figures app owns the meaning of figures and rules; let it refuse bad ones now.
    from xunzhi.figures.spec import validate_campaign_figures

    validate_campaign_figures(spec, source=source)
    from xunzhi.evaluation.spec import evaluation_spec_parse

    evaluation_spec_parse(spec, data, source=source, text=text)
    # Store the vocabulary's content, so the database copy is usable on its own; the template's
    # text is stored with the version (``CampaignVersion.template_text``).
    data = dict(data)
    data["vocabulary"] = spec.vocabulary_data
    # The digest covers the vocabulary too: an edited shared levels.toml is a new version.
    vocabulary = json.dumps(spec.vocabulary_data, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(raw + b"\0" + template_text.encode("utf-8"))
    digest.update(b"\0" + vocabulary.encode("utf-8"))
    return CampaignFile(
        path=path or Path(source),
        data=data,
        sha256=digest.hexdigest(),
        spec=spec,
        text=text,
        template_name=Path(template_name).name,
        template_text=template_text,
    )


def _toml_where(message: str) -> str:
    """tomllib's "Expected '=' … (at line 5, column 7)" with the place in Chinese first."""
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match is None:
        return message
    what = message[: match.start()].strip()
    return f"第 {match.group(1)} 行第 {match.group(2)} 列：{what}"


def builtin_campaign_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.toml"))
