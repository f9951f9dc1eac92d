"""The filters of a measure as Q objects over a ledger's rows (the keys of
:data:`xunzhi.figures.spec.FILTERS`); the status filters take the scope's cut-off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from xunzhi.ledgers.models import ProblemStatus, ProjectStatus, Resource
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import ranks_at_least

if TYPE_CHECKING:
    from xunzhi.figures.engine import Scope


def _done_q(scope: Scope) -> Q:
    return Q(status=ProjectStatus.DONE) & (
        Q(done_date__isnull=True) | Q(done_date__lte=scope.cutoff)
    )


def _rectified_q(scope: Scope) -> Q:
    return Q(status=ProblemStatus.DONE) & (
        Q(done_date__isnull=True) | Q(done_date__lte=scope.cutoff)
    )


def _yes(q: Q, value: bool) -> Q:
    return q if value else ~q


def filter_q(ledger: str, key: str, value: Any, scope: Scope) -> Q:
    """The Q object of one filter of one measure."""
    if key in ("type", "source", "category", "field", "item"):
        return Q(**{f"{key}__in": list(value)})
    if key == "tags_any":
        q = Q()
        for tag in value:
            q |= Q(tags__contains=f",{tag},")
        return q
    if key == "org_leading_body":
        return _yes(Q(org_id__in=scope.leading_ids()), value)
    if key == "org_own_level":
        return _yes(Q(org_id__in=scope.own_ids()), value)
    if key == "leader_rank_at_least":
        ranks = ranks_at_least(scope.rank(value))
        if ledger == "projects":
            return Q(leader_rank__in=ranks) | (Q(leader_rank="") & Q(leader__rank__in=ranks))
        return Q(leader__rank__in=ranks)
    if key == "leader_principal":
        own = Q(leader__is_principal=True) & Q(
            leader__org_id__in={scope.unit.pk, *scope.leading_ids()}
        )
        return Q(leader__isnull=False) & _yes(own, value)
    if key == "leader_in_leading_body":
        return Q(leader__isnull=False) & _yes(Q(leader__org_id__in=scope.leading_ids()), value)
    if key == "location_resource_type":
        sites = Resource.objects.filter(
            campaign=scope.campaign, type=value, org_id__in=scope.own_ids()
        ).values("name")
        return Q(location__in=sites)
    if key == "done":
        return _yes(_done_q(scope), value)
    if key == "rectified":
        return _yes(_rectified_q(scope), value)
    if key == "overdue":
        if ledger == "projects":
            q = Q(planned_date__lt=scope.cutoff) & ~_done_q(scope)
        else:
            q = Q(deadline__lt=scope.cutoff) & ~_rectified_q(scope)
        return _yes(q, value)
    if key == "last_period":
        return _yes(Q(period_end=scope.last_period_end), value)
    raise UserError(f"未知的筛选条件：{key}")  # pragma: no cover - the spec parser refuses it
