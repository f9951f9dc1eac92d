"""The demo county: deterministic, of the promised size, and weak where rules must find weakness."""

from __future__ import annotations

import pytest
from django.db.models import Count

from xunzhi.demo.generate import demo_checksum, demo_counts, demo_generate
from xunzhi.ledgers.models import Activity, Problem, Project, ReportedValue
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Leader, Org, OrgKind

pytestmark = pytest.mark.slow


def test_same_seed_same_data_and_sizes(db, campaign):
    first = demo_generate(seed=7, scale="county")
    first_sum = demo_checksum()
    second = demo_generate(seed=7, scale="county")
    assert second.counts == first.counts
    assert demo_checksum() == first_sum
    counts = second.counts
    assert 20 <= Org.objects.filter(kind=OrgKind.TOWNSHIP).count() <= 30
    assert 35 <= Org.objects.filter(kind=OrgKind.DEPARTMENT).count() <= 45
    assert 550 <= counts["branches"] <= 750
    assert 25_000 <= counts["members"] <= 35_000
    assert 180_000 <= counts["activities"] <= 220_000
    assert 2_500 <= counts["projects"] <= 3_500
    assert 7_000 <= counts["problems"] <= 9_000


def test_invalid_scale_is_refused(db, campaign):
    with pytest.raises(UserError, match="规模"):
        demo_generate(seed=1, scale="province")


class TestDemoCounty:
    def test_counts_match_the_database(self, demo_county, db):
        root = Org.objects.get(code=demo_county.root_code)
        assert demo_counts(root) == demo_county.counts
        assert root.kind == OrgKind.COUNTY and root.depth == 1

    def test_tree_is_consistent(self, demo_county, db):
        root = Org.objects.get(code=demo_county.root_code)
        # treebeard's own check: no orphans, wrong depths or child counts.
        problems = Org.objects.find_problems()
        assert all(len(group) == 0 for group in problems), problems
        assert Org.objects.in_subtree(root).count() == demo_county.counts["orgs"]

    def test_leading_body_and_principal(self, demo_county, db):
        leading = Org.objects.get(is_leading_body=True)
        assert leading.name.endswith("县委常委会")
        principal = Leader.objects.get(is_principal=True)
        assert principal.org == leading and principal.title == "县委书记"
        assert Activity.objects.filter(org=leading, type="专题学习研讨").count() > 0
        assert Activity.objects.filter(org=leading, type="常委会会议").count() > 0
        assert Activity.objects.filter(
            type="宣讲", leader__org=leading, leader__is_principal=False
        ).exists()

    def test_weak_units_exist_on_purpose(self, demo_county, db):
        branches = list(Org.objects.filter(kind=OrgKind.BRANCH).values_list("id", flat=True))
        seminar_counts = dict(
            Activity.objects.filter(type="专题学习研讨", org__kind=OrgKind.BRANCH)
            .values_list("org_id")
            .annotate(n=Count("id"))
        )
        weak = [b for b in branches if seminar_counts.get(b, 0) < 4]
        assert len(weak) >= 0.10 * len(branches)
        overdue = (
            Problem.objects.exclude(status="已整改").filter(deadline__lt=demo_county_end()).count()
        )
        assert overdue > 0
        assert Project.objects.exclude(status="已完成").exists()
        last_period = ReportedValue.objects.order_by("-period_end").values_list(
            "period", flat=True
        )[0]
        reporting = Org.objects.filter(kind__in=[OrgKind.TOWNSHIP, OrgKind.DEPARTMENT])
        reported = ReportedValue.objects.filter(period=last_period).values("org").distinct().count()
        assert reported < reporting.count()
        summaries = Activity.objects.filter(type="经验总结").count()
        assert summaries / Activity.objects.count() < 0.02


def demo_county_end():
    from xunzhi.campaigns.models import Campaign

    return Campaign.objects.get(code="dangshi-2021").end_date
