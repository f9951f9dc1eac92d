"""Cell value parsers for messy sheets: dates, numbers, names, choices, periods, tags.

Every parser takes the raw cell value as a reader returns it (``str``, ``int``,
``float``, ``bool``, ``date``, ``datetime`` or ``None``/``""`` for an empty cell)
and returns the clean Python value, or raises :class:`CellError` with a Chinese
reason. They are pure functions (no database), hot in the import loop, so each
has a fast path for the common, already-clean case.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from xunzhi.lib.sheets import NEUTRAL_PREFIX, unneutralise


class CellError(ValueError):
    """A cell value that cannot be read; the message is the Chinese reason."""


_WS_RE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers Excel gives to dates between 1954 and 2119: anything else is not a date.
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip(" \t\r\n\u3000\u00a0\ufeff")
    return False


def number_text(value: float | int) -> str:
    """A number cell shown as the text a user typed (``123.0`` → ``123``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_EDGE = " \t\r\n\u3000\u00a0\u200b\ufeff"
_EDGE_START = _EDGE + NEUTRAL_PREFIX


def to_text(value: object) -> str:
    """Free text: trimmed at both ends (full-width and non-breaking spaces too)."""
    if value.__class__ is str and value and value[0] not in _EDGE_START and value[-1] not in _EDGE:
        return value  # the common, clean case
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip(" \t\r\n\u3000\u00a0\u200b\ufeff")
        if text and text[0] == NEUTRAL_PREFIX:
            text = unneutralise(text)
        return text
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def to_key(value: object) -> str:
    """A name or code as a lookup key: NFKC (full-width → half-width), every space removed."""
    text = to_text(value)
    if not text:
        return ""
    return _WS_RE.sub("", unicodedata.normalize("NFKC", text))


# ---------------------------------------------------------------- dates

_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_MD = re.compile(r"^(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$")
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _make_date(y: int, m: int, d: int, raw: object) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as exc:
        raise CellError(f"“{raw}”不是有效日期") from exc


def to_date(value: object, *, year_hint: YearHint | None = None) -> dt.date | None:
    """A date from a real date, an Excel serial number or text in the forms of ledgers.md."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是日期")
    if isinstance(value, int | float):
        return _serial(value, value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    text = _TIME_TAIL.sub("", text).strip()
    m = _DATE_YMD.match(text)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value)
    m = _DATE_COMPACT.match(text)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value)
    m = _DATE_MD.match(text)
    if m:
        month, day = int(m[1]), int(m[2])
        if year_hint is None:
            raise CellError(f"“{value}”没有年份，且无法从标题或活动期间推断")
        return _make_date(year_hint.year_for(month, day), month, day, value)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _serial(float(text), value)
    raise CellError(f"“{value}”不是可识别的日期（可写作 2021-06-01、2021.6.1、2021年6月1日）")


def _serial(number: float, raw: object) -> dt.date:
    if not (_SERIAL_MIN <= number <= _SERIAL_MAX):
        raise CellError(f"“{raw}”不是日期")
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


class YearHint:
    """Supplies the year of ``6月1日``: a year named in the sheet's title rows, else the
    year that puts the day inside the campaign period (start year when neither does)."""

    def __init__(self, *, start: dt.date, end: dt.date, title_year: int | None = None) -> None:
        self.start, self.end, self.title_year = start, end, title_year

    def year_for(self, month: int, day: int) -> int:
        if self.title_year:
            return self.title_year
        for year in range(self.start.year, self.end.year + 1):
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                continue
            if self.start <= candidate <= self.end:
                return year
        return self.start.year


# ---------------------------------------------------------------- numbers

_NUM_RE = re.compile(r"^([+-]?\d+(?:\.\d+)?)(万|亿)?([^\d.+-]{0,4})$")
_MULT = {None: 1, "万": 10_000, "亿": 100_000_000}


def to_decimal(value: object) -> Decimal | None:
    """A number from a number cell or text with full-width digits, separators, units, 万, %."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是数字")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dt.date):
        raise CellError(f"“{value}”是日期，不是数字")
    text = _WS_RE.sub("", unicodedata.normalize("NFKC", str(value)))
    if not text:
        return None
    text = text.replace(",", "").replace("，", "").replace("_", "")
    if text.startswith(NEUTRAL_PREFIX):
        text = text[1:]
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    m = _NUM_RE.match(text)
    if not m or (m[3] and not _is_unit(m[3])):
        raise CellError(f"“{value}”不是数字")
    try:
        number = Decimal(m[1]) * _MULT[m[2]]
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise CellError(f"“{value}”不是数字") from exc
    # A percentage keeps the figure as written (95% → 95): values are stored in percent points.
    return number


def _is_unit(text: str) -> bool:
    """A unit word after a number (人, 人次, 个, 件, 项, 场 …): CJK letters only."""
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


def to_int(value: object) -> int | None:
    """A non-negative whole number (人数, 数量, 党员数)."""
    if type(value) is int:
        if value < 0:
            raise CellError(f"“{value}”不能为负数")
        return value
    if type(value) is float and value.is_integer():
        if value < 0:
            raise CellError(f"“{number_text(value)}”不能为负数")
        return int(value)
    number = to_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(f"“{to_text(value)}”不是整数")
    if number < 0:
        raise CellError(f"“{to_text(value)}”不能为负数")
    if number > 2_147_483_647:
        raise CellError(f"“{to_text(value)}”太大")
    return int(number)


_CENT = Decimal("0.01")
_DECIMAL_MAX = Decimal("99999999999999.99")


def to_money(value: object) -> Decimal | None:
    """A reported value: a non-negative number, rounded half up to two decimals."""
    number = to_decimal(value)
    if number is None:
        return None
    number = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    if number < 0:
        raise CellError(f"“{to_text(value)}”不能为负数")
    if number > _DECIMAL_MAX:
        raise CellError(f"“{to_text(value)}”太大")
    return number


# ---------------------------------------------------------------- words

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "对"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "不是", ""}


def to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = to_key(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"“{value}”应填“是”或“否”")


def to_choice(value: object, choices: tuple[str, ...] | list[str]) -> str:
    """One of a fixed list of words (the campaign's types, a status …), spaces ignored."""
    text = to_key(value)
    if text in choices:
        return text
    if not text:
        return ""
    shown = "、".join(choices[:20]) + ("等" if len(choices) > 20 else "")
    raise CellError(f"“{to_text(value)}”不是可选值（可选：{shown}）")


_TAG_SPLIT = re.compile(r"[,，、;；/|\s\u3000]+")


def to_tags(value: object) -> str:
    """Free tags to the ``,a,b,`` storage form of ``Activity.tags`` (order kept, duplicates dropped)."""
    text = to_text(value)
    if not text:
        return ""
    tags: list[str] = []
    for part in _TAG_SPLIT.split(unicodedata.normalize("NFKC", text)):
        if part and part not in tags:
            tags.append(part)
    return "," + ",".join(tags) + "," if tags else ""


def tags_text(stored: str) -> str:
    """The storage form back to what a user writes (``自选动作、线上``)."""
    return "、".join(t for t in stored.split(",") if t)


# ---------------------------------------------------------------- periods

WHOLE_PERIOD = "全程"
_WHOLE = {"全程", "全期", "全部", "累计", "整体", "活动全程"}
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(份)?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})\s*(?:年|-)?\s*(?:[Qq]\s*([1-4])|第?([一二三四1-4])季度?)$")
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4}


def to_period(value: object, *, campaign_end: dt.date) -> tuple[str, dt.date]:
    """A reporting period: ``2021-06``, ``2021Q2`` or ``全程``, with its last day."""
    if isinstance(value, dt.date):  # Excel turned ``2021-06`` into the first of the month
        year, month = value.year, value.month
        return f"{year:04d}-{month:02d}", _month_end(year, month)
    text = to_key(value)
    if not text:
        raise CellError("期间不能为空")
    if text in _WHOLE:
        return WHOLE_PERIOD, campaign_end
    m = _MONTH_RE.match(text) or _MONTH_COMPACT.match(text)
    if m:
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return f"{year:04d}-{month:02d}", _month_end(year, month)
    m = _QUARTER_RE.match(text)
    if m:
        year = int(m[1])
        q = int(m[2]) if m[2] else _CN_DIGIT.get(m[3]) or int(m[3])
        return f"{year:04d}Q{q}", _month_end(year, q * 3)
    raise CellError(f"“{to_text(value)}”不是有效期间（可写作 2021-06、2021Q2 或 全程）")


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


_YEAR_IN_TITLE = re.compile(r"(20\d{2})\s*年")


def title_year(lines: list[str]) -> int | None:
    """A year named in the title rows above a header (``2021年…活动台账``)."""
    for line in lines:
        m = _YEAR_IN_TITLE.search(unicodedata.normalize("NFKC", line))
        if m:
            return int(m[1])
    return None


def normalise_header(value: object) -> str:
    """A header cell as a lookup key: no spaces, no ``*`` marks, no trailing ``（单位）``."""
    text = to_key(value)
    text = text.replace("*", "").replace("★", "")
    text = re.sub(r"[(（][^()（）]*[)）]$", "", text)
    return text.rstrip(":：")


def is_total_label(value: object) -> bool:
    text = to_key(value)
    return text in {"合计", "小计", "总计", "总合计", "共计"} or (
        len(text) <= 8 and any(text.startswith(w) for w in ("合计", "小计", "总计"))
    )
