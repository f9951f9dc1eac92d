"""Display styles exactly as the table in figures.md, plus properties over many values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xunzhi.figures.display import figure_display


@pytest.mark.parametrize(
    ("value", "style", "text"),
    [
        (37, "exact", "37"),
        (1234, "多", "1200多"),
        (56, "多", "50多"),
        (300, "多", "300"),
        (12, "多", "12"),
        (5678, "余", "5600余"),
        (12345, "万", "1.23万"),
        (20000, "万", "2万"),
        (8765, "万", "8765"),
        (0.9856, "%", "98.6%"),
        # edges
        (0, "exact", "0"),
        (19, "多", "19"),
        (20, "多", "20"),
        (21, "多", "20多"),
        (100, "余", "100"),
        (105, "多", "100多"),
        (99999, "多", "99000多"),
        (10000, "万", "1万"),
        (15000, "万", "1.5万"),
        (12355, "万", "1.24万"),
        (Decimal("0.5"), "%", "50%"),
        (1, "%", "100%"),
        (Decimal("0.99996"), "%", "99.9%"),  # never 100% when not all done
        (Decimal("0.12345"), "%", "12.3%"),
        (Decimal("12.50"), "exact", "12.5"),
    ],
)
def test_table(value, style, text):
    assert figure_display(value, style) == text


def test_unknown_style_and_negative_values_are_refused():
    with pytest.raises(ValueError):
        figure_display(3, "约")
    with pytest.raises(ValueError):
        figure_display(-1, "exact")


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["多", "余"]))
def test_approximate_styles_never_overstate(value, style):
    text = figure_display(value, style)
    shown = int(text.rstrip(style))
    assert shown <= value
    if text.endswith(style):
        assert shown < value and value >= 20
        digits = str(shown).rstrip("0")
        assert len(digits) <= 2
    else:
        assert shown == value


@given(st.integers(min_value=0, max_value=10**10))
def test_wan_is_within_half_a_hundredth(value):
    text = figure_display(value, "万")
    if value < 10000:
        assert text == str(value)
    else:
        assert text.endswith("万")
        assert abs(Decimal(text[:-1]) * 10000 - value) <= 50


@given(st.fractions(min_value=0, max_value=1))
def test_percent_has_at_most_one_decimal(fraction):
    value = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    text = figure_display(value, "%")
    number = text[:-1]
    assert text.endswith("%")
    assert "." not in number or len(number.split(".")[1]) == 1
    assert abs(Decimal(number) - value * 100) <= Decimal("0.1")
    if value < 1:
        assert number != "100"
