"""A covering index for the figures' one pass over activities (grouped by unit and type).

The index lives on the ledgers' activity table but belongs to the figures app: it is a
summary the database keeps correct on every write. ``xunzhi.figures.engine`` uses it when
present and falls back to a plain scan when it is not (e.g. after a SQLite table rebuild).
"""

from django.db import migrations

INDEX = "figures_activity_rollup"


class Migration(migrations.Migration):
    dependencies = [("ledgers", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON ledgers_activity "
                "(campaign_id, org_id, type, date, participants, beneficiaries, tags)"
            ),
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
