"""The ways the engine saves queries give the figures and rules of the plain way: filters folded
into a ledger's one grouped query (conditional counts and sums), and rows added up per child of
the evaluated unit in SQL (``grouped_by_child``). Each is switched off in turn and everything
the report reads (figures, every rule's measured units, the counties compared) must not change;
the test also checks the faster path was taken, so it cannot pass by never using it. On
PostgreSQL, a cut-off within a month read from the rollup cells and the days after them gives
the plain aggregate's answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from tests.factories import build_small_city
from tests.figures.ledger_fill import fill
from xunzhi.figures import engine
from xunzhi.figures.compare import units_compare
from xunzhi.figures.engine import Scope, measures_evaluate
from xunzhi.figures.rollup import figures_plain
from xunzhi.figures.services import figures_compute, rules_evaluate
from xunzhi.figures.spec import Measure
from xunzhi.ledgers.models import Project, ProjectStatus
from xunzhi.organisations.models import Org, OrgKind


def _everything(
    campaign: Any, unit: Org, until: dt.date | None = None
) -> tuple[tuple[dict[str, Any], ...], Scope]:
    """Figures, rules and the counties compared, and the scope (its cache: what was read)."""
    scope = Scope.make(campaign=campaign, unit=unit, until=until)
    values = figures_compute(campaign=campaign, unit=unit, scope=scope)
    figures = {f.code: (f.value, f.text, f.source_count, f.parts) for f in values}
    rules = {
        r.code: (r.fired, r.units_total, r.units_short, [(u.code, u.measures) for u in r.units])
        for r in rules_evaluate(campaign=campaign, unit=unit, scope=scope)
    }
    counties = {}
    if unit.kind == OrgKind.CITY:
        compared = units_compare(campaign=campaign, unit=unit, scope=scope)
        counties = {row.org.code: (row.counts, row.rules) for row in compared.rows}
    return (figures, rules, counties), scope


@pytest.fixture
def city(campaign):  # noqa: ANN001, ANN201
    small = build_small_city(campaign)
    for seed, county in enumerate(small.counties, start=3):
        fill(county, seed=seed, activities=150)
    return small.city


@pytest.mark.django_db
def test_rows_per_child_give_the_rows_per_unit(campaign, city, monkeypatch):
    fast, scope = _everything(campaign, city)
    for ledger in ("projects", "problems", "resources"):  # read per child, with deep rows
        rows = scope.cache[("base", ledger, True)][1]
        assert any(row["deep"] for row in rows) and any(not row["deep"] for row in rows)
    monkeypatch.setattr(engine, "_children_enough", lambda scope, unit_of: False)
    slow, scope = _everything(campaign, city)
    assert ("base", "problems", True) not in scope.cache
    assert fast == slow


@pytest.mark.django_db
def test_folded_filters_give_the_filtered_queries(campaign, city, monkeypatch):
    fast, scope = _everything(campaign, city)
    for ledger, status in (("projects", "done"), ("problems", "rectified")):
        columns = scope.cache[("base", ledger, True)][2]
        assert ((status, True),) in columns and ((("overdue", True),)) in columns
    monkeypatch.setattr(engine, "FOLDED_FILTERS", {"tags_any"})  # one query per filter, as before
    slow, scope = _everything(campaign, city)
    assert scope.cache[("base", "problems", True)][2] == {}
    assert fast == slow


@pytest.mark.django_db
def test_a_filtered_sum_adds_up_the_filtered_rows_only(campaign, city):
    """No figure of the shipped campaign adds up a field under a folded filter; a campaign may."""
    projects = list(Project.objects.filter(campaign=campaign, org__path__startswith=city.path))
    for number, project in enumerate(projects):
        project.beneficiaries = 10 + number
    Project.objects.bulk_update(projects, ["beneficiaries"])
    scope = Scope.make(campaign=campaign, unit=city)
    measure = Measure(ledger="projects", sum="beneficiaries", where=(("done", True),))
    got = measures_evaluate([measure], scope)[measure]
    assert scope.cache[("base", "projects", True)][2]  # served by the folded base query
    done = [
        p
        for p in projects
        if p.status == ProjectStatus.DONE and (p.done_date is None or p.done_date <= scope.cutoff)
    ]
    assert 0 < len(done) < len(projects)
    assert (got.rows, got.total) == (len(done), sum(p.beneficiaries for p in done))
    assert got.total != sum(p.beneficiaries for p in projects)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the rollup exists on PostgreSQL")
def test_a_cut_off_within_a_month_reads_the_cells_and_the_days_after(campaign, city, monkeypatch):
    """The subtree cells and, where they cannot serve, every unit's cells: each with the days
    after the last whole month from the one query they share, and the plain aggregate's
    answers."""
    until = dt.date(2021, 6, 17)  # the days after 31 May come from the activities
    county = Org.objects.children_of(city).filter(kind=OrgKind.COUNTY).first()
    assert county is not None
    plain = {}
    with figures_plain():
        for unit in (city, county):
            plain[unit.pk], _ = _everything(campaign, unit, until)
    for unit in (city, county):
        fast, scope = _everything(campaign, unit, until)
        edges = [rows for key, rows in scope.cache.items() if key[0] == "edges"]
        assert len(edges) == 1 and edges[0], "the days after the last whole month were read once"
        assert ("subtree",) in scope.cache  # the subtree's cells, not every unit's
        assert fast == plain[unit.pk]
    monkeypatch.setattr(engine, "_subtree_rows", lambda measure, scope, unit_of: None)
    for unit in (city, county):
        per_unit, scope = _everything(campaign, unit, until)
        edges = [rows for key, rows in scope.cache.items() if key[0] == "edges"]
        assert len(edges) == 1 and edges[0]
        assert ("base", "activities", False) in scope.cache  # every unit's cells
        assert per_unit == plain[unit.pk]
