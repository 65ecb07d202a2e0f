"""One row by primary key, read or updated in SQL written directly: for the hottest paths.

Every Green API webhook and state check reads one instance and writes it back
(instances/services/webhooks.py, state.py). The ORM builds its SQL anew on every call, and for
these one-row statements that cost two to ten times as much as running them
(benchmarks/webhook_ingest.py). Column names come from the model, quoted; values go through
each field's own database preparation, as the ORM's would, so a datetime is stored and matched
exactly as the ORM stores it on every backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def row_read(model: type[M], *, pk: object, fields: Iterable[str]) -> M | None:
    """The row `pk` with only `fields` loaded (the rest deferred), or None when there is none."""
    key = _pk_column(model)
    columns = ", ".join([key, *(_column(model, name)[0] for name in fields)])
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT {columns} FROM {table} WHERE {key} = %s"  # noqa: S608  (names, quoted)
    return next(iter(model._default_manager.raw(sql, [pk])), None)


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
