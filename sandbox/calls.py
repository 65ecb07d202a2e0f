"""Counting every wire call received, for the control API's `calls` endpoint."""

from functools import cache

from django.db import connection
from django.db.models import Min, Sum
from django.utils import timezone

from sandbox.models import CallCounter

NO_INSTANCE = 0  # calls that name no instance (createInstance, getInstances, bad ids)


def record(method: str, id_instance: int | None) -> None:
    """Count one call, in one statement: it runs on every wire call, so it is plain SQL.

    The ORM's version (an UPDATE, then an INSERT when the row was missing) cost more than the
    rest of a `qr` call. Two requests may update in the opposite order of their arrival: the gap
    is the absolute difference, and the latest call stays the latest.
    """
    key = id_instance or NO_INSTANCE
    now = timezone.now().timestamp()  # the emulator's clock, which tests move
    with connection.cursor() as cursor:
        cursor.execute(_record_sql(), [method, key, now])


@cache
def _record_sql() -> str:
    # CASE rather than GREATEST/LEAST or MAX/MIN: the same SQL on SQLite and PostgreSQL.
    table = connection.ops.quote_name(CallCounter._meta.db_table)
    count = connection.ops.quote_name("count")
    gap = f"ABS(excluded.last_at - {table}.last_at)"
    # Only the model's quoted names are spliced in; every value is a parameter.
    return (
        f"INSERT INTO {table} (method, id_instance, {count}, last_at, shortest_gap) "  # noqa: S608
        "VALUES (%s, %s, 1, %s, NULL) "
        f"ON CONFLICT (method, id_instance) DO UPDATE SET {count} = {table}.{count} + 1, "
        f"last_at = CASE WHEN {table}.last_at > excluded.last_at THEN {table}.last_at "
        "ELSE excluded.last_at END, "
        f"shortest_gap = CASE WHEN {table}.shortest_gap <= {gap} THEN {table}.shortest_gap "
        f"ELSE {gap} END"
    )


def counts(id_instance: int | None = None) -> dict[str, int]:
    rows = CallCounter.objects.all()
    if id_instance is not None:
        rows = rows.filter(id_instance=id_instance)
    totals = rows.values("method").annotate(total=Sum("count")).order_by("method")
    return {row["method"]: row["total"] for row in totals}


def shortest_gaps(id_instance: int | None = None) -> dict[str, float]:
    """Per method, the shortest time in seconds between two calls to one instance."""
    rows = CallCounter.objects.exclude(id_instance=NO_INSTANCE).filter(shortest_gap__isnull=False)
    if id_instance is not None:
        rows = rows.filter(id_instance=id_instance)
    gaps = rows.values("method").annotate(gap=Min("shortest_gap")).order_by("method")
    return {row["method"]: row["gap"] for row in gaps}


def reset() -> None:
    CallCounter.objects.all().delete()
