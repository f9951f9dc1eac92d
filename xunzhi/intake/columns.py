"""Column parsing: one small class per value type (pretix's ``ImportColumn`` with type mixins).

A kind's :class:`~xunzhi.ledgers.registry.Column` names its type in ``parse`` (``text``,
``date``, ``choice:activity_types`` …); :func:`import_column` makes the matching
:class:`ImportColumn`, whose :meth:`~ImportColumn.parser` is the function the sheet parser
calls once per cell (hot: plain functions, no per-cell dispatch). A parser returns the value
to store or raises :class:`~xunzhi.intake.values.CellError` with the reason, in Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from xunzhi.intake.kinds import Column, choices_for
from xunzhi.intake.resolve import OrgIndex
from xunzhi.intake.values import (
    CellError,
    YearHint,
    to_bool,
    to_choice,
    to_date,
    to_int,
    to_key,
    to_money,
    to_period,
    to_tags,
    to_text,
)

Parser = Callable[[object], Any]


@dataclass(frozen=True)
class ParseContext:
    """What columns of one sheet may need: the campaign's lists and dates, the year the
    sheet's title names, the model written to, the units of the import."""

    spec: Any
    hint: YearHint
    model: type[models.Model]
    orgs: OrgIndex


class ImportColumn:
    """One column of a sheet: how its cells become values."""

    #: the ``parse`` word this class handles (``choice`` for every ``choice:<source>``)
    type_name: ClassVar[str] = ""
    #: whether 合计/小计 rows are checked against this column's running sum
    numeric: ClassVar[bool] = False

    def __init__(self, column: Column, context: ParseContext) -> None:
        self.column = column
        self.context = context

    def parser(self) -> Parser:
        return self.parse

    def parse(self, value: object) -> Any:
        raise NotImplementedError


COLUMN_TYPES: dict[str, type[ImportColumn]] = {}


def column_type(cls: type[ImportColumn]) -> type[ImportColumn]:
    COLUMN_TYPES[cls.type_name] = cls
    return cls


def import_column(column: Column, context: ParseContext) -> ImportColumn:
    return COLUMN_TYPES[column.parse.split(":", 1)[0]](column, context)


# ------------------------------------------------------------------------------- mixins


class FunctionMixin(ImportColumn):
    """A column parsed by one plain function of :mod:`xunzhi.intake.values`."""

    function: ClassVar[Parser]

    def parser(self) -> Parser:
        return type(self).function


class BoundedTextMixin(ImportColumn):
    """Text no longer than the database column (PostgreSQL would refuse the whole import)."""

    convert: ClassVar[Callable[[object], str]]

    def max_length(self) -> int | None:
        try:
            field = self.context.model._meta.get_field(self.column.field)
        except FieldDoesNotExist:  # a column without a model field has no limit
            return None
        limit: int | None = getattr(field, "max_length", None)
        return limit

    def parser(self) -> Parser:
        convert = type(self).convert
        limit = self.max_length()
        if not limit:
            return convert

        def parse_bounded(value: object) -> str:
            text = convert(value)
            if len(text) > limit:
                raise CellError(f"内容过长：最多 {limit} 个字符，现有 {len(text)} 个")
            return text

        return parse_bounded


class DatetimeColumnMixin(ImportColumn):
    """Dates, read with the year the campaign and the sheet's title suggest, each distinct
    cell value parsed once (a ledger repeats the same few hundred dates)."""

    def parser(self) -> Parser:
        hint = self.context.hint
        cache: dict[object, dt.date | None] = {}

        def parse_date(value: object) -> dt.date | None:
            if type(value) is dt.date:
                return value
            try:
                return cache[value]
            except KeyError:
                pass
            except TypeError:  # an unhashable cell value
                return to_date(value, year_hint=hint)
            result = cache[value] = to_date(value, year_hint=hint)
            return result

        return parse_date


# ------------------------------------------------------------------------------ columns


@column_type
class TextColumn(BoundedTextMixin):
    type_name = "text"
    convert = to_text


@column_type
class KeyColumn(BoundedTextMixin):
    """A short name (a code, a person's name): spaces removed."""

    type_name = "key"
    convert = to_key


@column_type
class IntColumn(FunctionMixin):
    type_name = "int"
    numeric = True
    function = to_int


@column_type
class MoneyColumn(FunctionMixin):
    type_name = "money"
    numeric = True
    function = to_money


@column_type
class BoolColumn(FunctionMixin):
    type_name = "bool"
    function = to_bool


@column_type
class TagsColumn(FunctionMixin):
    type_name = "tags"
    function = to_tags


@column_type
class DateColumn(DatetimeColumnMixin):
    type_name = "date"


@column_type
class PeriodColumn(ImportColumn):
    """A reporting period (2021-06, 2021Q2, 全程): the value and its last day."""

    type_name = "period"

    def parse(self, value: object) -> tuple[str, dt.date]:
        return to_period(value, campaign_end=self.context.spec.end)


@column_type
class ChoiceColumn(ImportColumn):
    """One of the campaign's words (``choice:activity_types``) or of a fixed list."""

    type_name = "choice"

    def parser(self) -> Parser:
        allowed = choices_for(self.column.parse, self.context.spec)
        allowed_set = set(allowed)

        def parse_choice(value: object) -> str:
            if isinstance(value, str) and value in allowed_set:
                return value
            return to_choice(value, allowed)

        return parse_choice


@column_type
class OrgColumn(ImportColumn):
    """A unit by name or code, resolved against the units of the import."""

    type_name = "org"

    def parser(self) -> Parser:
        return self.context.orgs.resolve


@column_type
class ParentColumn(FunctionMixin):
    """The parent of a unit in a roster: kept as text, resolved once every unit is known."""

    type_name = "parent"
    function = to_text


@column_type
class LeaderColumn(ImportColumn):
    """A leader: kept as written, resolved per row once the row's unit is known."""

    type_name = "leader"

    def parse(self, value: object) -> object:
        return value


@column_type
class VersionColumn(ImportColumn):
    """The 版本 an export carried: checked against the row's current version, never written."""

    type_name = "version"

    def parse(self, value: object) -> int:
        number = to_int(value)
        if number is None or number < 1:
            raise CellError("“版本”应为导出时的版本号（正整数），请勿修改该列")
        return number
