"""Writing many ledger rows fast: ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) over the
model's own table and columns, not ``bulk_create`` (building 200 000 model instances costs more
than the insert itself, see ``bench/intake.py``). Every row records its batch, sheet and row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

from xunzhi.intake.models import ImportBatch

WRITE_BATCH = 5000

Adapter = Callable[[Any], Any]


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _text(value: Any) -> Any:
    return str(value) if value is not None else None


def _adapters(model: type[models.Model], attnames: Sequence[str]) -> list[Adapter | None]:
    """Per-column conversion to what the database driver takes (SQLite wants text dates)."""
    if connection.vendor != "sqlite":
        return [None] * len(attnames)
    out: list[Adapter | None] = []
    for attname in attnames:
        internal = model._meta.get_field(attname).get_internal_type()
        out.append({"DateField": _iso, "DecimalField": _text}.get(internal))
    return out


class BulkWriter:
    """Inserts and updates of one sheet's rows of one ledger model."""

    def __init__(
        self,
        model: type[models.Model],
        *,
        batch: ImportBatch,
        sheet: str,
        now: dt.datetime,
        tick: Callable[[int], None],
    ) -> None:
        self.model, self.batch, self.sheet, self.tick = model, batch, sheet[:100], tick
        self.stamp = connection.ops.adapt_datetimefield_value(now)
        self.qn = connection.ops.quote_name
        self.table = self.qn(model._meta.db_table)

    def _insert_columns(self, attnames: list[str]) -> tuple[list[str], tuple[Any, ...]]:
        """Every column an insert names, and the values of those the sheet does not have at
        all (the model's defaults)."""
        skip = {*attnames, "id", "campaign_id", "version", "created_at", "updated_at"}
        skip |= {"source_batch_id", "source_sheet", "source_row"}
        absent = [f for f in self.model._meta.concrete_fields if f.attname not in skip]
        absent_values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in absent)
        cols = [*attnames, *(f.attname for f in absent), "campaign_id", "version"]
        cols += ["created_at", "updated_at", "source_batch_id", "source_sheet", "source_row"]
        return cols, absent_values

    def insert(
        self, attnames: list[str], rows: list[tuple[Any, ...]], row_nos: list[int], campaign_id: int
    ) -> None:
        if not rows:
            return
        cols, absent_values = self._insert_columns(attnames)
        names = ", ".join(self.qn(c) for c in cols)
        tail = (*absent_values, campaign_id, 1, self.stamp, self.stamp, self.batch.pk, self.sheet)
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: about three times faster than executemany here.
            copy_sql = f"COPY {self.table} ({names}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
                for rec, row_no in zip(rows, row_nos, strict=True):
                    copy.write_row((*rec, *tail, row_no))
            # Progress only once COPY is closed: a progress callback may query the database,
            # which would wait forever on the connection the open COPY holds.
            self.tick(len(rows))
            return
        marks = ", ".join(["%s"] * len(cols))
        sql = f"INSERT INTO {self.table} ({names}) VALUES ({marks})"  # noqa: S608 identifiers quoted; values are parameters
        active = [(i, a) for i, a in enumerate(_adapters(self.model, attnames)) if a is not None]
        with connection.cursor() as cursor:
            for start in range(0, len(rows), WRITE_BATCH):
                chunk = []
                end = start + WRITE_BATCH
                for rec, row_no in zip(rows[start:end], row_nos[start:end], strict=True):
                    if active:
                        out = list(rec)
                        for i, adapt in active:
                            out[i] = adapt(out[i])
                        rec = tuple(out)
                    chunk.append((*rec, *tail, row_no))
                cursor.executemany(sql, chunk)
                self.tick(len(chunk))

    def update(self, attnames: list[str], rows: list[tuple[Any, ...]], row_nos: list[int]) -> None:
        """``rows`` hold the new values of ``attnames`` followed by the row's id."""
        if not rows:
            return
        qn = self.qn
        sets = [f"{qn(a)} = %s" for a in attnames]
        sets += [f"{qn('version')} = {qn('version')} + 1", f"{qn('updated_at')} = %s"]
        sets += [f"{qn(c)} = %s" for c in ("source_batch_id", "source_sheet", "source_row")]
        sql = f"UPDATE {self.table} SET {', '.join(sets)} WHERE {qn('id')} = %s"  # noqa: S608 identifiers quoted; values are parameters
        adapters = _adapters(self.model, attnames)
        n = len(attnames)
        with connection.cursor() as cursor:
            for start in range(0, len(rows), WRITE_BATCH):
                chunk = []
                end = start + WRITE_BATCH
                for rec, row_no in zip(rows[start:end], row_nos[start:end], strict=True):
                    vals = [a(v) if a else v for a, v in zip(adapters, rec[:n], strict=True)]
                    chunk.append((*vals, self.stamp, self.batch.pk, self.sheet, row_no, rec[n]))
                cursor.executemany(sql, chunk)
                self.tick(len(chunk))
