"""Reads over the organisation tree."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org


def org_subtree(org: Org) -> QuerySet[Org]:
    """The unit and all units below it: one indexed prefix query on the path."""
    return Org.objects.in_subtree(org)


def org_root() -> Org:
    """The top of the tree (the first root when several counties are loaded)."""
    root: Org | None = Org.objects.get_first_root_node()
    if root is None:
        raise UserError("数据库中还没有组织。请先运行 xunzhi demo-data 或导入组织名册。")
    return root


def org_find(code_or_name: str) -> Org:
    """One unit by code or by exact name; ambiguous or unknown names are errors naming candidates."""
    text = code_or_name.strip()
    by_code: Org | None = Org.objects.filter(code=text).first()
    if by_code is not None:
        return by_code
    matches: list[Org] = list(Org.objects.filter(name=text)[:6])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        codes = "、".join(f"{m.name}（{m.code}）" for m in matches[:5])
        raise UserError(f"组织“{text}”不唯一，可能是：{codes}。请改用组织代码。")
    similar = list(Org.objects.filter(Q(name__contains=text) | Q(code__startswith=text))[:5])
    hint = "；相近的有：" + "、".join(f"{m.name}（{m.code}）" for m in similar) if similar else ""
    raise UserError(f"找不到组织“{text}”{hint}。")
