"""Level words (层级用语): what a county, a township, a department or a city is called in prose.

The words live in one vocabulary file (``data/shared/levels.toml``) that a campaign file names;
this module parses and checks it and picks the level of a unit from its kind, its name, its
parent's kind and its children's kinds. Everything that writes a level's words — the report
template, rule sentences, figure names, the check sheet, the dashboard — takes them from the
:class:`Level` chosen here, so a township report never says 全县. Format: docs/campaign-format.md.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2

from xunzhi.lib.errors import UserError

#: Words the code itself reads (the rest are only for templates and sentences).
REQUIRED_WORDS = ("rank", "guide", "guide_named", "whole", "sub_units")
MATCH_KEYS = ("kinds", "suffixes", "parent_kinds", "child_kinds")


@dataclass(frozen=True)
class Level:
    """One level of the tree and its words (``words["whole"]`` → 全县)."""

    code: str
    name: str
    kinds: tuple[str, ...]
    suffixes: tuple[str, ...] = ()
    parent_kinds: tuple[str, ...] = ()
    child_kinds: tuple[str, ...] = ()
    sub_kinds: tuple[str, ...] = ()
    words: Mapping[str, str] = field(default_factory=dict)

    def matches(
        self, *, kind: str, name: str, parent_kind: str | None, child_kinds: Iterable[str]
    ) -> bool:
        if kind not in self.kinds:
            return False
        if self.suffixes and not name.endswith(self.suffixes):
            return False
        if self.parent_kinds and parent_kind not in self.parent_kinds:
            return False
        return not self.child_kinds or bool(set(self.child_kinds) & set(child_kinds))

    @property
    def unconditional(self) -> bool:
        return not (self.suffixes or self.parent_kinds or self.child_kinds)


@dataclass(frozen=True)
class Vocabulary:
    """The parsed vocabulary: kind words and the levels in match order."""

    kinds: Mapping[str, str]
    levels: tuple[Level, ...]

    def level(self, code: str) -> Level:
        for level in self.levels:
            if level.code == code:
                return level
        raise KeyError(code)

    def candidates(self, kind: str) -> list[Level]:
        return [level for level in self.levels if kind in level.kinds]

    def level_for(
        self,
        *,
        kind: str,
        name: str,
        parent_kind: str | None = None,
        child_kinds: Iterable[str] = (),
    ) -> Level:
        children = tuple(child_kinds)
        for level in self.levels:
            if level.matches(kind=kind, name=name, parent_kind=parent_kind, child_kinds=children):
                return level
        raise UserError(f"层级用语表中没有适用于“{name}”（类型 {kind}）的层级。")

    def kind_word(self, kind: str) -> str:
        return self.kinds.get(kind, kind)

    def kinds_word(self, kinds: Iterable[str]) -> str:
        """The words of several kinds, in the given order, without repeats: 乡镇和部门."""
        words = list(dict.fromkeys(self.kind_word(k) for k in kinds))
        return "和".join(words)


def _tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UserError(f"{where} 必须是文字或文字列表。")
    return tuple(value)


@dataclass(frozen=True)
class _Known:
    """The organisation kinds and ranks, read once per parse (Django's ``Choices.values``
    builds a new list on every read)."""

    kinds: tuple[str, ...]
    ranks: tuple[str, ...]


def vocabulary_parse(
    data: Mapping[str, Any], *, source: str = "", complete: bool = True
) -> Vocabulary:
    """Check and resolve a vocabulary (``base`` inheritance); errors name the file and the entry.

    ``complete``: every organisation kind must have a level without extra conditions. A file
    being loaded is held to that; a version stored before a kind existed (the 省 came later) is
    read without it, and a unit of the missing kind then fails by name in ``level_for``."""
    from xunzhi.organisations.models import OrgKind, Rank

    where = f"层级用语表 {source}" if source else "层级用语表"
    raw_levels = data.get("levels")
    if not isinstance(raw_levels, list) or not raw_levels:
        raise UserError(f"{where}：缺少 [[levels]]。")
    kinds = data.get("kinds", {})
    if not isinstance(kinds, dict):
        raise UserError(f"{where}：[kinds] 必须是表。")
    known = _Known(kinds=tuple(OrgKind.values), ranks=tuple(Rank.values))
    for kind in kinds:
        if kind not in known.kinds:
            raise UserError(f"{where}：[kinds] 中的“{kind}”不是组织类型。")
    by_code: dict[str, dict[str, Any]] = {}
    for index, raw in enumerate(raw_levels, start=1):
        code = raw.get("code") if isinstance(raw, dict) else None
        if not code or not isinstance(code, str):
            raise UserError(f"{where}：第 {index} 个 [[levels]] 缺少 code。")
        if code in by_code:
            raise UserError(f"{where}：层级代码 {code} 重复。")
        by_code[code] = raw
    levels = [_level_parse(code, by_code, where, known) for code in by_code]
    _levels_check(levels, where, known if complete else None)
    return Vocabulary(kinds=MappingProxyType(dict(kinds)), levels=tuple(levels))


def _words_resolved(
    by_code: dict[str, dict[str, Any]], code: str, where: str, seen: tuple[str, ...] = ()
) -> tuple[dict[str, str], tuple[str, ...]]:
    """A level's words and sub_kinds, its ``base`` level's first (a chain, never a loop)."""
    raw = by_code[code]
    if code in seen:
        raise UserError(f"{where}：层级 {code} 的 base 形成循环。")
    words: dict[str, str] = {}
    sub_kinds: tuple[str, ...] = ()
    base = raw.get("base")
    if base is not None:
        if base not in by_code:
            raise UserError(f"{where}：层级 {code} 的 base“{base}”不存在。")
        words, sub_kinds = _words_resolved(by_code, base, where, (*seen, code))
        words = dict(words)
    own = raw.get("words", {})
    if not isinstance(own, dict) or not all(isinstance(v, str) for v in own.values()):
        raise UserError(f"{where}：层级 {code} 的 words 必须是“用语 = 文字”的表。")
    words.update(own)
    if "sub_kinds" in raw:
        sub_kinds = _tuple(raw["sub_kinds"], f"{where}：层级 {code} 的 sub_kinds")
    return words, sub_kinds


def _level_parse(code: str, by_code: dict[str, dict[str, Any]], where: str, known: _Known) -> Level:
    """One ``[[levels]]`` entry: its match keys checked, its words resolved."""
    raw = by_code[code]
    what = f"{where}：层级 {code}"
    match = raw.get("match")
    if not isinstance(match, dict) or not match.get("kinds"):
        raise UserError(f"{what} 缺少 match.kinds。")
    for key in match:
        if key not in MATCH_KEYS:
            raise UserError(f"{what} 的 match 不认识“{key}”（可用：{'、'.join(MATCH_KEYS)}）。")
    parsed = {key: _tuple(match.get(key), f"{what} 的 match.{key}") for key in MATCH_KEYS}
    words, sub_kinds = _words_resolved(by_code, code, where)
    for key in ("kinds", "parent_kinds", "child_kinds"):
        for kind in parsed[key]:
            if kind not in known.kinds:
                raise UserError(f"{what} 的 match.{key} 中“{kind}”不是组织类型。")
    for kind in sub_kinds:
        if kind not in known.kinds:
            raise UserError(f"{what} 的 sub_kinds 中“{kind}”不是组织类型。")
    if words.get("rank") not in known.ranks:
        raise UserError(
            f"{what} 的 rank“{words.get('rank')}”不是职级（{'、'.join(known.ranks)}）。"
        )
    return Level(
        code=code,
        name=str(raw.get("name") or code),
        kinds=parsed["kinds"],
        suffixes=parsed["suffixes"],
        parent_kinds=parsed["parent_kinds"],
        child_kinds=parsed["child_kinds"],
        sub_kinds=sub_kinds,
        words=MappingProxyType(words),
    )


def _levels_check(levels: list[Level], where: str, known: _Known | None) -> None:
    """Every level has the same words, and every kind ``known`` names has a level without extra
    conditions."""
    keys = set(levels[0].words)
    for level in levels:
        missing = (keys | set(REQUIRED_WORDS)) - set(level.words)
        if missing:
            raise UserError(
                f"{where}：层级 {level.code} 缺少用语 {'、'.join(sorted(missing))}"
                "（每个层级须有同样的用语）。"
            )
        extra = set(level.words) - keys
        if extra:
            raise UserError(
                f"{where}：层级 {level.code} 多出用语 {'、'.join(sorted(extra))}，"
                f"层级 {levels[0].code} 没有（每个层级须有同样的用语）。"
            )
    for kind in known.kinds if known else ():
        if not any(kind in level.kinds and level.unconditional for level in levels):
            raise UserError(f"{where}：没有无附加条件的层级适用于组织类型“{kind}”。")


def vocabulary_file_read(path: Path) -> dict[str, Any]:
    """The raw content of a vocabulary file (checked by :func:`vocabulary_parse`)."""
    if not path.is_file():
        raise UserError(f"找不到层级用语表：{path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise UserError(f"层级用语表 {path} 不是 UTF-8 编码。") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"层级用语表 {path} 格式错误：{exc}") from exc


_TEXTS: dict[str, jinja2.Template] = {}


def level_text(text: str, level: Level, *, unit: str = "") -> str:
    """``text`` with the level's words filled in (``{{ lv.standing }}专题学习研讨`` → 县委常委班子…).

    Names of figures and rules in a campaign file may use ``lv`` (``{unit}`` in a word becomes
    ``unit``); text without ``{{`` is returned as it is.
    """
    if "{{" not in text and "{%" not in text:
        return text
    template = _TEXTS.get(text)
    if template is None:
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701 plain text for Word, never HTML
        try:
            template = _TEXTS[text] = env.from_string(text)
        except jinja2.TemplateSyntaxError as exc:
            raise UserError(f"名称“{text}”中的用语写法有误：{exc.message}") from exc
    try:
        words = {key: value.replace("{unit}", unit) for key, value in level.words.items()}
        return template.render(lv=words).strip()
    except jinja2.UndefinedError as exc:
        raise UserError(f"名称“{text}”引用了层级用语表中没有的用语：{exc.message}") from exc
