"""The model of a seventh ledger, 征求意见台账, used only to prove the registry: one model plus
one registration is all a new ledger needs."""

from __future__ import annotations

from django.db import models

from xunzhi.ledgers.models import LedgerRow


class Opinion(LedgerRow):
    date = models.DateField("日期")
    channel = models.CharField("征求方式", max_length=20)
    content = models.CharField("意见内容", max_length=200)
    items = models.PositiveIntegerField("条数", default=1)

    NATURAL_KEY = ("org", "date", "channel", "content")

    class Meta:
        verbose_name = "意见"
        verbose_name_plural = "征求意见台账"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org", "date", "channel", "content"],
                name="opinion_natural_key",
            )
        ]
