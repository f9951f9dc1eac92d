"""Exporters as registered classes (pretix style): an identifier, columns, a row iterator;
.xlsx and .csv are rendered from the same iterator.

The columns are the import columns of :mod:`xunzhi.intake.kinds`, in the same order and
written the way the importer reads them back (units by name, or by code when the name
is shared; leaders by name, or ``姓名（组织代码）`` when the name is shared), so
export → import is the identity. Text that starts with ``=``, ``+``, ``-`` or ``@`` is
prefixed with ``'`` against formula injection; the importer removes exactly that prefix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar

from django.db.models import Count, QuerySet

from xunzhi.intake.kinds import KINDS, Kind
from xunzhi.intake.values import tags_text
from xunzhi.lib.sheets import neutralise
from xunzhi.organisations.models import Leader, Org

EXPORTERS: dict[str, type[Exporter]] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    EXPORTERS[cls.identifier] = cls
    return cls


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
    identifier: ClassVar[str]
    kind: ClassVar[Kind]

    def __init__(self, *, campaign=None, unit: Org | None = None, queryset=None):
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

    def queryset(self) -> QuerySet:
        qs = self._queryset if self._queryset is not None else self.base_queryset()
        if self.unit is not None:
            qs = qs.in_subtree(self.unit)
        return qs

    def base_queryset(self) -> QuerySet:
        return self.kind.model.objects.filter(campaign=self.campaign).order_by("id")

    def rows(self) -> Iterator[list]:
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


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def _yes(value: bool) -> str:
    return "是" if value else "否"


@register
class OrgExporter(Exporter):
    identifier = "orgs"
    kind = KINDS["orgs"]

    def base_queryset(self) -> QuerySet:
        return Org.objects.order_by("path")

    def rows(self) -> Iterator[list]:
        by_path = dict(Org.objects.values_list("path", "code"))
        step = Org.steplen
        for o in self.queryset().values_list(
            "code", "name", "path", "kind", "member_count", "is_leading_body"
        ):
            code, name, path, kind, members, leading = o
            parent = by_path.get(path[:-step], "") if len(path) > step else ""
            yield [code, name, parent, kind, members, _yes(leading)]


@register
class LeaderExporter(Exporter):
    identifier = "leaders"
    kind = KINDS["leaders"]

    def base_queryset(self) -> QuerySet:
        return Leader.objects.order_by("org__path", "id")

    def rows(self) -> Iterator[list]:
        for name, org_id, title, rank, principal in self.queryset().values_list(
            "name", "org_id", "title", "rank", "is_principal"
        ):
            yield [name, self.names.org[org_id], title, rank, _yes(principal)]


@register
class ActivityExporter(Exporter):
    identifier = "activities"
    kind = KINDS["activities"]

    def rows(self) -> Iterator[list]:
        org, leader = self.names.org, self.names.leader
        for r in (
            self.queryset()
            .values_list(
                "date",
                "org_id",
                "type",
                "title",
                "participants",
                "leader_id",
                "beneficiaries",
                "location",
                "tags",
                "note",
                "version",
            )
            .iterator(chunk_size=5000)
        ):
            yield [
                r[0],
                org[r[1]],
                r[2],
                r[3],
                r[4],
                leader.get(r[5], ""),
                r[6],
                r[7],
                tags_text(r[8]),
                r[9],
                r[10],
            ]


@register
class ProjectExporter(Exporter):
    identifier = "projects"
    kind = KINDS["projects"]

    def rows(self) -> Iterator[list]:
        org, leader = self.names.org, self.names.leader
        for r in (
            self.queryset()
            .values_list(
                "name",
                "org_id",
                "leader_id",
                "leader_rank",
                "field",
                "planned_date",
                "status",
                "done_date",
                "beneficiaries",
                "version",
            )
            .iterator(chunk_size=5000)
        ):
            yield [r[0], org[r[1]], leader.get(r[2], ""), *r[3:]]


@register
class ProblemExporter(Exporter):
    identifier = "problems"
    kind = KINDS["problems"]

    def rows(self) -> Iterator[list]:
        org = self.names.org
        for r in (
            self.queryset()
            .values_list(
                "source",
                "org_id",
                "description",
                "category",
                "measures",
                "deadline",
                "status",
                "done_date",
                "found_date",
                "version",
            )
            .iterator(chunk_size=5000)
        ):
            yield [r[0], org[r[1]], *r[2:]]


@register
class ResourceExporter(Exporter):
    identifier = "resources"
    kind = KINDS["resources"]

    def rows(self) -> Iterator[list]:
        org, leader = self.names.org, self.names.leader
        for r in (
            self.queryset()
            .values_list("type", "name", "org_id", "quantity", "leader_id", "note", "version")
            .iterator(chunk_size=5000)
        ):
            yield [r[0], r[1], org[r[2]], r[3], leader.get(r[4], ""), r[5], r[6]]


@register
class ValueExporter(Exporter):
    identifier = "values"
    kind = KINDS["values"]

    def rows(self) -> Iterator[list]:
        org = self.names.org
        for r in (
            self.queryset()
            .values_list("org_id", "period", "item", "value", "version")
            .iterator(chunk_size=5000)
        ):
            yield [org[r[0]], r[1], r[2], r[3], r[4]]


@register
class VisitExporter(Exporter):
    identifier = "visits"
    kind = KINDS["visits"]

    def rows(self) -> Iterator[list]:
        org = self.names.org
        for r in (
            self.queryset()
            .values_list(
                "date", "group_name", "org_id", "method", "findings", "feedback", "version"
            )
            .iterator(chunk_size=5000)
        ):
            yield [r[0], r[1], org[r[2]], *r[3:]]
