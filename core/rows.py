"""One row by primary key, read or updated in SQL written directly: for the hottest paths.

Every Green API webhook and state check reads one instance and writes it back
(instances/services/webhooks.py, state.py), every onboarding poll reads its instance, and every
logged-in request its user. The ORM builds its SQL anew on every call, and for these one-row
statements that cost two to ten times as much as running them (benchmarks/webhook_ingest.py);
a RawQuerySet still works out its columns and converters on every call. Here each statement,
and the converters its columns need, is worked out once per model, fields and database. Column
names come from the model, quoted; values go through each field's own database preparation and
conversion, as the ORM's would, so a datetime is stored and matched exactly as the ORM stores it,
and read back as the ORM reads it, on every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, ForeignKey, Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Part:
    """The columns of one model in a read: where they sit in the row, and how to convert them."""

    model: type[Model]
    attnames: tuple[str, ...]  # in the model's concrete field order, as Model.from_db wants
    start: int
    converters: tuple[tuple[int, tuple[Converter, ...], Any], ...]  # offset, converters, Col

    def build(self, row: Sequence[Any]) -> Model | None:
        """The model instance, or None for a LEFT JOINed row that is not there (no key)."""
        values = list(row[self.start : self.start + len(self.attnames)])
        if values[0] is None:
            return None
        for offset, converters, column in self.converters:
            for converter in converters:
                values[offset] = converter(values[offset], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


@dataclass(frozen=True)
class _Read:
    sql: str
    main: _Part
    related: tuple[tuple[ForeignKey[Any, Any], _Part], ...]


_READS: dict[tuple[Any, ...], _Read] = {}


def row_read(
    model: type[M],
    *,
    pk: int | str,
    fields: Iterable[str],
    related: Sequence[str] = (),
) -> M | None:
    """The row `pk` with only `fields` loaded (the rest deferred), or None when there is none.

    `related` names foreign keys whose rows come along whole in the same statement (a LEFT
    JOIN), as `select_related` would: the instance's cache holds them, None when there is none.
    """
    read = _read_for(model, tuple(fields), tuple(related))
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    instance = read.main.build(row)
    assert isinstance(instance, model)
    for field, part in read.related:
        field.set_cached_value(instance, part.build(row))  # None when there is none
    return instance


def _read_for(model: type[Model], fields: tuple[str, ...], related: tuple[str, ...]) -> _Read:
    key = (connection.alias, connection.vendor, model, fields, related)
    read = _READS.get(key)
    if read is None:
        read = _READS[key] = _read_new(model, fields, related)
    return read


def _read_new(model: type[Model], fields: tuple[str, ...], related: tuple[str, ...]) -> _Read:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    wanted = {model._meta.get_field(name).name for name in fields}
    assert model._meta.pk is not None
    wanted.add(model._meta.pk.name)
    main_fields = [f for f in model._meta.concrete_fields if f.name in wanted]
    assert main_fields[0].primary_key, "the key comes first in the model"
    columns = [f"{table}.{_quoted(f)}" for f in main_fields]
    main = _part(model, main_fields, start=0, alias=model._meta.db_table)
    joins, parts = [], []
    for number, name in enumerate(related):
        field = model._meta.get_field(name)
        assert isinstance(field, ForeignKey), f"{name} is not a foreign key of {model}"
        target: type[Model] = field.related_model
        alias = f"r{number}"
        target_fields = list(target._meta.concrete_fields)
        assert target_fields[0].primary_key, "the key comes first in the model"
        parts.append((field, _part(target, target_fields, start=len(columns), alias=alias)))
        columns += [f"{alias}.{_quoted(f)}" for f in target_fields]
        joins.append(
            f" LEFT JOIN {quote(target._meta.db_table)} {alias}"
            f" ON {alias}.{_quoted(field.target_field)} = {table}.{_quoted(field)}"
        )
    key = f"{table}.{_quoted(model._meta.pk)}"
    # Only the models' quoted names are spliced in; the key is a parameter.
    sql = f"SELECT {', '.join(columns)} FROM {table}{''.join(joins)} WHERE {key} = %s"  # noqa: S608
    return _Read(sql, main, tuple(parts))


def _quoted(field: Field[Any, Any]) -> str:
    assert field.column, f"{field} has no column"
    return connection.ops.quote_name(field.column)


def _part(model: type[Model], fields: list[Field[Any, Any]], *, start: int, alias: str) -> _Part:
    converters = []
    for offset, field in enumerate(fields):
        column = field.get_col(alias)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((offset, tuple(found), column))
    attnames = tuple(field.attname for field in fields)
    return _Part(model, attnames, start, tuple(converters))


def compare_and_set(
    model: type[Model], *, pk: object, expected: Mapping[str, Any], changes: Mapping[str, Any]
) -> bool:
    """UPDATE the row `pk` with `changes` where its fields still equal `expected` (None: NULL).

    True when the row was updated; False when it is gone or no longer as expected.
    """
    assignments, params = [], []
    for name, value in changes.items():
        column, field = _column(model, name)
        assignments.append(f"{column} = %s")
        params.append(field.get_db_prep_save(value, connection))
    conditions = [f"{_pk_column(model)} = %s"]
    params.append(pk)
    for name, value in expected.items():
        column, field = _column(model, name)
        if value is None:
            conditions.append(f"{column} IS NULL")
        else:
            conditions.append(f"{column} = %s")
            params.append(field.get_db_prep_value(value, connection))
    table = connection.ops.quote_name(model._meta.db_table)
    # Only the model's quoted names are spliced in; every value is a parameter.
    sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE {' AND '.join(conditions)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated: int = cursor.rowcount
    return updated == 1


def _pk_column(model: type[Model]) -> str:
    assert model._meta.pk is not None
    return _column(model, model._meta.pk.name)[0]


def _column(model: type[Model], name: str) -> tuple[str, Field[Any, Any]]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{name} is not a field of {model}"
    assert field.column, f"{name} is not a column of {model}"
    return connection.ops.quote_name(field.column), field
