"""Finding the table in a sheet: the header row (one or two merged rows below any title
rows), its kind, which column holds what, and which rows are data, blank or totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from xunzhi.intake.kinds import Kind, kind_get
from xunzhi.intake.values import is_blank, is_total_label, normalise_header, to_text
from xunzhi.ledgers import registry

#: How far down a sheet the header may be.
HEADER_SCAN_ROWS = 20
#: Template sheets that carry lists for the clerk, never data.
AUX_SHEETS = {"单位列表", "选项", "填写说明", "错误清单"}
#: merged cell ranges of a sheet: (first row, first column, last row, last column), 0-based
Merged = Sequence[tuple[int, int, int, int]]
EXAMPLE_MARKS = ("（示例）", "(示例)")


@lru_cache(maxsize=64)
def _lookup(kind: Kind) -> dict[str, str]:
    """normalised header text → canonical header, canonical names winning over aliases."""
    table: dict[str, str] = {}
    for col in kind.columns:
        for alias in col.aliases:
            table.setdefault(normalise_header(alias), col.header)
    for col in kind.columns:
        table[normalise_header(col.header)] = col.header
    return table


def lookups() -> dict[str, dict[str, str]]:
    """kind → its header lookup, for every importable kind of the registry."""
    return {kind.key: _lookup(kind) for kind in registry.importable()}


@lru_cache(maxsize=8)
def _all_headers(kinds: tuple[Kind, ...]) -> frozenset[str]:
    return frozenset().union(*(_lookup(kind) for kind in kinds))


@dataclass
class Table:
    kind: Kind
    header_row: int  # 0-based index of the (last) header row
    first_data_row: int
    #: canonical header → (column index, header text as written)
    columns: dict[str, tuple[int, str]]
    extra_columns: list[str] = field(default_factory=list)
    title_lines: list[str] = field(default_factory=list)


def _two_row_texts(
    rows: list[list[Any]], r: int, merged: Merged
) -> tuple[list[str], list[str], list[str]]:
    """Rows r and r+1 read as one two-row header: (joined texts, upper, lower)."""
    top = [to_text(v) for v in rows[r]]
    bottom = [to_text(v) for v in rows[r + 1]] if r + 1 < len(rows) else []
    width = max(len(top), len(bottom))
    top += [""] * (width - len(top))
    bottom += [""] * (width - len(bottom))
    # A group label merged across several columns covers them all.
    filled = list(top)
    for r0, c0, _r1, c1 in merged:
        if r0 == r and c1 > c0:
            for c in range(c0 + 1, min(c1 + 1, width)):
                if not filled[c]:
                    filled[c] = top[c0]
    return [bottom[c] or filled[c] for c in range(width)], filled, bottom


def _match(texts: list[str], lookup: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, text in enumerate(texts):
        key = normalise_header(text)
        if key in lookup and lookup[key] not in found:
            found[lookup[key]] = c
    return found


def _match_two(top: list[str], bottom: list[str], lookup: dict[str, str]) -> dict[str, int]:
    """Two-row header: each column is named by its lower cell, the upper one, or both joined."""
    found: dict[str, int] = {}
    for c in range(len(top)):
        for cand in (bottom[c], top[c] + bottom[c], top[c]):
            key = normalise_header(cand)
            if key and key in lookup and lookup[key] not in found:
                found[lookup[key]] = c
                break
    return found


def _score(found: dict[str, int], kind: Kind) -> tuple[int, int]:
    has_signature = all(h in found for h in kind.signature)
    return (1 if has_signature else 0, len(found))


def table_find(
    raw_rows: list[list[Any]], *, merged: Merged = (), kind_name: str | None = None
) -> Table | None:
    """The header and kind of a sheet, or None when no known table is in it."""
    kinds = [kind_get(kind_name)] if kind_name else registry.importable()
    all_headers = _all_headers(tuple(registry.importable()))
    best: tuple[Any, ...] | None = None
    limit = min(len(raw_rows), HEADER_SCAN_ROWS)
    for r in range(limit):
        row = raw_rows[r]
        if not any(not is_blank(v) for v in row):
            continue
        texts = [to_text(v) for v in row]
        if not any(normalise_header(t) in all_headers for t in texts):
            continue
        for kind in kinds:
            lookup = _lookup(kind)
            one = _match(texts, lookup)
            candidates = [(one, r, r + 1)]
            if r + 1 < len(raw_rows):
                _texts, top, bottom = _two_row_texts(raw_rows, r, merged)
                two = _match_two(top, bottom, lookup)
                if len(two) > len(one):
                    candidates.append((two, r + 1, r + 2))
            for found, header_row, first in candidates:
                score = (*_score(found, kind), -r)
                if score[0] and (best is None or score > best[0]):
                    best = (score, kind, found, header_row, first, r)
    if best is None:
        return None
    _score_, kind, found, header_row, first, top_row = best
    written = {}
    header_texts = (
        [to_text(v) for v in raw_rows[header_row]]
        if header_row == top_row
        else _two_row_texts(raw_rows, top_row, merged)[0]
    )
    for canonical, c in found.items():
        written[canonical] = (c, header_texts[c] if c < len(header_texts) else canonical)
    used = {c for c, _ in written.values()}
    extra = [t for c, t in enumerate(header_texts) if t and c not in used]
    titles = [" ".join(to_text(v) for v in raw_rows[i] if not is_blank(v)) for i in range(top_row)]
    return Table(
        kind=kind,
        header_row=header_row,
        first_data_row=first,
        columns=written,
        extra_columns=extra,
        title_lines=[t for t in titles if t],
    )


def row_class(row: list[Any], table: Table) -> str:
    """``data``, ``blank``, ``total`` (合计/小计/总计), ``example`` (a template's example row)
    or ``header`` (the header repeated, e.g. on every printed page). Hot: one call per row."""
    strings = []
    has_value = False
    for v in row:
        if v.__class__ is str:
            if v and not v.isspace():
                strings.append(v)
                has_value = True
        elif v is not None:
            has_value = True  # a number, a date
    if not has_value:
        return "blank"
    for v in strings[:3]:
        if "计" in v and is_total_label(v):
            return "total"
    for v in strings:
        if "示例" in v[:6] and to_text(v).startswith(EXAMPLE_MARKS):
            return "example"
    n = len(row)
    repeated = 0
    for c, text in table.columns.values():
        if c < n and row[c] == text:
            repeated += 1
    if repeated >= 2:
        return "header"
    return "data"
