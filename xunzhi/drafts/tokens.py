"""Figures inside block text as tokens (``⟦F07⟧``), the document ↔ blocks conversion, renumbering.

A figure printed twice with the same text is one key (``F07``); printed with another text
(another display style) it gets its own key (``F07.2``). The key's part before the dot is
the figure code, which the check sheet and the figure pages use.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from xunzhi.reports.document import Block, ReportDocument, Run

TOKEN = re.compile(r"⟦([A-Za-z0-9_]{1,16}(?:\.\d{1,3})?)⟧")
BRACKETS = ("⟦", "⟧")
CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def token(key: str) -> str:
    return f"⟦{key}⟧"


def figure_code(key: str) -> str:
    return key.split(".", 1)[0]


def tokens_in(text: str) -> Counter[str]:
    return Counter(TOKEN.findall(text))


@dataclass(frozen=True)
class Snapshot:
    """Blocks of a composed document in token form, and the figures they print."""

    blocks: list[tuple[str, str]]  # (kind, text with tokens)
    figures: dict[str, dict[str, Any]]  # key → code, name, definition, value, text, sources


def snapshot(document: ReportDocument, figures: Any) -> Snapshot:
    """The composed document as (kind, tokenised text) pairs, with the figure snapshot."""
    texts: dict[str, list[str]] = {}
    table: dict[str, dict[str, Any]] = {}
    blocks: list[tuple[str, str]] = []
    for block in document.blocks:
        parts: list[str] = []
        for run in block.runs:
            if run.figure is None:
                parts.append(run.text.replace("⟦", "〔").replace("⟧", "〕"))
                continue
            seen = texts.setdefault(run.figure, [])
            if run.text not in seen:
                seen.append(run.text)
            n = seen.index(run.text) + 1
            key = run.figure if n == 1 else f"{run.figure}.{n}"
            if key not in table:
                fig = figures.values.get(run.figure) if figures is not None else None
                table[key] = {
                    "code": run.figure,
                    "name": getattr(fig, "name", ""),
                    "definition": getattr(fig, "definition", ""),
                    "value": "" if fig is None or fig.value is None else str(fig.value),
                    "text": run.text,
                    "sources": getattr(fig, "source_count", 0),
                }
            parts.append(token(key))
        blocks.append((block.kind, "".join(parts)))
    return Snapshot(blocks=blocks, figures=table)


def runs_of(text: str, printed: dict[str, str]) -> list[Run]:
    """Block text → runs; a token prints its figure's text (``printed``: key → text)."""
    runs: list[Run] = []
    pos = 0
    for match in TOKEN.finditer(text):
        if match.start() > pos:
            runs.append(Run(text[pos : match.start()]))
        key = match[1]
        runs.append(Run(printed.get(key, ""), figure_code(key)))
        pos = match.end()
    if pos < len(text):
        runs.append(Run(text[pos:]))
    return runs


def plain(text: str, printed: dict[str, str]) -> str:
    """Block text as it prints."""
    return "".join(run.text for run in runs_of(text, printed))


def document_of(
    title: str, blocks: list[tuple[str, str]], printed: dict[str, str], meta: dict[str, str]
) -> ReportDocument:
    return ReportDocument(
        title=title,
        blocks=[Block(kind, runs_of(text, printed)) for kind, text in blocks],  # type: ignore[arg-type]
        meta=meta,
    )


# --- renumbering -------------------------------------------------------------------------------

DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (up to 99)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


NUMERAL = "[一二三四五六七八九十]{1,3}"
HEADING1 = re.compile(rf"^{NUMERAL}、")
HEADING2 = re.compile(rf"^（{NUMERAL}）")
ENUMERATION = re.compile(rf"^{NUMERAL}是")


def renumber(blocks: list[tuple[str, str]]) -> list[str]:
    """New texts of ``blocks`` (kind, text): 一、二、… over the level-one headings,
    （一）（二）… under each, and 一是、二是… over the numbered paragraphs of each section."""
    out: list[str] = []
    h1 = h2 = enum = 0
    for kind, text in blocks:
        if kind == "heading1" and HEADING1.match(text):
            h1, h2, enum = h1 + 1, 0, 0
            text = HEADING1.sub(f"{chinese_number(h1)}、", text, count=1)
        elif kind == "heading1":
            h2 = enum = 0
        elif kind == "heading2" and HEADING2.match(text):
            h2, enum = h2 + 1, 0
            text = HEADING2.sub(f"（{chinese_number(h2)}）", text, count=1)
        elif kind == "body" and ENUMERATION.match(text):
            enum += 1
            text = ENUMERATION.sub(f"{chinese_number(enum)}是", text, count=1)
        out.append(text)
    return out


def section_of(kinds: list[str]) -> list[int]:
    """The level-one section each block sits in (0 before the first heading)."""
    sections, n = [], 0
    for kind in kinds:
        if kind == "heading1":
            n += 1
        sections.append(n if kind not in ("signature", "date") else -1)
    return sections
