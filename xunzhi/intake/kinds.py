"""The importable kinds as the importer sees them: the registry's kinds (rosters and ledgers)
and the fixed word lists of their ``choice:`` columns.

The columns themselves are declared once, per kind, in :mod:`xunzhi.ledgers.kinds`; this
module only looks them up (:func:`kind_get`) and names the words a choice column allows.
"""

from __future__ import annotations

from xunzhi.ledgers import registry
from xunzhi.ledgers.registry import VERSION_COLUMN, Column, LedgerKind
from xunzhi.ledgers.registry import column_choices as choices_for
from xunzhi.lib.errors import UserError

#: What the importer calls a kind: a registered ledger or roster.
Kind = LedgerKind

__all__ = ["VERSION_COLUMN", "Column", "Kind", "choices_for", "kind_get", "kind_label"]


def kind_get(name: str) -> Kind:
    """The importable kind ``name``, or a :class:`UserError` listing the known ones."""
    try:
        return registry.get(name)
    except KeyError:
        known = "、".join(f"{k.key}（{k.label}）" for k in registry.importable())
        raise UserError(f"未知的台账类型“{name}”。可选：{known}。") from None


def kind_label(name: str) -> str:
    return kind_get(name).label
