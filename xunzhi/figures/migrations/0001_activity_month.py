"""The activity rollups and their triggers, on PostgreSQL only.

``figures_activity_month``: activities counted and summed per (campaign, unit, bucket, type,
tags); ``figures_activity_subtree``: the same per (campaign, ancestor, bucket, type, tags), every
activity counted under its own unit and each unit above it, so a subtree's totals are the cells
of its root. A bucket is a calendar month, except that the month in which the campaign starts is
split at the start date (the bucket of the campaign's first days begins on its start date), so
that a period from the campaign start to a month end is a set of whole buckets.

Statement-level AFTER triggers with transition tables add each statement's inserted rows,
subtract its deleted rows and apply the difference of its updated rows in the writing
transaction: every write path (the services, the admin, intake's ``COPY`` and ``executemany``,
the demo generator, cascades) keeps both exact. A TRUNCATE of the activities empties them; a
change of a campaign's start date or of any unit's path (a unit moved) rebuilds what depends
on it. Cells that fall to zero stay (they add nothing).
On SQLite this migration only records the (unmanaged) models.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

_KEY = "campaign_id, org_id, month, type, tags"
_SUMS = "n, participants, beneficiaries"
#: an activity's bucket: its month, or the campaign's start date within the start month
_BUCKET = (
    "CASE WHEN r.date >= c.start_date AND date_trunc('month', r.date)::date < c.start_date "
    "THEN c.start_date ELSE date_trunc('month', r.date)::date END"
)
#: rows of a table grouped into unit-level cells, signed
_GROUPED = f"""
    SELECT r.campaign_id, r.org_id, {_BUCKET} AS month, r.type, r.tags,
           {{sign}}count(*) AS n, {{sign}}coalesce(sum(r.participants), 0) AS participants,
           {{sign}}coalesce(sum(r.beneficiaries), 0) AS beneficiaries
    FROM {{table}} r JOIN campaigns_campaign c ON c.id = r.campaign_id
    {{where}} GROUP BY 1, 2, 3, 4, 5
"""
#: unit-level cells ``d`` expanded to every ancestor (the unit itself included); the ancestors
#: are looked up once per unit, not once per cell
_EXPANDED = """
    SELECT d.campaign_id, x.anc_id AS org_id, d.month, d.type, d.tags,
           sum(d.n) AS n, sum(d.participants) AS participants, sum(d.beneficiaries) AS beneficiaries
    FROM {cells} d JOIN (
        SELECT o.id AS org_id, a.id AS anc_id FROM organisations_org o
        CROSS JOIN LATERAL generate_series(1, o.depth) k
        JOIN organisations_org a ON a.path = substr(o.path, 1, k * (length(o.path) / o.depth))
        WHERE o.id IN (SELECT DISTINCT org_id FROM {cells})
    ) x ON x.org_id = d.org_id
    GROUP BY 1, 2, 3, 4, 5
"""


def _upsert(table: str, rows: str) -> str:
    return f"""
    INSERT INTO {table} AS m ({_KEY}, {_SUMS}) {rows} ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({_KEY}) DO UPDATE SET n = m.n + excluded.n,
        participants = m.participants + excluded.participants,
        beneficiaries = m.beneficiaries + excluded.beneficiaries"""


_INSERTED = _GROUPED.format(sign="", table="new_rows", where="")
_DELETED = _GROUPED.format(sign="-", table="old_rows", where="")
_CHANGED = (
    f"SELECT {_KEY}, sum(n) AS n, sum(participants) AS participants, "
    "sum(beneficiaries) AS beneficiaries FROM ("
    f"{_INSERTED} UNION ALL {_DELETED}) d GROUP BY {_KEY} "
    "HAVING sum(n) <> 0 OR sum(participants) <> 0 OR sum(beneficiaries) <> 0"
)
def _apply(delta: str) -> str:
    """The delta's cells added to both tables. Cells brought to zero stay (they add nothing):
    removing them would join the transition table to the cells, a plan that goes quadratic
    when the statistics do not know how many rows a statement deleted."""
    return f"""
    WITH d AS MATERIALIZED ({delta}),
    u AS ({_upsert("figures_activity_month", "SELECT * FROM d")} RETURNING 1)
    {_upsert("figures_activity_subtree", _EXPANDED.format(cells="d"))};
    """


_BODIES = {
    "insert": _apply(_INSERTED),
    "delete": _apply(_DELETED),
    "update": _apply(_CHANGED),
}
_REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}
#: both tables rebuilt from the activities (``{where}``: of some campaigns only)
_REBUILD = f"""
    DELETE FROM figures_activity_month WHERE {{cond}};
    DELETE FROM figures_activity_subtree WHERE {{cond}};
    INSERT INTO figures_activity_month ({_KEY}, {_SUMS})
        {_GROUPED.format(sign="", table="ledgers_activity", where="WHERE {where}")};
    INSERT INTO figures_activity_subtree ({_KEY}, {_SUMS})
        {_EXPANDED.format(cells="figures_activity_month")} HAVING {{cond_d}};
"""
_ALL = _REBUILD.format(cond="true", where="true", cond_d="true")
_MOVED = "(SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.path <> o.path)"
_RESTARTED = (
    "(SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE n.start_date <> o.start_date)"
)
_TABLE = "campaign_id bigint NOT NULL, org_id bigint NOT NULL, month date NOT NULL, " \
    "type varchar(20) NOT NULL, tags varchar(200) NOT NULL, n bigint NOT NULL, " \
    f"participants bigint NOT NULL, beneficiaries bigint NOT NULL, PRIMARY KEY ({_KEY})"

FORWARD = [
    f"CREATE TABLE figures_activity_month ({_TABLE})",
    f"CREATE TABLE figures_activity_subtree ({_TABLE})",
    # the units a rule measures, for one type (a county's 党支部 among all cells of a
    # campaign): an index-only scan of that type's cells
    "CREATE INDEX figures_activity_subtree_type ON figures_activity_subtree "
    "(campaign_id, type, month) INCLUDE (org_id, tags, n, participants, beneficiaries)",
    *(
        f"""CREATE FUNCTION figures_activity_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {body} RETURN NULL; END $$"""
        for op, body in _BODIES.items()
    ),
    *(
        f"""CREATE TRIGGER figures_activity_{op} AFTER {op.upper()} ON ledgers_activity
        REFERENCING {_REFERENCING[op]} FOR EACH STATEMENT
        EXECUTE FUNCTION figures_activity_{op}()"""
        for op in _BODIES
    ),
    """CREATE FUNCTION figures_activity_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN TRUNCATE figures_activity_month, figures_activity_subtree; RETURN NULL; END $$""",
    """CREATE TRIGGER figures_activity_truncate AFTER TRUNCATE ON ledgers_activity
    FOR EACH STATEMENT EXECUTE FUNCTION figures_activity_truncate()""",
    f"""CREATE FUNCTION figures_activity_orgs_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF EXISTS {_MOVED} THEN
        DELETE FROM figures_activity_subtree;
        INSERT INTO figures_activity_subtree ({_KEY}, {_SUMS})
            {_EXPANDED.format(cells="figures_activity_month")};
    END IF; RETURN NULL; END $$""",
    """CREATE TRIGGER figures_activity_orgs_moved AFTER UPDATE ON organisations_org
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION figures_activity_orgs_moved()""",
    f"""CREATE FUNCTION figures_activity_restarted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF EXISTS {_RESTARTED} THEN
    {_REBUILD.format(
        cond=f"campaign_id IN {_RESTARTED}",
        where=f"r.campaign_id IN {_RESTARTED}",
        cond_d=f"d.campaign_id IN {_RESTARTED}",
    )}
    END IF; RETURN NULL; END $$""",
    """CREATE TRIGGER figures_activity_restarted AFTER UPDATE ON campaigns_campaign
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION figures_activity_restarted()""",
    _ALL,
    "ANALYZE figures_activity_month",
    "ANALYZE figures_activity_subtree",
]
_TRIGGERS = {
    "insert": "ledgers_activity",
    "delete": "ledgers_activity",
    "update": "ledgers_activity",
    "truncate": "ledgers_activity",
    "orgs_moved": "organisations_org",
    "restarted": "campaigns_campaign",
}
BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS figures_activity_{op} ON {t}" for op, t in _TRIGGERS.items()),
    *(f"DROP FUNCTION IF EXISTS figures_activity_{op}()" for op in _TRIGGERS),
    "DROP TABLE IF EXISTS figures_activity_month",
    "DROP TABLE IF EXISTS figures_activity_subtree",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql, params=None)

    return run


def _model(name: str, table: str) -> migrations.CreateModel:
    return migrations.CreateModel(
        name=name,
        fields=[
            (
                "pk",
                models.CompositePrimaryKey(
                    "campaign_id", "org_id", "month", "type", "tags", blank=True,
                    editable=False, primary_key=True, serialize=False,
                ),
            ),
            ("campaign_id", models.BigIntegerField()),
            ("org_id", models.BigIntegerField()),
            ("month", models.DateField()),
            ("type", models.CharField(max_length=20)),
            ("tags", models.CharField(max_length=200)),
            ("n", models.BigIntegerField()),
            ("participants", models.BigIntegerField()),
            ("beneficiaries", models.BigIntegerField()),
        ],
        options={"db_table": table, "managed": False},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ledgers", "0002_activity_rollup_index"),
        ("organisations", "0001_initial"),
        ("campaigns", "0001_initial"),
    ]

    operations = [
        _model("ActivityMonth", "figures_activity_month"),
        _model("ActivitySubtree", "figures_activity_subtree"),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
