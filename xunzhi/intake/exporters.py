"""Exporters (pretix style): columns and a row iterator; .xlsx and .csv are rendered from the
same iterator. Every ledger kind uses the one :class:`LedgerExporter`, driven by the kind's
columns in the registry; the two rosters have their own (:func:`exporter_for` picks).

The columns are the import columns of the kind, in the same order and
written the way the importer reads them back (units by name, or by code when the name
is shared; leaders by name, or ``姓名（组织代码）`` when the name is shared), so
export → import is the identity. Text that starts with ``=``, ``+``, ``-`` or ``@`` is
prefixed with ``'`` against formula injection; the importer removes exactly that prefix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count, QuerySet
from django.utils.module_loading import import_string

from xunzhi.intake.kinds import Kind, kind_get
from xunzhi.intake.ledger_write import _attname
from xunzhi.intake.values import tags_text
from xunzhi.lib.numbers import decimal_text
from xunzhi.lib.sheets import neutralise
from xunzhi.organisations.models import Leader, Org

if TYPE_CHECKING:
    from xunzhi.campaigns.models import Campaign
    from xunzhi.organisations.querysets import SubtreeQuerySet


class Names:
    """How units and leaders are written so that the importer finds the same ones again."""

    def __init__(self) -> None:
        shared_org = set(
            Org.objects.values("name")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("name", flat=True)
        )
        self.org: dict[int, str] = {}
        self.org_code: dict[int, str] = {}
        codes = set()
        for pk, code, name in Org.objects.values_list("id", "code", "name"):
            codes.add(code)
            self.org_code[pk] = code
            self.org[pk] = code if name in shared_org else name
        # a name that equals some other unit's code would resolve to that unit
        for pk, text in list(self.org.items()):
            if text in codes and text != self.org_code[pk]:
                self.org[pk] = self.org_code[pk]
        shared_leader = set(
            Leader.objects.values("name")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("name", flat=True)
        )
        self.leader: dict[int, str] = {}
        for pk, name, org_id in Leader.objects.values_list("id", "name", "org_id"):
            self.leader[pk] = (
                f"{name}（{self.org_code[org_id]}）" if name in shared_leader else name
            )


class Exporter:
    kind: Kind

    def __init__(
        self,
        *,
        campaign: Campaign | None = None,
        unit: Org | None = None,
        queryset: QuerySet[Any] | None = None,
    ) -> None:
        self.campaign = campaign
        self.unit = unit
        self._queryset = queryset
        self.names = Names()

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.kind.columns]

    @property
    def label(self) -> str:
        return self.kind.label

    def queryset(self) -> QuerySet[Any]:
        qs = self._queryset if self._queryset is not None else self.base_queryset()
        if not qs.ordered:  # a caller's unordered set: rows in the order they were recorded
            qs = qs.order_by("id")
        if self.unit is not None:
            # every ledger and roster model has a subtree queryset (organisations.querysets)
            qs = cast("SubtreeQuerySet[Any]", qs).in_subtree(self.unit)
        return qs

    def base_queryset(self) -> QuerySet[Any]:
        qs: QuerySet[Any] = self.kind.model._default_manager.filter(campaign=self.campaign)
        return qs.order_by("id")

    def rows(self) -> Iterator[list[Any]]:
        raise NotImplementedError

    def file_name(self, suffix: str) -> str:
        unit = f"-{self.unit.code}" if self.unit is not None else ""
        return f"{self.label}{unit}.{suffix}"

    # ---------------------------------------------------------------- rendering

    def render(self, fmt: str) -> bytes:
        if fmt == "csv":
            return self.render_csv()
        if fmt == "xlsx":
            return self.render_xlsx()
        from xunzhi.lib.errors import UserError

        raise UserError(f"不支持的导出格式“{fmt}”，只能是 xlsx 或 csv。")

    def render_csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.headers)
        for row in self.rows():
            writer.writerow([_csv_cell(v) for v in row])
        # UTF-8 with BOM: what Excel and WPS need to open Chinese CSV correctly.
        return buffer.getvalue().encode("utf-8-sig")

    def render_xlsx(self) -> bytes:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(self.label[:31])
        bold = Font(bold=True)
        header = []
        for text in self.headers:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        date_cells: dict[int, bool] = {}
        for row in self.rows():
            out = []
            for i, v in enumerate(row):
                if isinstance(v, dt.date):
                    cell = WriteOnlyCell(ws, value=v)
                    cell.number_format = "yyyy-mm-dd"
                    out.append(cell)
                    date_cells[i] = True
                elif isinstance(v, str):
                    out.append(neutralise(v))
                elif isinstance(v, Decimal):
                    out.append(int(v) if v == v.to_integral_value() else float(v))
                else:
                    out.append(v)
            ws.append(out)
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def _yes(value: bool) -> str:
    return "是" if value else "否"


class OrgExporter(Exporter):
    kind = kind_get("orgs")

    def base_queryset(self) -> QuerySet[Any]:
        qs: QuerySet[Any] = Org.objects.order_by("path")
        return qs

    def rows(self) -> Iterator[list[Any]]:
        by_path = dict(Org.objects.values_list("path", "code"))
        step = Org.steplen
        for o in self.queryset().values_list(
            "code", "name", "path", "kind", "member_count", "is_leading_body"
        ):
            code, name, path, kind, members, leading = o
            parent = by_path.get(path[:-step], "") if len(path) > step else ""
            yield [code, name, parent, kind, members, _yes(leading)]


class LeaderExporter(Exporter):
    kind = kind_get("leaders")

    def base_queryset(self) -> QuerySet[Any]:
        return Leader.objects.order_by("org__path", "id")

    def rows(self) -> Iterator[list[Any]]:
        for name, org_id, title, rank, principal in self.queryset().values_list(
            "name", "org_id", "title", "rank", "is_principal"
        ):
            yield [name, self.names.org[org_id], title, rank, _yes(principal)]


class LedgerExporter(Exporter):
    """Any ledger kind: its import columns read straight from the model, units and leaders
    written by name, tags as the importer reads them."""

    def __init__(
        self,
        *,
        kind: Kind,
        campaign: Campaign | None = None,
        unit: Org | None = None,
        queryset: QuerySet[Any] | None = None,
    ) -> None:
        self.kind = kind
        super().__init__(campaign=campaign, unit=unit, queryset=queryset)

    def rows(self) -> Iterator[list[Any]]:
        model = self.kind.model
        attnames = [_attname(model, c.field) for c in self.kind.columns]
        org, leader = self.names.org, self.names.leader
        writers: list[Callable[[Any], Any] | None] = []
        for col in self.kind.columns:
            if col.parse == "org":
                writers.append(org.__getitem__)
            elif col.parse == "leader":
                writers.append(lambda pk: leader.get(pk, "") if pk is not None else "")
            elif col.parse == "tags":
                writers.append(tags_text)
            else:
                writers.append(None)
        active = [(i, w) for i, w in enumerate(writers) if w is not None]
        for r in self.queryset().values_list(*attnames).iterator(chunk_size=5000):
            row = list(r)
            for i, write in active:
                row[i] = write(row[i])
            yield row


def exporter_for(
    kind: Kind,
    *,
    campaign: Campaign | None = None,
    unit: Org | None = None,
    queryset: QuerySet[Any] | None = None,
) -> Exporter:
    """The exporter of ``kind``: the kind's own class when it names one, else the ledger one."""
    if kind.exporter is None:
        return LedgerExporter(kind=kind, campaign=campaign, unit=unit, queryset=queryset)
    cls: type[Exporter] = import_string(kind.exporter)
    return cls(campaign=campaign, unit=unit, queryset=queryset)
