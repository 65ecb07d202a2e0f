"""A first sync into an empty mirror on PostgreSQL: load the rows first, build the indexes after.

Each new row costs an insertion into every secondary index of instances_instance (one b-tree per
list order, two trigram GINs): about twice what storing it costs. Building an index over rows
already stored sorts once instead, so a first sync of 100,000 instances spends about half as
long in the database when its indexes are dropped while it loads and created again, from their
own definitions (`pg_get_indexdef`), before its transaction commits.

Dropping an index takes an ACCESS EXCLUSIVE lock on the table until the commit: nobody reads
or writes the mirror meanwhile. Other sessions wait rather than see anything half-done (DDL is
transactional: they see the old indexes and no new rows, or all of it). That is why this path
is only taken when the mirror held (almost) nothing when the sync began, so readers waited on an
empty list, never on the rows they had; and only with the lock granted at once
(`lock_timeout`): a reader in the middle of a query makes the sync take the ordinary path
instead of queueing every later reader behind its lock request. Indexes that back a constraint
(the primary key) are never touched.
"""

from __future__ import annotations

from django.conf import settings
from django.db import OperationalError, connection, transaction

from instances.models import Instance

# How long the sync waits for the table to itself before it keeps the ordinary path.
LOCK_WAIT = "200ms"

_SECONDARY_INDEXES = """
SELECT index_class.relname, pg_get_indexdef(index.indexrelid)
FROM pg_index AS index
JOIN pg_class AS index_class ON index_class.oid = index.indexrelid
WHERE index.indrelid = %s::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = index.indexrelid)
ORDER BY index_class.relname
"""
# The table's foreign keys checked at commit (Django makes them DEFERRABLE INITIALLY DEFERRED).
_DEFERRED_FOREIGN_KEYS = """
SELECT conname FROM pg_constraint
WHERE conrelid = %s::regclass AND contype = 'f' AND condeferred
"""


def worth_it(*, mirrored: int, new: int) -> bool:
    """Whether a sync that found `mirrored` rows and has `new` rows to add so far should load
    first and index after: PostgreSQL, a mirror that was (nearly) empty, enough new rows."""
    threshold = settings.SYNC_BULK_LOAD_ROWS
    return (
        connection.vendor == "postgresql"
        and threshold > 0
        and new >= threshold
        and mirrored <= threshold // 100
    )


class DeferredIndexes:
    """The secondary indexes of the mirror, dropped while this transaction loads it."""

    def __init__(self) -> None:
        self._definitions: list[str] = []

    @property
    def dropped(self) -> bool:
        return bool(self._definitions)

    def drop(self) -> bool:
        """Take the table for this transaction and drop its secondary indexes; False (and
        nothing changed) when another session holds the table."""
        table = connection.ops.quote_name(Instance._meta.db_table)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
                cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
                cursor.execute(_SECONDARY_INDEXES, [Instance._meta.db_table])
                indexes = cursor.fetchall()
                for name, _definition in indexes:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        except OperationalError:  # lock_not_available: the savepoint undid all of it
            return False
        self._definitions = [definition for _name, definition in indexes]
        return True

    def rebuild(self) -> None:
        """Create the dropped indexes again, over every row now in the table."""
        if not self._definitions:
            return
        with connection.cursor() as cursor:
            # PostgreSQL refuses CREATE INDEX while the rows' deferred foreign-key checks are
            # pending: run them now rather than at commit, then defer them again.
            cursor.execute(_DEFERRED_FOREIGN_KEYS, [Instance._meta.db_table])
            names = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
            if names:
                cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
                cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")
            for definition in self._definitions:
                cursor.execute(definition)
        self._definitions = []
