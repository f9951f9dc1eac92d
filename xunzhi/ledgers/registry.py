"""The one registry of ledger kinds (NetBox's ``registry`` in spirit).

Everything that differs from one ledger to another is written once, in a :class:`LedgerKind`
registered in :mod:`xunzhi.ledgers.kinds`: its Chinese label, its model, natural key, the
columns of its import/export files and their aliases, how it is listed and filtered on the
web, the fields of its form and what the figures may count or add up over it. Every other
map (labels for commands and messages, kind → model for the importer, the audit log, the
figures) is read from here, so a seventh ledger is one model plus one :func:`register` call.

The two rosters the importer also reads (组织名册, 领导名册) are registered here too, marked
``roster=True``: they share the import columns but are not ledgers (:func:`all` leaves them out).

This module imports no model: a kind names its model by ``"app_label.Model"`` and resolves
it on use, so kinds can be registered (and read) before the app registry is ready.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db import models


@dataclass(frozen=True)
class Column:
    """One import/export column.

    ``parse`` names the value type: text, key (a short name, spaces removed), int, money,
    date, bool, tags, period, org, leader, parent, version and ``choice:<source>`` where the
    source is an attribute of the campaign spec (``activity_types``) or a fixed list of
    :mod:`xunzhi.intake.kinds`.
    """

    header: str
    field: str
    parse: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: str = ""
    #: False for a column that exports carry but blank templates do not (版本)
    template: bool = True
    #: what messages call the field when the header alone is too short ("活动类型" for 类型)
    label: str = ""


@dataclass(frozen=True)
class FigureFields:
    """What the campaign's figures may do over a ledger (see ``docs/campaign-format.md``)."""

    #: the type-like field one grouped query splits by (None: one row per query)
    group_field: str | None = None
    #: fields a ``list`` figure may list: field → Chinese name
    list_fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LedgerKind:
    """Everything about one kind of ledger (or roster), in one place."""

    key: str  # the name in URLs, commands and files: "activities"
    label: str  # what users read: "活动台账"
    model_label: str  # "ledgers.Activity"
    #: import/export columns in file order (the 版本 column is added for ledgers)
    columns: tuple[Column, ...]
    #: canonical headers that must all be present for a sheet to be of this kind
    signature: tuple[str, ...]
    #: columns of the web list: (field path, Chinese header)
    list_columns: tuple[tuple[str, str], ...] = ()
    #: fields of the web form, in order
    form_fields: tuple[str, ...] = ()
    type_field: str | None = None
    status_field: str | None = None
    date_field: str | None = None  # the field a period (month) filter applies to
    period_field: str | None = None  # values: the period string itself
    search_fields: tuple[str, ...] = ()
    #: fields whose sums lists show and figures may add up: (field, Chinese name)
    sum_fields: tuple[tuple[str, str], ...] = ()
    default_order: str = "-id"
    select_related: tuple[str, ...] = ("org",)
    #: None: no figure counts over this kind
    figures: FigureFields | None = None
    #: the natural key when the model does not declare ``NATURAL_KEY``
    natural_key_fields: tuple[str, ...] = ()
    #: dotted path of a special exporter class; None: the generic ledger exporter
    exporter: str | None = None
    roster: bool = False

    @property
    def model(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model_label)

    @property
    def title(self) -> str:
        return self.label

    @property
    def natural_key(self) -> tuple[str, ...]:
        if self.natural_key_fields:
            return self.natural_key_fields
        key: tuple[str, ...] = getattr(self.model, "NATURAL_KEY", ())
        return key

    def column_for_field(self, name: str) -> Column:
        for col in self.columns:
            if col.field == name:
                return col
        raise KeyError(name)

    def column(self, header: str) -> Column:
        for col in self.columns:
            if col.header == header:
                return col
        raise KeyError(header)


def _fixed_choices(source: str) -> tuple[str, ...] | None:
    from xunzhi.ledgers.models import ProblemStatus, ProjectStatus
    from xunzhi.organisations.models import OrgKind, Rank

    fixed: dict[str, Any] = {
        "org_kinds": OrgKind,
        "ranks": Rank,
        "project_status": ProjectStatus,
        "problem_status": ProblemStatus,
    }
    words = fixed.get(source)
    return tuple(str(w.value) for w in words) if words is not None else None


def column_choices(parse: str, spec: Any) -> tuple[str, ...]:
    """The allowed words of a ``choice:<source>`` column for a campaign."""
    source = parse.split(":", 1)[1]
    fixed = _fixed_choices(source)
    if fixed is not None:
        return fixed
    return tuple(getattr(spec, SPEC_LISTS.get(source, source)))


#: ``choice:<source>`` sources that name a campaign spec attribute of another name.
SPEC_LISTS = {"value_items": "value_item_codes"}


def campaign_choice_fields(kind: LedgerKind) -> dict[str, tuple[str, str]]:
    """field → (campaign spec attribute, what messages call it), for every column whose words
    come from the campaign file (edits by people are checked against them)."""
    out: dict[str, tuple[str, str]] = {}
    for col in kind.columns:
        if not col.parse.startswith("choice:"):
            continue
        source = col.parse.split(":", 1)[1]
        if _fixed_choices(source) is None:
            out[col.field] = (SPEC_LISTS.get(source, source), col.label or col.header)
    return out


def type_choices(kind: LedgerKind, spec: Any) -> list[str]:
    """The words the kind's type-like field may hold in a campaign (empty: free text)."""
    if not kind.type_field:
        return []
    parse = kind.column_for_field(kind.type_field).parse
    return list(column_choices(parse, spec)) if parse.startswith("choice:") else []


def status_choices(kind: LedgerKind) -> list[str]:
    """The words of the kind's status field (the model field's choices)."""
    if not kind.status_field:
        return []
    field = kind.model._meta.get_field(kind.status_field)
    return [str(value) for value, _label in getattr(field, "choices", None) or ()]


#: The 版本 column (optimistic locking across export → edit → import): a row changed on the
#: web since its export is refused by the importer, never silently overwritten.
VERSION_COLUMN = Column("版本", "version", "version", False, ("版本号",), template=False)

_KINDS: dict[str, LedgerKind] = {}
_loaded = False


def register(kind: LedgerKind) -> LedgerKind:
    """Add ``kind`` (a ledger gets the 版本 column appended); re-registering a key replaces it."""
    if not kind.roster and VERSION_COLUMN not in kind.columns:
        kind = _with_columns(kind, (*kind.columns, VERSION_COLUMN))
    _KINDS[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    """Remove a kind (tests that register a throwaway one clean up with this)."""
    _KINDS.pop(key, None)


def _with_columns(kind: LedgerKind, columns: tuple[Column, ...]) -> LedgerKind:
    return replace(kind, columns=columns)


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        import xunzhi.ledgers.kinds  # noqa: F401 - registers the shipped kinds


def get(key: str) -> LedgerKind:
    """The kind named ``key`` (ledger or roster); ``KeyError`` when there is none."""
    _ensure_loaded()
    return _KINDS[key]


def all() -> list[LedgerKind]:  # noqa: A001 - the registry's own vocabulary
    """Every ledger kind (not the rosters), in registration order."""
    _ensure_loaded()
    return [k for k in _KINDS.values() if not k.roster]


def importable() -> list[LedgerKind]:
    """Rosters first, then ledgers: the order an import writes them in, so that ledgers may
    name units and leaders of the same import."""
    _ensure_loaded()
    kinds = list(_KINDS.values())
    return [k for k in kinds if k.roster] + [k for k in kinds if not k.roster]


class KindView(Mapping[str, Any]):
    """A live read-only mapping key → ``attr`` of each kind (or ``attr(kind)`` when it is a
    function), for code that wants a dict: it sees kinds registered after it was made."""

    def __init__(
        self,
        attr: str | Callable[[LedgerKind], Any],
        *,
        rosters: bool = False,
        where: Callable[[LedgerKind], bool] | None = None,
    ) -> None:
        self._attr = attr
        self._rosters = rosters
        self._where = where

    def _wanted(self, kind: LedgerKind) -> bool:
        if kind.roster and not self._rosters:
            return False
        return self._where is None or self._where(kind)

    def _kinds(self) -> list[LedgerKind]:
        return [k for k in importable() if self._wanted(k)]

    def __getitem__(self, key: str) -> Any:
        _ensure_loaded()
        kind = _KINDS[key]
        if not self._wanted(kind):
            raise KeyError(key)
        return getattr(kind, self._attr) if isinstance(self._attr, str) else self._attr(kind)

    def __iter__(self) -> Iterator[str]:
        return iter([k.key for k in self._kinds()])

    def __len__(self) -> int:
        return len(self._kinds())


#: key → label of every ledger kind; key → model class.
LABELS = KindView("label")
MODELS = KindView("model")


def counted(kind: LedgerKind) -> bool:
    """Whether the campaign's figures may count over ``kind``."""
    return kind.figures is not None


#: The ledgers the campaign's figures may count over: key → kind.
FIGURE_KINDS = KindView(lambda kind: kind, where=counted)
