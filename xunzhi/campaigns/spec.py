"""The campaign file format, parsed and checked.

A campaign file is TOML (see ``docs/campaign-format.md``). This module knows the
*shape* of a campaign, nothing of 党史学习教育 in particular. The ``figures`` and
``rules`` tables are parsed by :mod:`xunzhi.figures.spec`, which owns their meaning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xunzhi.lib.errors import UserError

BUILTIN_DIR = Path(__file__).resolve().parent / "data"

AGGREGATIONS = ("latest", "sum")


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
        cls, data: dict[str, Any], *, base_dir: Path | None, source: str = ""
    ) -> CampaignSpec:
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
                report=dict(data.get("report", {})),
                template_path=template_path,
            )
        except KeyError as exc:
            raise UserError(f"{where}缺少必填项 {exc.args[0]}。") from exc
        if not spec.activity_types:
            raise UserError(f"{where}：[types].activities 不能为空。")
        return spec


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


def campaign_file_read(path: Path) -> CampaignFile:
    """Read and check one campaign file; errors name the file and the faulty entry."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到活动定义文件：{path}")
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UserError(f"活动定义文件 {path} 不是 UTF-8 编码。") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"活动定义文件 {path} 格式错误：{exc}") from exc
    spec = CampaignSpec.from_dict(data, base_dir=path.parent, source=str(path))
    if spec.template_path and not Path(spec.template_path).is_file():
        raise UserError(f"活动定义文件 {path} 指定的报告模板不存在：{spec.template_path}")
    # The figures app owns the meaning of figures and rules; let it refuse bad ones now.
    from xunzhi.figures.spec import validate_campaign_figures

    validate_campaign_figures(spec, source=str(path))
    # Store the resolved template path so the database copy is usable on its own.
    data = dict(data)
    data["campaign"] = dict(data["campaign"], template=spec.template_path)
    return CampaignFile(path=path, data=data, sha256=hashlib.sha256(raw).hexdigest(), spec=spec)


def builtin_campaign_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.toml"))
