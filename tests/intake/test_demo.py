"""On the demo county: every ledger exported and re-imported comes back unchanged."""

from __future__ import annotations

import pytest

from xunzhi.campaigns.models import Campaign
from xunzhi.intake.services import ledger_export, ledger_import
from xunzhi.ledgers import registry
from xunzhi.organisations.models import Org, OrgKind

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("kind", [k.key for k in registry.importable()])
def test_export_import_unchanged(demo_county, db, kind):
    campaign = Campaign.objects.get(code="dangshi-2021")
    # A township's subtree keeps the 200 000 activities to a few thousand.
    unit = Org.objects.filter(kind=OrgKind.TOWNSHIP).order_by("code").first()
    unit = unit if kind == "activities" else None
    model = registry.get(kind).model
    count_before = model.objects.count()
    for fmt in ("xlsx", "csv"):
        data = ledger_export(kind=kind, campaign=campaign, unit=unit, fmt=fmt)
        result = ledger_import(files=[(f"{kind}.{fmt}", data)], campaign=campaign)
        assert result.ok, [e.message for e in result.errors[:10]]
        assert result.added == result.updated == 0
        assert result.unchanged == result.rows > 0
    assert model.objects.count() == count_before
