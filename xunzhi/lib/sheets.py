"""Text written into a spreadsheet, made safe against formula injection: the one helper every
workbook and CSV file the server writes goes through (exports, templates, the annotated
workbook and its 错误清单, the 数据核对表).

Text a user typed that starts with ``=``, ``+``, ``-`` or ``@`` would be taken by Excel or WPS
as a formula (``=HYPERLINK(...)``, ``=cmd|...``); it is written with a leading ``'``, which
the spreadsheet shows as text and the importer removes again (so export → import is the
identity).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Prefix added before text starting with = + - @ (and before text already starting with it).
NEUTRAL_PREFIX = "'"
FORMULA_STARTS = ("=", "+", "-", "@")


def neutralise(text: str) -> str:
    """Make a text cell safe against formula injection (the importer undoes it exactly)."""
    if text and (text[0] in FORMULA_STARTS or text[0] == NEUTRAL_PREFIX):
        return NEUTRAL_PREFIX + text
    return text


def unneutralise(text: str) -> str:
    if len(text) > 1 and text[0] == NEUTRAL_PREFIX and text[1] in (*FORMULA_STARTS, NEUTRAL_PREFIX):
        return text[1:]
    return text


def safe_cell(value: Any) -> Any:
    """A cell value to write: text neutralised, anything else as it is."""
    return neutralise(value) if isinstance(value, str) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]
