"""Per-instance, per-method limits over a sliding one-second window (docs/greenapi.md §4.3).

Plain SQL: this runs on every limited wire call, and building the same ORM queries again on
each call cost more than the rest of a `qr` call.
"""

from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection, transaction

from sandbox.methods import WireMethod
from sandbox.models import EmulatedInstance, RateHit

WINDOW = timedelta(seconds=1)


def allow(id_instance: int, method: WireMethod, now: datetime) -> bool:
    """Record the call and say yes, or say no without recording (only accepted calls count)."""
    if method.rps is None or not settings.SANDBOX_RATE_LIMITS:
        return True
    sql = _statements()
    adapt = connection.ops.adapt_datetimefield_value
    key = [id_instance, method.name]
    with transaction.atomic(), connection.cursor() as cursor:
        # Locking the instance row serialises concurrent calls, so two cannot share a slot
        # (SQLite has no row locks: its transactions begin IMMEDIATE, one writer at a time).
        if connection.features.has_select_for_update:
            cursor.execute(sql["lock"], [id_instance])
        cursor.execute(sql["forget"], [*key, adapt(now - WINDOW)])
        # The upper bound keeps hits from a clock moved backwards (tests) from counting.
        cursor.execute(sql["count"], [*key, adapt(now - WINDOW), adapt(now)])
        if cursor.fetchone()[0] >= method.rps:
            return False
        cursor.execute(sql["hit"], [*key, adapt(now)])
    return True


@cache
def _statements() -> dict[str, str]:
    hits = connection.ops.quote_name(RateHit._meta.db_table)
    instances = connection.ops.quote_name(EmulatedInstance._meta.db_table)
    mine = "id_instance = %s AND method = %s"
    # Only the models' quoted names are spliced in; every value is a parameter.
    return {
        "lock": f"SELECT 1 FROM {instances} WHERE id_instance = %s FOR UPDATE",  # noqa: S608
        "forget": f"DELETE FROM {hits} WHERE {mine} AND at <= %s",  # noqa: S608
        "count": f"SELECT COUNT(*) FROM {hits} WHERE {mine} AND at > %s AND at <= %s",  # noqa: S608
        "hit": f"INSERT INTO {hits} (id_instance, method, at) VALUES (%s, %s, %s)",  # noqa: S608
    }
