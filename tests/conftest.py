"""Shared fixtures: the built-in campaign and a small, hand-made county.

Tests that need the full demo county use the ``demo_county`` fixture (session
scoped, built once by the real generator) and are marked ``slow``.
"""

from __future__ import annotations

import pytest

from tests.factories import SmallCounty, build_small_county


@pytest.fixture
def campaign(db):
    from xunzhi.campaigns.services import campaign_load_builtin

    return campaign_load_builtin()[0]


@pytest.fixture
def county(db, campaign) -> SmallCounty:
    return build_small_county(campaign)
