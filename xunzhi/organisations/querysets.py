"""Scope on querysets: the one place a subtree of the unit tree becomes SQL.

Every model that belongs to a unit gets ``.in_subtree(org)`` (the unit and everything below
it: one indexed ``path LIKE 'prefix%'``) and ``.visible_to(user)`` (the user's scope, in the
manner of NetBox's ``RestrictedQuerySet.restrict``). ``SUBTREE_FIELD`` names the path from the
model to its unit; the lookup string is built here and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from django.db import models
from treebeard.mp_tree import MP_NodeManager, MP_NodeQuerySet

if TYPE_CHECKING:
    from xunzhi.organisations.models import Org

_M = TypeVar("_M", bound=models.Model)


def subtree_lookup(field: str) -> str:
    """The lookup that selects rows whose unit (reached through ``field``; '' for the unit
    itself) lies in a subtree, given the subtree's path."""
    return f"{field}__path__startswith" if field else "path__startswith"


def path_prefix_q(field: str, org: Org) -> models.Q:
    """A ``Q`` for a plain text column holding a unit's path (``AuditEntry.unit_path``)."""
    return models.Q(**{f"{field}__startswith": org.path})


def user_scope_of(user: Any) -> Org:
    """The unit at the top of a user's scope (their profile's)."""
    # Imported here to break a real cycle: web.scope imports web.models, which imports
    # organisations.models, which imports this module.
    from xunzhi.web.scope import user_scope

    return user_scope(user)


class SubtreeQuerySet(models.QuerySet[_M]):
    """Rows that belong to a unit through ``SUBTREE_FIELD`` (``org`` unless a model says)."""

    SUBTREE_FIELD: ClassVar[str] = "org"

    def in_subtree(self, org: Org) -> Self:
        return self.filter(**{subtree_lookup(self.SUBTREE_FIELD): org.path})

    def visible_to(self, user: Any) -> Self:
        return self.in_subtree(user_scope_of(user))


class ScopeQuerySet(SubtreeQuerySet[_M]):
    """Rows that belong to a unit through ``scope`` (profiles, jobs)."""

    SUBTREE_FIELD = "scope"


class OrgQuerySet(MP_NodeQuerySet):  # type: ignore[misc]  # treebeard ships no types
    """Units of the tree; keeps treebeard's tree-aware delete."""

    def in_subtree(self, org: Org) -> Self:
        subtree: Self = self.filter(**{subtree_lookup(""): org.path})
        return subtree

    def children_of(self, org: Org) -> Self:
        """The units directly below ``org``."""
        children: Self = self.in_subtree(org).filter(depth=org.depth + 1)
        return children

    def visible_to(self, user: Any) -> Self:
        return self.in_subtree(user_scope_of(user))


class OrgManager(MP_NodeManager):  # type: ignore[misc]  # treebeard ships no types
    """Treebeard's manager (ordered by path) over :class:`OrgQuerySet`."""

    def get_queryset(self) -> OrgQuerySet:
        ordered: OrgQuerySet = OrgQuerySet(self.model, using=self._db).order_by("path")
        return ordered

    def in_subtree(self, org: Org) -> OrgQuerySet:
        return self.get_queryset().in_subtree(org)

    def children_of(self, org: Org) -> OrgQuerySet:
        return self.get_queryset().children_of(org)

    def visible_to(self, user: Any) -> OrgQuerySet:
        return self.get_queryset().visible_to(user)
