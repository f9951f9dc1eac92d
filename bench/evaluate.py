"""Scoring speed: every township and department of the demo county, grouped against per unit.

    uv run python bench/evaluate.py [--runs 5] [--seed 1]

Uses the demo county in the configured database (``XUNZHI_DATA_DIR`` / ``DATABASE_URL``),
building it when the database holds fewer than 100 000 activities. Then, alternately and
``--runs`` times (best kept: the machine may be shared):

- ours:     ``unit_scores`` for the county: every measure in grouped queries over the county's
            subtree, attributed to the scored units (plus one query each for branch and member
            counts, manual scores and survey results);
- per unit: the baseline a straightforward implementation would be: for each scored unit its
            own scope and the same measures evaluated over its own subtree.

Prints both times, the ratio, and checks that both give the same measured values.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xunzhi.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.evaluation.scoring import measured_value, scored_units, unit_scores
    from xunzhi.evaluation.spec import campaign_evaluation_spec
    from xunzhi.figures.engine import Scope, measures_evaluate
    from xunzhi.ledgers.models import Activity
    from xunzhi.organisations.models import Org, OrgKind
    from xunzhi.organisations.selectors import org_root

    call_command("init", verbosity=0, stdout=io.StringIO())
    if Activity.objects.count() < 100_000:
        from xunzhi.demo.generate import demo_generate

        print(f"building the demo county (seed {args.seed}) …", flush=True)
        demo_generate(seed=args.seed, scale="county")
    from django.db import connection

    if connection.vendor == "postgresql":
        # steady state, as autovacuum leaves it (as in bench/report.py): a freshly bulk-loaded
        # table has no statistics and the planner guesses badly (2 s instead of 0.2 s here)
        with connection.cursor() as cursor:
            for table in (
                "ledgers_activity",
                "ledgers_project",
                "ledgers_problem",
                "organisations_org",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
    campaign, root = campaign_get(), org_root()
    spec = campaign_evaluation_spec(campaign)
    measured = [i for i in spec.indicators if i.kind == "measure"]

    def ours():
        return unit_scores(campaign=campaign, unit=root)

    def per_unit():
        units = scored_units(root, Scope.make(campaign=campaign, unit=root))
        out = {}
        for org in units:
            scope = Scope.make(campaign=campaign, unit=org)
            measures = [m for i in measured for m in i.all_measures()]
            aggs = measures_evaluate(measures, scope)
            tables = {m: {org.path: agg} for m, agg in aggs.items()}
            sub = Org.objects.filter(path__startswith=org.path)
            counts = (
                sub.filter(kind=OrgKind.BRANCH).count(),
                sum(sub.values_list("member_count", flat=True)),
            )
            out[org.code] = {
                i.code: measured_value(i, tables, org.path, counts)[0] for i in measured
            }
        return out

    best = {"ours": float("inf"), "per unit": float("inf")}
    for _ in range(args.runs):
        for name, fn in (("ours", ours), ("per unit", per_unit)):
            start = time.perf_counter()
            result = fn()
            best[name] = min(best[name], time.perf_counter() - start)
            if name == "ours":
                table = result
            else:
                baseline = result
    same = all(
        row.cells[i.code].value == baseline[row.code][i.code]
        for row in table.rows
        for i in measured
    )
    print(f"scored units: {len(table.rows)}, measured indicators: {len(measured)}")
    print(f"ours (grouped):     {best['ours']:.3f} s")
    print(f"per unit baseline:  {best['per unit']:.3f} s")
    print(f"ratio:              {best['per unit'] / best['ours']:.1f} × faster")
    print(f"same measured values: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
