"""The report template's Jinja2 environment: figure markers, filters and block parsing.

The template (Jinja2, a text file beside the campaign file) writes blocks as lines: ``@body``
starts a paragraph and the following lines are joined into it. The ``fig`` filter wraps a
figure's printed text in private-use markers carrying its code; :func:`blocks_parse` splits the
markers back into ``Run(text, figure=code)`` so every renderer can link figures to their sources.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import jinja2

from xunzhi.figures.display import figure_display
from xunzhi.figures.services import FigureValue
from xunzhi.lib.errors import UserError
from xunzhi.reports.document import Block, BlockKind, Run

OPEN, MID, CLOSE = "\ue000", "\ue001", "\ue002"
MARKER = re.compile(f"{OPEN}([^{MID}]+){MID}([^{CLOSE}]*){CLOSE}")
KINDS: dict[str, BlockKind] = {
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
def _rel_date(context: jinja2.runtime.Context, value: dt.date | None) -> str:
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
    number = value.value
    if value.kind == "list" or not isinstance(number, Decimal | int):  # a list prints its names
        return _mark(value.code, str(number))
    text = figure_display(number, style) if style else value.text
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


def compiled_template(env: jinja2.Environment, source: str) -> jinja2.Template:
    """Compile a template text once per process (templates are edited rarely, read often)."""
    template = _COMPILED.get(source)
    if template is None:
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        template = _COMPILED[source] = env.from_string(source)
    return template


class FigureLookup(dict[str, FigureValue]):
    """``f.F02`` in templates; an unknown code fails loudly instead of printing nothing."""

    def __getattr__(self, code: str) -> FigureValue:
        try:
            return self[code]
        except KeyError:
            raise TemplateFigureError(f"报告模板引用了不存在的数据项 {code}。") from None


def blocks_parse(text: str) -> list[Block]:
    """Template output → blocks; figure markers → runs carrying the figure code."""
    blocks: list[Block] = []
    kind: BlockKind | None = None
    lines: list[str] = []

    def flush() -> None:
        if kind is None:
            return
        joined = "".join(lines).strip()
        if joined:
            blocks.append(Block(kind=kind, runs=_runs(joined)))

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


def plain(text: str) -> str:
    """Text without figure markers (for the check sheet and the dashboard)."""
    return MARKER.sub(lambda m: m.group(2), text)
