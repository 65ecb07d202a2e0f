"""The sync's bulk writes of mirrored fields, in plain SQL through the table.

Django's bulk_create and bulk_update prepare every field of every object in Python and build a
CASE per field per row for updates: 0.3 ms an instance, 30 s for 100,000. Here each row's values
are prepared once, the other columns take their defaults (prepared once), and new rows go in
through an `Inserter`: on PostgreSQL one COPY that stays open from the first new row to the next
other statement, so the server stores and indexes rows while Python reads the next ones (a COPY
per batch left one side idle while the other worked: the first sync took their sum); elsewhere
executemany per batch. Updates are one parameterised UPDATE sent with executemany (pipelined by
psycopg). Triggers on the table fire as for any INSERT/UPDATE.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    NOT_PROVIDED,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    JSONField,
)
from psycopg import Copy
from psycopg.copy import QueuedLibpqWriter

from core.fields import EncryptedTextField
from instances.models import Instance

Prepare = Callable[[Any], Any]
Row = list[Any]  # Python values in the order of the `names` given with them


def _preparers(names: Sequence[str], db: BaseDatabaseWrapper) -> list[tuple[int, Prepare]]:
    """(index, preparation) of the values that need one: the cheapest correct one for each."""
    preparers: list[tuple[int, Prepare]] = []
    for index, field in enumerate(_fields(names)):
        if type(field) in (CharField, BooleanField, BigIntegerField):
            continue  # what the database drivers take as they are
        if type(field) is DateTimeField:
            # The sync's times are aware (greenapi/times.py): only the backend's adaptation left.
            preparers.append((index, db.ops.adapt_datetimefield_value))
        elif isinstance(field, EncryptedTextField):
            preparers.append((index, field.get_prep_value))
        else:
            preparers.append((index, partial(_prepare, field, db)))
    return preparers


def _prepare(field: Field[Any, Any], db: BaseDatabaseWrapper, value: Any) -> Any:
    return field.get_db_prep_save(value, db)


def _prepared(rows: Sequence[Row], preparers: list[tuple[int, Prepare]]) -> Sequence[Row]:
    for row in rows:
        for index, prepare in preparers:
            row[index] = prepare(row[index])
    return rows


def _default(field: Field[Any, Any], db: BaseDatabaseWrapper) -> Any:
    if isinstance(field, JSONField) and db.vendor == "postgresql":
        return json.dumps(field.get_default())  # COPY takes the text, dumped once, not per row
    return field.get_db_prep_save(field.get_default(), db)


def _column(field: Field[Any, Any]) -> str:
    assert field.column is not None
    return field.column


def _fields(names: Sequence[str]) -> list[Field[Any, Any]]:
    return [Instance._meta.get_field(name) for name in names]  # type: ignore[misc]


class Inserter:
    """New instances, `names` from each row and every other column its default.

    Use it as a context manager and call `pause()` before any other statement on the
    connection: on PostgreSQL the COPY it opens takes the connection until it ends. An error
    that leaves the block aborts the COPY, so the transaction can roll back.
    """

    def __init__(self, names: Sequence[str]) -> None:
        others = [
            field
            for field in Instance._meta.concrete_fields
            if field.name not in names
            and not getattr(field, "generated", False)
            # A database default is left to the database.
            and getattr(field, "db_default", NOT_PROVIDED) is NOT_PROVIDED
        ]
        db = connections[DEFAULT_DB_ALIAS]
        self._defaults = [_default(field, db) for field in others]
        self._preparers = _preparers(names, db)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(_column(field)) for field in [*_fields(names), *others])
        table = quote(Instance._meta.db_table)
        self._copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        marks = ", ".join(["%s"] * (len(names) + len(others)))
        # Names come from the model, values travel as parameters.
        self._insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        self._open = ExitStack()
        self._copy: Copy | None = None

    def write(self, rows: Sequence[Row]) -> None:
        """Insert `rows` (their values are prepared in place)."""
        if not rows:
            return
        defaults = self._defaults
        values = [row + defaults for row in _prepared(rows, self._preparers)]
        if connection.vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.executemany(self._insert_sql, values)
            return
        copy = self._copy or self._start_copy()
        for value in values:
            copy.write_row(value)

    def pause(self) -> None:
        """End the open COPY, if any (it waits for the server to store the rows sent)."""
        self._copy = None
        self._open.close()

    def _start_copy(self) -> Copy:
        cursor = self._open.enter_context(connection.cursor())
        raw = cursor.cursor
        # The queued writer sends from a thread while this one prepares the next rows.
        copy: Copy = self._open.enter_context(
            raw.copy(self._copy_sql, writer=QueuedLibpqWriter(raw))
        )
        self._copy = copy
        return copy

    def __enter__(self) -> Inserter:
        return self

    def __exit__(self, *error: object) -> None:
        self._copy = None
        self._open.__exit__(*error)  # type: ignore[arg-type]


def update(rows: Sequence[Row], names: Sequence[str], *, fixed: dict[str, Any]) -> None:
    """Set `names` from each row and the `fixed` values on every one; each row ends with the
    id_instance of the row to update."""
    if not rows:
        return
    given = _fields(names)
    constants = _fields(list(fixed))
    db = connections[DEFAULT_DB_ALIAS]
    fixed_values = [
        field.get_db_prep_save(value, db)
        for field, value in zip(constants, fixed.values(), strict=True)
    ]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(_column(field))} = %s" for field in [*given, *constants])
    table = quote(Instance._meta.db_table)
    key = quote(_column(Instance._meta.get_field("id_instance")))
    count = len(names)
    values = [
        row[:count] + fixed_values + row[count:] for row in _prepared(rows, _preparers(names, db))
    ]
    with connection.cursor() as cursor:
        update_sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608
        cursor.executemany(update_sql, values)
