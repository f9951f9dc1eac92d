"""Shared fixtures: the built-in campaign and a small, hand-made county.

Tests that need the full demo county use the ``demo_county`` fixture (session
scoped, built once by the real generator) and are marked ``slow``.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.factories import SmallCounty, build_small_county


@pytest.fixture
def campaign(db):
    from xunzhi.campaigns.services import campaign_load_builtin

    return campaign_load_builtin()[0]


@pytest.fixture
def county(db, campaign) -> SmallCounty:
    return build_small_county(campaign)


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    """The demo county of seed 1, built once per test module inside a transaction rolled back after.

    Tests using it take ``db`` as usual (their own savepoints nest inside); do not combine it
    with ``transactional_db`` or ``live_server``, which would flush it.
    """
    from xunzhi.demo.generate import demo_generate

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_generate(seed=1, scale="county")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
