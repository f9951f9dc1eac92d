"""The unit an audited record belongs to: what decides who may read its audit entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from xunzhi.organisations.models import Org

if TYPE_CHECKING:
    from xunzhi.reports.models import Evaluation


def unit_of(instance: models.Model | None) -> Org | None:
    """The record's unit: its ``org`` (ledgers, values, leaders), the unit itself, a profile's
    or user's scope, an evaluation's unit. ``None`` for records of the whole system."""
    if instance is None:
        return None
    try:
        if isinstance(instance, Org):
            return instance
        if isinstance(instance, get_user_model()):
            from xunzhi.web.models import Profile

            profile = Profile.objects.filter(user_id=instance.pk).select_related("scope").first()
            return profile.scope if profile else None
        for attr in ("org", "scope", "unit"):
            if hasattr(instance, f"{attr}_id"):
                unit: Org | None = getattr(instance, attr)
                return unit
        if hasattr(instance, "evaluation_id"):
            evaluation: Evaluation = getattr(instance, "evaluation")  # noqa: B009 - any model with one
            return evaluation.unit
    except ObjectDoesNotExist:
        return None
    return None
