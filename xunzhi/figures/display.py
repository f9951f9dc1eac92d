"""Display styles of figures in government prose (figures.md, "Display styles").

One function, :func:`figure_display`, turns a value into the text printed in a report:

=====  ==========================================================================
exact  the integer (non-integral values keep at most two decimals)
多     two significant digits, rounded down, then 多 (below 100: tens, then 多);
       exact when the value is already round or below 20
余     like 多 but with 余
万     value / 10 000 with at most two decimals (half up), trailing zeros dropped,
       then 万; exact below 10 000
%      a ratio as a percentage with at most one decimal (half up); a ratio below 1
       never prints as 100% (99.96% → 99.9%), so an unfinished job is not shown done
=====  ==========================================================================
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

STYLES = ("exact", "多", "余", "万", "%")

Number = int | float | Decimal


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
    if value == value.to_integral_value():
        return str(int(value))
    return _plain(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _round_down_two_digits(value: int) -> int:
    """Two significant digits rounded down (below 100: tens)."""
    if value < 100:
        return value // 10 * 10
    step = 10 ** (len(str(value)) - 2)
    return value // step * step


def _approx(value: Decimal, suffix: str) -> str:
    whole = int(value.to_integral_value(rounding=ROUND_DOWN))
    if value < 20 or whole < 20:
        return _exact(value)
    rounded = _round_down_two_digits(whole)
    if rounded == value:
        return str(rounded)
    return f"{rounded}{suffix}"


def _wan(value: Decimal) -> str:
    if value < 10000:
        return _exact(value)
    scaled = (value / Decimal(10000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{_plain(scaled)}万"


def _percent(value: Decimal) -> str:
    pct = (value * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if value < 1 and pct >= 100:
        pct = Decimal("99.9")
    return f"{_plain(pct)}%"


def figure_display(value: Number, style: str = "exact") -> str:
    """The text of ``value`` in ``style``; raises ValueError on an unknown style or a negative value."""
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
    return _percent(number)
