"""How a decimal is written for people: ``12`` not ``12.00`` or ``1.2E+1``, ``3.5`` as is."""

from __future__ import annotations

from decimal import Decimal


def decimal_text(value: Decimal) -> str:
    """A whole number without its decimals, any other as written (``Decimal('12.50')`` →
    ``12.50``): what messages, CSV cells and forms show."""
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
