"""Phase two of an import: in one transaction, one :class:`ImportBatch` per file, then the
rosters (units parents first, leaders) through the ORM and each ledger sheet through
:class:`~xunzhi.intake.ledger_write.LedgerWriter` (executemany / COPY), counting added,
updated and unchanged rows; rows changed on the web since their export roll it all back.
A dry run diffs the same way and writes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xunzhi.intake.ledger_write import LedgerWriter, _default
from xunzhi.intake.models import ImportBatch
from xunzhi.intake.plan import ParsedSheet, Plan, Progress
from xunzhi.intake.resolve import OrgRef
from xunzhi.intake.values import to_key
from xunzhi.organisations.models import Leader, Org, Rank


def plan_write(
    plan: Plan,
    *,
    user: AbstractBaseUser | AnonymousUser | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> list[int]:
    """Diff every sheet against the database and (unless ``dry_run``) write it, atomically."""
    if dry_run:
        _diff_all(plan, write=False, batches={}, progress=None)
        plan.errors.extend(plan.stale)
        return []
    try:
        return _write_all(plan, user=user, progress=progress)
    except _StaleRows:
        plan.errors.extend(plan.stale)
        return []


class _StaleRows(Exception):
    """Raised inside the write transaction to roll it back when rows were found stale."""


def _write_all(
    plan: Plan, *, user: AbstractBaseUser | AnonymousUser | None, progress: Progress | None
) -> list[int]:
    with transaction.atomic():
        now = timezone.now()
        batches: dict[str, ImportBatch] = {}
        for raw, data in plan.files:
            kinds = sorted({s.kind.key for s in plan.sheets if s.file == raw.name})
            batches[raw.name] = ImportBatch.objects.create(
                file_name=raw.name[-255:],
                file_sha256=hashlib.sha256(data).hexdigest(),
                kind=kinds[0] if len(kinds) == 1 else "mixed",
                user=user if isinstance(user, User) else None,
            )
        _diff_all(plan, write=True, batches=batches, progress=progress, now=now)
        if plan.stale:
            raise _StaleRows
        for name, batch in batches.items():
            sheets = [s.summary for s in plan.sheets if s.file == name]
            batch.added = sum(s.added for s in sheets)
            batch.updated = sum(s.updated for s in sheets)
            batch.unchanged = sum(s.unchanged for s in sheets)
            batch.summary = {
                "sheets": [s.as_dict() for s in sheets],
                "warnings": [w.as_dict() for w in plan.warnings if w.file == name][:200],
            }
            batch.save(update_fields=["added", "updated", "unchanged", "summary"])
        return [b.pk for b in batches.values()]


def _diff_all(
    plan: Plan,
    *,
    write: bool,
    batches: dict[str, ImportBatch],
    progress: Progress | None,
    now: dt.datetime | None = None,
) -> None:
    total = plan.total_rows or 1
    state = {"done": 0}

    def tick(n: int) -> None:
        state["done"] += n
        if progress:
            progress(state["done"], total)

    for parsed in plan.sheets:
        batch = batches.get(parsed.file)
        name = parsed.kind.key
        if name == "orgs":
            _write_orgs(plan, parsed, write=write)
        elif name == "leaders":
            _write_leaders(plan, parsed, write=write)
        else:
            LedgerWriter(plan, parsed, batch=batch, now=now, tick=tick).run(write=write)
            continue
        tick(len(parsed.records))


def _write_orgs(plan: Plan, parsed: ParsedSheet, *, write: bool) -> None:
    orgs = plan.org_index
    f = parsed.fields
    values = [k for k in ("name", "kind", "member_count", "is_leading_body") if k in f]
    existing = {
        o.code: o
        for o in Org.objects.filter(code__in=[rec[f.index("code")] for rec in parsed.records])
    }
    new: list[list[Any]] = []
    for rec in parsed.records:
        code = rec[f.index("code")]
        data: dict[str, Any] = {k: rec[f.index(k)] for k in values}
        data = {k: (v if v is not None else _org_default(k)) for k, v in data.items()}
        org = existing.get(code)
        if org is None:
            new.append(rec)
            parsed.summary.added += 1
            continue
        if all(getattr(org, k) == v for k, v in data.items()):
            parsed.summary.unchanged += 1
            continue
        parsed.summary.updated += 1
        if write:
            Org.objects.filter(pk=org.pk).update(**data, version=F("version") + 1)
    if not write or not new:
        return
    # Parents before children: depth of each new unit among the new ones.
    refs = {rec[f.index("code")]: orgs.by_code[to_key(rec[f.index("code")])] for rec in new}

    def depth(ref: OrgRef) -> int:
        d = 0
        while ref.parent is not None and ref.parent.id is None:
            ref, d = ref.parent, d + 1
        return d

    new.sort(key=lambda rec: depth(refs[rec[f.index("code")]]))
    for rec in new:
        ref = refs[rec[f.index("code")]]
        data = {k: rec[f.index(k)] for k in values}
        data = {k: (v if v is not None else _org_default(k)) for k, v in data.items()}
        data["code"] = ref.code
        if ref.parent is None:
            node = Org.objects.add_root(data)
        else:
            parent = Org.objects.get(pk=ref.parent.id)
            node = Org.objects.add_child(parent, data)
        ref.id, ref.path = node.pk, node.path
        orgs.by_path[node.path] = ref


def _org_default(field_name: str) -> Any:
    return _default(Org, field_name)


def _write_leaders(plan: Plan, parsed: ParsedSheet, *, write: bool) -> None:
    f = parsed.fields
    i_name, i_org = f.index("name"), f.index("org")
    values = [k for k in ("title", "rank", "is_principal") if k in f]
    existing = {
        (lid_org, name): (pk, title, rank, principal)
        for pk, lid_org, name, title, rank, principal in Leader.objects.values_list(
            "id", "org_id", "name", "title", "rank", "is_principal"
        )
    }
    creates: list[Leader] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    for rec in parsed.records:
        org: OrgRef = rec[i_org]
        data: dict[str, Any] = {k: rec[f.index(k)] for k in values}
        if "rank" in data and not data["rank"]:
            data["rank"] = Rank.OTHER
        data = {k: (v if v is not None else _default(Leader, k)) for k, v in data.items()}
        old = existing.get((org.id, rec[i_name])) if org.id else None
        if old is None:
            parsed.summary.added += 1
            creates.append(Leader(**{"name": rec[i_name], "org_id": org.id, **data}))
            continue
        current = dict(zip(("title", "rank", "is_principal"), old[1:], strict=True))
        if all(current[k] == v for k, v in data.items()):
            parsed.summary.unchanged += 1
            continue
        parsed.summary.updated += 1
        updates.append((old[0], data))
    if not write:
        return
    Leader.objects.bulk_create(creates, batch_size=1000)
    for pk, data in updates:
        Leader.objects.filter(pk=pk).update(**data, version=F("version") + 1)
    # Leaders added here may be named by the ledgers of this same import.
    ids = {
        (org_id, name): pk
        for pk, org_id, name in Leader.objects.values_list("id", "org_id", "name")
    }
    for bucket in plan.leader_index.by_name.values():
        for ref in bucket:
            if ref.id is None and ref.org.id is not None:
                ref.id = ids.get((ref.org.id, ref.name))
