"""Display styles of figures in government prose (docs/figures.md, "Display styles").

One function, :func:`figure_display`, turns a value into the text printed in a report. No number
of six or more digits is ever printed: from 10万 up every style writes 万 (from 1亿 up, 亿).

=====  ==========================================================================================
exact  the integer (non-integral values keep at most two decimals); from 100 000 up, style 万
多     below 20 exact; below 10 000 two significant digits rounded down (below 100: tens), then
       多, exact when nothing was dropped; from 10 000: one decimal of 万 (below 10万) or whole 万
       (from 10万), rounded down, then 万多 — exact 万 when nothing was dropped
余     like 多 with 余
万     below 10 000 exact; below 100万 one decimal of 万, rounded half up, trailing .0 dropped;
       from 100万 whole 万 rounded down, then 余 when something was dropped
%      a ratio as a whole percent, half up; with one decimal when the whole percent would read
       99% or 100% (the tenth matters there) or when ``tenth`` is asked (two rates that would
       print alike); a ratio below 1 never prints as 100%
=====  ==========================================================================================
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

STYLES = ("exact", "多", "余", "万", "%")

Number = int | float | Decimal

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
#: From here on an exact figure is written in 万 (no six-digit number in prose).
EXACT_LIMIT = Decimal(100_000)


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(int(value))


def _plain(value: Decimal) -> str:
    """``12.50`` → ``12.5``, ``3.00`` → ``3``; never scientific notation."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _exact(value: Decimal) -> str:
    if value >= EXACT_LIMIT:
        return _wan(value)
    if value == value.to_integral_value():
        return str(int(value))
    return _plain(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _round_down_two_digits(value: int) -> int:
    """Two significant digits rounded down (below 100: tens)."""
    if value < 100:
        return value // 10 * 10
    step: int = 10 ** (len(str(value)) - 2)
    return value // step * step


def _down(value: Decimal, unit: Decimal, places: str) -> Decimal:
    return (value / unit).quantize(Decimal(places), rounding=ROUND_DOWN)


def _approx(value: Decimal, suffix: str) -> str:
    """多 / 余: a lower bound a reader can trust, with the word that says more follows."""
    if value < 20:
        return _exact(value)
    if value >= YI:
        scaled, unit = _down(value, YI, "0.1"), "亿"
        base = YI
    elif value >= WAN:
        scaled = _down(value, WAN, "0.1" if value < 10 * WAN else "1")
        unit, base = "万", WAN
    else:
        whole = int(value.to_integral_value(rounding=ROUND_DOWN))
        rounded = _round_down_two_digits(whole)
        return str(rounded) if rounded == value else f"{rounded}{suffix}"
    exact = scaled * base == value
    return f"{_plain(scaled)}{unit}" + ("" if exact else suffix)


def _wan(value: Decimal) -> str:
    if value < WAN:
        return _exact(value)
    if value >= YI:
        scaled = _down(value, YI, "0.1")
        return f"{_plain(scaled)}亿" + ("" if scaled * YI == value else "余")
    if value < 100 * WAN:
        scaled = (value / WAN).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if scaled < 100:
            return f"{_plain(scaled)}万"
    whole = _down(value, WAN, "1")
    return f"{whole}万" + ("" if whole * WAN == value else "余")


def _percent(value: Decimal, tenth: bool = False) -> str:
    pct = value * 100
    whole = pct.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if value > 1 or value == 1 or (whole < 99 and not tenth):
        return f"{_plain(whole)}%"
    one = pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if value < 1 and one >= 100:
        one = Decimal("99.9")
    return f"{_plain(one)}%"


def figure_display(value: Number, style: str = "exact", *, tenth: bool = False) -> str:
    """The text of ``value`` in ``style``; raises ValueError on an unknown style or a negative value.

    ``tenth`` (style % only): keep one decimal, for two rates that would otherwise print alike.
    """
    if style not in STYLES:
        raise ValueError(f"未知的显示格式：{style}")
    number = _decimal(value)
    if number < 0:
        raise ValueError(f"数值不能为负：{value}")
    if style == "exact":
        return _exact(number)
    if style in ("多", "余"):
        return _approx(number, style)
    if style == "万":
        return _wan(number)
    return _percent(number, tenth)
