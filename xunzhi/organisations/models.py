"""The organisation tree and the leaders who matter to figures.

The tree is a materialised path (django-treebeard ``MP_Node``): every subtree is
one indexed ``path LIKE 'prefix%'`` query, never recursion in Python.
"""

from __future__ import annotations

from django.db import models
from treebeard.mp_tree import MP_Node

from xunzhi.organisations.querysets import OrgManager, SubtreeQuerySet


class OrgKind(models.TextChoices):
    PROVINCE = "省", "省"
    CITY = "市", "市"
    COUNTY = "县", "县"
    TOWNSHIP = "乡镇", "乡镇"
    DEPARTMENT = "部门", "部门"
    COMMITTEE = "党委", "党委"
    GENERAL_BRANCH = "党总支", "党总支"
    BRANCH = "党支部", "党支部"


class Org(MP_Node):  # type: ignore[misc]  # treebeard ships no types
    """One unit of the tree (组织): a county, township, department or Party organisation."""

    code = models.CharField("组织代码", max_length=32, unique=True)
    name = models.CharField("组织名称", max_length=100, db_index=True)
    kind = models.CharField("类型", max_length=8, choices=OrgKind.choices)
    member_count = models.PositiveIntegerField("党员数", default=0)
    is_leading_body = models.BooleanField(
        "领导班子", default=False, help_text="如县委常委会：F01、F09、F11 统计其活动。"
    )
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    node_order_by = ["code"]

    objects = OrgManager()

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        indexes = [models.Index(fields=["kind", "path"], name="org_kind_path")]

    def __str__(self) -> str:
        return self.name

    def in_subtree_of(self, other: Org) -> bool:
        """Whether this unit is ``other`` or lies below it."""
        return bool(self.path.startswith(other.path))


class Rank(models.TextChoices):
    PROVINCIAL = "省部级", "省部级"
    BUREAU = "厅局级", "厅局级"
    COUNTY = "县处级", "县处级"
    TOWNSHIP = "乡科级", "乡科级"
    OTHER = "其他", "其他"


RANK_ORDER = [Rank.OTHER, Rank.TOWNSHIP, Rank.COUNTY, Rank.BUREAU, Rank.PROVINCIAL]


def ranks_at_least(rank: str) -> list[str]:
    """All ranks equal to or above ``rank`` (县处级 → 县处级, 厅局级, 省部级)."""
    values = [str(r) for r in RANK_ORDER]
    if rank not in values:
        raise ValueError(f"未知职级：{rank}")
    return values[values.index(rank) :]


class Leader(models.Model):
    """A person whose rank or role decides a figure (县处级 leaders, the 主要领导)."""

    name = models.CharField("姓名", max_length=50, db_index=True)
    org = models.ForeignKey(
        Org, verbose_name="组织", on_delete=models.PROTECT, related_name="leaders"
    )
    title = models.CharField("职务", max_length=100, blank=True)
    rank = models.CharField("职级", max_length=8, choices=Rank.choices, default=Rank.OTHER)
    is_principal = models.BooleanField("主要领导", default=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = SubtreeQuerySet.as_manager()

    class Meta:
        verbose_name = "领导"
        verbose_name_plural = "领导"
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="leader_org_name")]

    def __str__(self) -> str:
        return f"{self.name}（{self.title or self.rank}）"
