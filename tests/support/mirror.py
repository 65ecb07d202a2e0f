"""A large mirror in one statement, for plan tests and `make bench` (PostgreSQL only).

`INSERT ... SELECT ... FROM generate_series` writes 100,000 instances in about a second, where
the ORM would take minutes (every token is encrypted on the way in). The rows spread over
every state, messenger, reseller, deleted and expired the way a large partner's do: most
linked, a few of each rarer state, about a tenth deleted. Columns not listed here take the
model's defaults, so a new field needs no change.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from instances.models import Instance

FIRST_ID = 1101000000
# An instance every mirror has (number 1), with a phone, for searches that must find it.
KNOWN_ID = FIRST_ID + 1
# One state in twenty is each rarer one; twelve in twenty are linked, four not linked.
_STATES = ["authorized"] * 12 + ["notAuthorized"] * 4 + ["", "blocked", "starting", "sleepMode"]


def _generated(resellers: Sequence[int], batch: int) -> dict[str, str]:
    """SQL for each generated column, given n (the row's number) and the reseller ids."""
    states = "ARRAY[" + ", ".join(f"'{state}'" for state in _STATES) + "]"
    reseller_ids = "ARRAY[" + ", ".join(str(int(r)) for r in resellers) + "]::bigint[]"
    # Seven rows in ten belong to a reseller, round the list; the rest to none.
    reseller = (
        f"CASE WHEN mod(abs(hashint4(n + 1)), 10) < 7 "
        f"THEN ({reseller_ids})[1 + mod(abs(hashint4(n + 2)), {len(resellers)})] END"
        if resellers
        else "NULL"
    )
    return {
        "id_instance": f"{FIRST_ID} + n",
        # Customers choose names, so a name says nothing about when its instance was made:
        # the number is a hash of n. Except a batch made together (`batch`, the oldest rows),
        # the hard case for a search in newest-first order.
        "name": f"CASE WHEN n < {int(batch)} THEN 'Kiosk ' || n "
        "WHEN mod(n, 3) = 0 THEN 'Cafe ' || mod(abs(hashint4(n + 6)), 100000) "
        "ELSE 'Shop ' || mod(abs(hashint4(n + 6)), 100000) END",
        "type_instance": "CASE WHEN mod(n, 10) = 0 THEN 'telegram' WHEN mod(n, 25) = 1 THEN 'v3' "
        "ELSE 'whatsapp' END",
        "state": f"({states})[1 + mod(abs(hashint4(n)), {len(_STATES)})]",
        "time_created": "CASE WHEN mod(n, 1000) = 999 THEN NULL "
        "ELSE timestamptz '2024-01-01 00:00:00+00' + n * interval '1 minute' END",
        "state_changed_at": "CASE WHEN mod(n, 4) = 0 THEN NULL "
        "ELSE timestamptz '2025-01-01 00:00:00+00' + (mod(n * 7919, 500000)) * interval '1 minute' "
        "END",
        "reseller_id": reseller,
        "deleted": "mod(abs(hashint4(n + 3)), 12) = 0",
        "is_expired": "mod(abs(hashint4(n + 4)), 20) = 0",
        # Mobile numbers: 79 and nine digits that look random, on odd rows.
        "phone": "CASE WHEN mod(n, 2) = 1 "
        "THEN '79' || lpad(mod(abs(hashint4(n + 5)), 1000000000)::text, 9, '0') ELSE '' END",
    }


def fill_mirror(
    count: int, *, start: int = 0, resellers: Sequence[int] = (), batch: int = 0
) -> None:
    """Add instances number `start` to `start + count - 1`, then VACUUM ANALYZE the tables.

    Instances numbered below `batch` are named "Kiosk <n>": made together, long ago.
    A reseller listed twice in `resellers` gets twice the share of instances.

    VACUUM (what autovacuum does soon after a bulk load) also moves the trigram indexes'
    pending entries into the index proper; inside a transaction only ANALYZE can run.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("fill_mirror writes PostgreSQL SQL")
    generated = _generated(resellers, batch)
    template = Instance(id_instance=0)
    columns, selects, params = [], [], []
    for field in Instance._meta.concrete_fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.column in generated:
            selects.append(generated[field.column])
        else:
            selects.append("%s")
            value = field.get_db_prep_save(getattr(template, field.attname), connection)
            params.append(value)
    # Our own column names and expressions; every value is a parameter.
    sql = (
        f"INSERT INTO instances_instance ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(selects)} FROM generate_series(%s, %s) AS n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, start, start + count - 1])
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        cursor.execute(command)  # every table: the mirror and what triggers wrote
