"""A small city of two filled counties (甲县, 乙县) for the city comparison's tests."""

from __future__ import annotations

import pytest

from tests.factories import SmallCity, build_small_city
from tests.figures.ledger_fill import fill


@pytest.fixture
def city(campaign) -> SmallCity:
    built = build_small_city(campaign)
    fill(built.counties[0], seed=7, activities=400)
    fill(built.counties[1], seed=11, activities=150)
    return built
