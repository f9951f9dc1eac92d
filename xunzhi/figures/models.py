"""The activity rollups (PostgreSQL only), kept exact by statement-level triggers on the
activities in the same transaction as every write (migration ``0001_activity_month``):
activities counted and summed per unit (:class:`ActivityMonth`) and per subtree
(:class:`ActivitySubtree`: each activity under its unit and every unit above it), per month
(the campaign's start month split at its start date), type and tag set. The figures engine
reads whole buckets from them and anything else from the activities themselves
(:mod:`xunzhi.figures.rollup`). On SQLite the tables do not exist and nothing reads them."""

from __future__ import annotations

from django.db import models


class _Cells(models.Model):
    """One (campaign, unit, bucket, type, tags) cell: number of activities and their sums."""

    pk = models.CompositePrimaryKey("campaign_id", "org_id", "month", "type", "tags")
    campaign_id = models.BigIntegerField()
    org_id = models.BigIntegerField()
    month = models.DateField()  # the bucket's first day: a month's, or the campaign start
    type = models.CharField(max_length=20)
    tags = models.CharField(max_length=200)
    n = models.BigIntegerField()
    participants = models.BigIntegerField()
    beneficiaries = models.BigIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.org_id} {self.month} {self.type} {self.n}"


class ActivityMonth(_Cells):
    """The activities recorded by the unit ``org_id`` itself."""

    class Meta:
        managed = False  # created (PostgreSQL only) with its triggers by the migration
        db_table = "figures_activity_month"


class ActivitySubtree(_Cells):
    """The activities of the unit ``org_id`` and of every unit below it."""

    class Meta:
        managed = False
        db_table = "figures_activity_subtree"
