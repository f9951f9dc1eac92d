"""Display styles exactly as the table in docs/figures.md, plus properties over many values."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xunzhi.figures.display import figure_display


@pytest.mark.parametrize(
    ("value", "style", "text"),
    [
        # the examples of the table in figures.md
        (37, "exact", "37"),
        (153_000, "exact", "15.3万"),
        (1234, "多", "1200多"),
        (56, "多", "50多"),
        (300, "多", "300"),
        (12, "多", "12"),
        (25_518, "多", "2.5万多"),
        (547_163, "多", "54万多"),
        (30_000, "多", "3万"),
        (5678, "余", "5600余"),
        (25_518, "余", "2.5万余"),
        (547_163, "余", "54万余"),
        (8765, "万", "8765"),
        (12_345, "万", "1.2万"),
        (20_000, "万", "2万"),
        (103_959, "万", "10.4万"),
        (3_463_810, "万", "346万余"),
        (7_793_080, "万", "779万余"),
        (Decimal("0.8495"), "%", "85%"),
        (Decimal("0.9856"), "%", "98.6%"),
        (Decimal("0.9999"), "%", "99.9%"),
        # edges
        (0, "exact", "0"),
        (99_999, "exact", "99999"),
        (100_000, "exact", "10万"),
        (19, "多", "19"),
        (20, "多", "20"),
        (21, "多", "20多"),
        (100, "余", "100"),
        (105, "多", "100多"),
        (9_999, "多", "9900多"),
        (10_000, "多", "1万"),
        (99_999, "多", "9.9万多"),
        (100_000, "余", "10万"),
        (123_456_789, "余", "1.2亿余"),
        (10_000, "万", "1万"),
        (15_000, "万", "1.5万"),
        (999_960, "万", "99万余"),  # would round to 100.0万: whole 万, rounded down
        (3_000_000, "万", "300万"),
        (Decimal("0.5"), "%", "50%"),
        (Decimal("0.984"), "%", "98%"),
        (Decimal("0.985"), "%", "98.5%"),
        (1, "%", "100%"),
        (Decimal("0.99996"), "%", "99.9%"),  # never 100% when not all done
        (Decimal("0.12345"), "%", "12%"),
        (Decimal("12.50"), "exact", "12.5"),
    ],
)
def test_table(value, style, text):
    assert figure_display(value, style) == text


def test_two_rates_that_would_print_alike_keep_their_tenth():
    assert figure_display(Decimal("0.948"), "%") == figure_display(Decimal("0.951"), "%") == "95%"
    assert figure_display(Decimal("0.948"), "%", tenth=True) == "94.8%"
    assert figure_display(Decimal("0.951"), "%", tenth=True) == "95.1%"


def test_unknown_style_and_negative_values_are_refused():
    with pytest.raises(ValueError):
        figure_display(3, "约")
    with pytest.raises(ValueError):
        figure_display(-1, "exact")


def _number(text: str) -> Decimal:
    """``2.5万多`` → 25000, ``1.2亿余`` → 120000000, ``1200多`` → 1200."""
    match = re.fullmatch(r"([\d.]+)(万|亿)?(多|余)?", text)
    assert match, text
    scale = {"万": 10_000, "亿": 100_000_000}.get(match[2] or "", 1)
    return Decimal(match[1]) * scale


@given(st.integers(min_value=0, max_value=10**10), st.sampled_from(["多", "余"]))
def test_approximate_styles_never_overstate_and_say_so(value, style):
    text = figure_display(value, style)
    shown = _number(text)
    assert shown <= value
    assert text.endswith(style) == (shown < value)
    assert not re.search(r"\d{6}", text)


@given(st.integers(min_value=0, max_value=10**10), st.sampled_from(["exact", "万"]))
def test_no_six_digit_number_and_close_to_the_value(value, style):
    text = figure_display(value, style)
    assert not re.search(r"\d{6}", text)
    shown = _number(text.rstrip("余"))
    if text.endswith("余"):  # whole 万 (or a tenth of 亿) rounded down
        assert shown < value and value - shown < (10_000_000 if "亿" in text else 10_000)
    elif value >= 10_000:
        assert abs(shown - value) <= 500  # one decimal of 万, rounded
    else:
        assert shown == value


@given(st.fractions(min_value=0, max_value=1))
def test_percent_is_whole_unless_near_a_hundred(fraction):
    value = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    text = figure_display(value, "%")
    number = Decimal(text[:-1])
    assert text.endswith("%")
    if "." in text:
        assert Decimal("98.5") <= number < 100
        assert abs(number - value * 100) <= Decimal("0.05") or number == Decimal("99.9")
    else:
        assert abs(number - value * 100) <= Decimal("0.5")
    if value < 1:
        assert text != "100%"
