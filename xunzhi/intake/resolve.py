"""Resolving units and leaders named in a sheet, in bulk, from in-memory maps.

The rules are those of :func:`xunzhi.organisations.selectors.org_find` (a code first,
then an exact name; an ambiguous or unknown name is an error naming candidates), but
the whole tree is loaded once per import so that 200 000 rows cost no query each.
Units and leaders added by the same import (an 组织 sheet beside an 活动 sheet) resolve
too: a reference is the unit's code (or the leader's unit code and name), turned into
database ids only when the import is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xunzhi.intake.values import CellError, to_key
from xunzhi.organisations.models import Leader, Org


@dataclass
class OrgRef:
    code: str
    name: str
    id: int | None = None  # None for a unit that this import adds
    path: str = ""  # "" for a unit that this import adds
    parent: OrgRef | None = None  # for units this import adds
    in_scope: bool = True

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"

    def ancestors(self) -> list[OrgRef]:
        """Known ancestors (nearest first) for units of this import."""
        out: list[OrgRef] = []
        node = self.parent
        while node is not None and len(out) < 64:
            out.append(node)
            node = node.parent
        return out


class OrgIndex:
    """Every unit by code and by name, with its path and whether it lies in the scope."""

    def __init__(self, *, scope: Org | None = None) -> None:
        self.scope_path = scope.path if scope is not None else ""
        self.by_code: dict[str, OrgRef] = {}
        self.by_name: dict[str, list[OrgRef]] = {}
        self.by_path: dict[str, OrgRef] = {}
        self._cache: dict[object, OrgRef | CellError] = {}
        for pk, code, name, path in Org.objects.values_list("id", "code", "name", "path"):
            ref = OrgRef(code=code, name=name, id=pk, path=path)
            ref.in_scope = path.startswith(self.scope_path)
            self._register(ref)
            self.by_path[path] = ref

    def _register(self, ref: OrgRef) -> None:
        self.by_code[to_key(ref.code)] = ref
        self.by_name.setdefault(to_key(ref.name), []).append(ref)
        self._cache.clear()

    def add_planned(self, ref: OrgRef) -> None:
        """A unit that the import will add (its parent is set later, once all are known)."""
        self._register(ref)

    def parent_of(self, ref: OrgRef) -> OrgRef | None:
        if ref.id is None:
            return ref.parent
        if len(ref.path) <= Org.steplen:
            return None
        return self.by_path.get(ref.path[: -Org.steplen])

    def resolve(self, text: object) -> OrgRef:
        try:  # cached by the text as written: a sheet names the same units again and again
            hit = self._cache[text]
        except KeyError:
            hit = self._cache[text] = self._lookup(to_key(text), text)
        if isinstance(hit, CellError):
            raise hit
        return hit

    def visible(self, ref: OrgRef) -> bool:
        """Whether the importing user may see the unit: its suggestions, candidates and
        messages name only those, and a unit outside the scope is as good as unknown."""
        return not self.scope_path or ref.in_scope

    def _lookup(self, key: str, text: object) -> OrgRef | CellError:
        ref = self.by_code.get(key)
        if ref is not None and self.visible(ref):
            return ref
        matches = [m for m in self.by_name.get(key, []) if self.visible(m)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            shown = "、".join(m.label for m in matches[:5])
            return CellError(f"组织“{text}”不唯一，可能是：{shown}。请改用组织代码")
        similar = [
            r.label
            for name, refs in self.by_name.items()
            if key and key in name
            for r in refs
            if self.visible(r)
        ][:5]
        hint = "；相近的有：" + "、".join(similar) if similar else ""
        where = "（只能填写您管理范围内的组织）" if self.scope_path else ""
        return CellError(f"找不到组织“{text}”{where}{hint}")

    def is_within(self, ref: OrgRef, ancestor: OrgRef) -> bool:
        if ref.id is not None and ancestor.id is not None:
            return ref.path.startswith(ancestor.path)
        node: OrgRef | None = ref
        while node is not None:
            if node is ancestor or node.code == ancestor.code:
                return True
            node = self.parent_of(node)
        return False


@dataclass
class LeaderRef:
    name: str
    org: OrgRef
    id: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.org.code, self.name)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.org.name}）"


_QUALIFIED = re.compile(r"^(.+?)[(（](.+)[)）]$")


class LeaderIndex:
    """Leaders by name; a name shared by several is settled by the row's unit, or written
    as ``姓名（组织代码）``."""

    def __init__(self, orgs: OrgIndex) -> None:
        self.orgs = orgs
        self.by_name: dict[str, list[LeaderRef]] = {}
        by_id = {r.id: r for r in orgs.by_code.values() if r.id is not None}
        for pk, name, org_id in Leader.objects.values_list("id", "name", "org_id"):
            org = by_id[org_id]
            if orgs.visible(org):  # leaders of units the user may not see are not offered
                self.add(LeaderRef(name=name, org=org, id=pk))
        self._cache: dict[tuple[str, str], LeaderRef | CellError] = {}

    def add(self, ref: LeaderRef) -> None:
        bucket = self.by_name.setdefault(to_key(ref.name), [])
        for i, old in enumerate(bucket):
            if old.org.code == ref.org.code:
                bucket[i] = LeaderRef(ref.name, ref.org, old.id)
                break
        else:
            bucket.append(ref)
        if hasattr(self, "_cache"):
            self._cache.clear()

    def resolve(self, text: object, row_org: OrgRef | None) -> LeaderRef:
        key = (to_key(text), row_org.code if row_org else "")
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._lookup(key[0], text, row_org)
        if isinstance(hit, CellError):
            raise hit
        return hit

    def _lookup(self, key: str, text: object, row_org: OrgRef | None) -> LeaderRef | CellError:
        candidates = self.by_name.get(key, [])
        m = _QUALIFIED.match(key)
        if not candidates and m:
            try:
                org = self.orgs.resolve(m[2])
            except CellError as exc:
                return exc
            candidates = [c for c in self.by_name.get(m[1], []) if c.org.code == org.code]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            where = "您管理范围内的" if self.orgs.scope_path else ""
            return CellError(f"找不到{where}领导“{text}”，请先在领导名册中登记")
        if row_org is not None:
            same = [c for c in candidates if c.org.code == row_org.code]
            if len(same) == 1:
                return same[0]
            # the nearest leader above the row's unit (a county leader lecturing in a township)
            chain = [row_org, *self._ancestors(row_org)]
            for level in chain:
                above = [c for c in candidates if c.org.code == level.code]
                if len(above) == 1:
                    return above[0]
        shown = "、".join(c.label for c in candidates[:5])
        return CellError(f"领导“{text}”不唯一，可能是：{shown}。请写作“姓名（组织代码）”")

    def _ancestors(self, ref: OrgRef) -> list[OrgRef]:
        out: list[OrgRef] = []
        node = self.orgs.parent_of(ref)
        while node is not None and len(out) < 64:
            out.append(node)
            node = self.orgs.parent_of(node)
        return out

    def is_unique(self, name: str) -> bool:
        return len(self.by_name.get(to_key(name), [])) <= 1
