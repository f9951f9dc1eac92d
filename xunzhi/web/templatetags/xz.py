"""Template filters of the web application."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def num(value: object) -> str:
    """1234567 → 1,234,567; decimals keep at most two places, trailing zeros dropped."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal | float):
        if value == int(value):
            return f"{int(value):,}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
