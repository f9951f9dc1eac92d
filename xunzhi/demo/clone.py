"""Clone part of the organisation tree with its leaders and ledgers, inside the database.

Used by the demo province (:mod:`xunzhi.demo.province`): every statement is an
``INSERT … SELECT`` (or an ``UPDATE``), so no row passes through Python and memory stays flat;
the SQL is plain enough for PostgreSQL and SQLite alike. A cloned unit keeps its pattern's
subtree shape: its path is the pattern's with the old parent's prefix replaced by the new
parent's, its code the pattern's with the old city code replaced by the new one, and names
have the old place name replaced by the new one. Rows are remapped by natural keys:

- ``org``: the unit with the mapped code (codes are unique);
- a ``Leader``: the leader of the mapped unit with the same name (``leader_org_name`` is unique);
  one outside the cloned part (none in the demo) stays as it was;
- a ``SupervisionVisit`` (a problem's ``visit``): the visit of the mapped unit with the same
  campaign, date, group and method (``visit_natural_key``); so visits are cloned first;
- every other column, and every other foreign key (campaign, import batch, users), as it was.

Columns come from the models, so a field added to a ledger is cloned without change here.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import ForeignKey, Model

from xunzhi.ledgers.models import LEDGER_MODELS, SupervisionVisit, ValueSubmission
from xunzhi.organisations.models import Leader, Org, OrgKind


def county_clone(*, source: Org, source_city: Org, city: Org, code: str, name: str) -> int:
    """Clone the county ``source`` of ``source_city`` under ``city`` as ``code`` named ``name``
    (call inside a transaction). Returns the number of rows written."""
    clone = _Clone(
        old_code=source_city.code,
        new_code=city.code,
        old_path=source_city.path,
        new_path=city.path,
        old_name=source.name.removesuffix("县"),
        new_name=name.removesuffix("县"),
        where="o.path LIKE %s",
        where_params=[f"{source.path}%"],
    )
    if code != city.code + source.code[len(source_city.code) :]:
        raise ValueError(f"county code {code} does not follow the city code {city.code}")
    rows = clone.run()
    Org.objects.filter(pk=city.pk).update(numchild=city.numchild + 1)
    city.numchild += 1
    return rows


def city_level_clone(*, source: Org, province: Org, code: str, name: str, path: str) -> int:
    """Clone the city ``source``'s own level (the city, its children that are not counties and
    their subtrees: the 市委常委会) under ``province`` as ``code``/``name`` at ``path`` (call
    inside a transaction). Its counties are cloned one by one by :func:`county_clone`."""
    own = list(Org.objects.children_of(source).exclude(kind=OrgKind.COUNTY).values_list("path"))
    where = " OR ".join(["o.path = %s", *(["o.path LIKE %s"] * len(own))])
    clone = _Clone(
        old_code=source.code,
        new_code=code,
        old_path=source.path,
        new_path=path,
        old_name=source.name.removesuffix("市"),
        new_name=name.removesuffix("市"),
        where=f"({where})",
        where_params=[source.path, *(f"{p}%" for (p,) in own)],
    )
    rows = clone.run()
    # The new city has only its own children so far; each county clone adds one.
    Org.objects.filter(code=code).update(numchild=len(own))
    Org.objects.filter(pk=province.pk).update(numchild=province.numchild + 1)
    province.numchild += 1
    return rows


class _Clone:
    """One clone: the units matching ``where`` (on ``o``, the pattern's org), then their rows."""

    def __init__(
        self,
        *,
        old_code: str,
        new_code: str,
        old_path: str,
        new_path: str,
        old_name: str,
        new_name: str,
        where: str,
        where_params: list[str],
    ) -> None:
        self.new_code = new_code
        self.code_from = len(old_code) + 1  # SUBSTR is 1-based
        self.old_path = old_path
        self.new_path = new_path
        self.old_name = old_name
        self.new_name = new_name
        self.where = where
        self.where_params = where_params

    def run(self) -> int:
        rows = self._orgs()
        rows += self._table(Leader)
        ledgers = [
            SupervisionVisit,
            *(m for m in LEDGER_MODELS.values() if m is not SupervisionVisit),
        ]
        for model in [*ledgers, ValueSubmission]:
            rows += self._table(model)
        return rows

    def _mapped(self, alias: str) -> str:
        """The SQL of the mapped code of the org ``alias``: new city code + the rest of its code."""
        return f"%s || SUBSTR({alias}.code, {self.code_from})"

    def _orgs(self) -> int:
        table, q = Org._meta.db_table, connection.ops.quote_name
        columns = [f.column for f in Org._meta.concrete_fields if not f.primary_key]
        exprs = []
        params: list[str] = []
        for column in columns:
            if column == "path":
                exprs.append(f"%s || SUBSTR(o.path, {len(self.old_path) + 1})")
                params.append(self.new_path)
            elif column == "code":
                exprs.append(self._mapped("o"))
                params.append(self.new_code)
            elif column == "name":
                exprs.append("REPLACE(o.name, %s, %s)")
                params += [self.old_name, self.new_name]
            else:
                exprs.append(f"o.{q(column)}")
        sql = (
            f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 identifiers quoted; values are parameters
            f"SELECT {', '.join(exprs)} FROM {q(table)} o WHERE {self.where}"
        )
        return self._execute(sql, [*params, *self.where_params])

    def _table(self, model: type[Model]) -> int:
        """Copy the rows of ``model`` whose unit is cloned, remapping org, leaders and visits."""
        q = connection.ops.quote_name
        org_table, table = q(Org._meta.db_table), q(model._meta.db_table)
        columns, exprs, joins = [], [], []
        params: list[str] = []
        org_column = "org_id"
        for n, field in enumerate(f for f in model._meta.concrete_fields if not f.primary_key):
            column = str(field.column)
            columns.append(q(column))
            target = field.related_model if isinstance(field, ForeignKey) else None
            if target is Org:
                org_column = column
                exprs.append("n.id")
            elif target is Leader or target is SupervisionVisit:
                sql, join_params = self._join_by_key(target, column, f"j{n}")
                exprs.append(f"COALESCE(j{n}new.id, t.{q(column)})")
                joins.append(sql)
                params += join_params
            else:
                exprs.append(f"t.{q(column)}")
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} "  # noqa: S608 identifiers quoted; values are parameters
            f"FROM {table} t JOIN {org_table} o ON o.id = t.{q(org_column)} "
            f"JOIN {org_table} n ON n.code = {self._mapped('o')} {' '.join(joins)} "
            f"WHERE {self.where}"
        )
        return self._execute(sql, [self.new_code, *params, *self.where_params])

    def _join_by_key(self, target: type[Model], column: str, alias: str) -> tuple[str, list[str]]:
        """LEFT JOINs from ``t.column`` to the same row of the mapped unit (``{alias}new``)."""
        q = connection.ops.quote_name
        org_table, table = q(Org._meta.db_table), q(target._meta.db_table)
        keys = ["name"] if target is Leader else ["campaign_id", "date", "group_name", "method"]
        same = " AND ".join(f"{alias}new.{q(k)} = {alias}.{q(k)}" for k in keys)
        sql = (
            f"LEFT JOIN {table} {alias} ON {alias}.id = t.{q(column)} "
            f"LEFT JOIN {org_table} {alias}o ON {alias}o.id = {alias}.org_id "
            f"LEFT JOIN {org_table} {alias}n ON {alias}n.code = {self._mapped(alias + 'o')} "
            f"LEFT JOIN {table} {alias}new ON {alias}new.org_id = {alias}n.id AND {same}"
        )
        return sql, [self.new_code]

    def _execute(self, sql: str, params: list[str]) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(int(cursor.rowcount), 0)
