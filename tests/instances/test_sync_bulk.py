"""A first sync into an empty mirror on PostgreSQL loads the rows, then builds the indexes.

The indexes come back exactly as they were (the list's plans depend on them), the counters
follow, a broken answer leaves everything as it was, and a table another session is reading
keeps the ordinary path instead of making everyone wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.db.models import Sum

from instances.models import Instance, InstanceCount
from instances.services import sync_bulk, sync_mirror
from instances.services.sync import instances_sync
from tests.support.sandbox import SandboxControl

pytestmark = [
    pytest.mark.usefixtures("greenapi_settings"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes"),
]

LISTED = 120


@pytest.fixture(autouse=True)
def _small_bulk(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first sync of LISTED instances takes the bulk path, deciding after 40 rows."""
    settings.SYNC_BULK_LOAD_ROWS = 50
    monkeypatch.setattr(sync_mirror, "CREATE_BATCH_SIZE", 20)


def index_definitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'instances_instance'"
        )
        return dict(cursor.fetchall())


@pytest.fixture
def dropped_indexes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records how many indexes each DeferredIndexes.drop dropped (0: it kept the path)."""
    counts: list[int] = []
    drop = sync_bulk.DeferredIndexes.drop

    def counted(self: sync_bulk.DeferredIndexes) -> bool:
        before = len(index_definitions())
        dropped = drop(self)
        counts.append(before - len(index_definitions()))
        return dropped

    monkeypatch.setattr(sync_bulk.DeferredIndexes, "drop", counted)
    return counts


def test_a_first_sync_rebuilds_every_index_as_it_was(
    sandbox: SandboxControl, dropped_indexes: list[int]
) -> None:
    before = index_definitions()
    sandbox.set_listing(LISTED)

    result = instances_sync()

    assert (result.created, result.error) == (LISTED, "")
    assert dropped_indexes == [len(before) - 1]  # all but the primary key
    assert index_definitions() == before
    assert Instance.objects.count() == LISTED
    assert InstanceCount.objects.aggregate(n=Sum("n"))["n"] == LISTED
    assert Instance.objects.filter(name__icontains="synthetic 7").exists()  # trigram index


def test_a_re_sync_and_a_small_first_sync_keep_their_indexes(
    sandbox: SandboxControl, dropped_indexes: list[int]
) -> None:
    sandbox.set_listing(30)
    assert instances_sync().created == 30  # below SYNC_BULK_LOAD_ROWS
    sandbox.set_listing(LISTED)
    assert instances_sync().created == LISTED - 30  # the mirror was not empty
    assert dropped_indexes == []


def test_no_bulk_path_when_turned_off(
    sandbox: SandboxControl, dropped_indexes: list[int], settings: Any
) -> None:
    settings.SYNC_BULK_LOAD_ROWS = 0
    sandbox.set_listing(LISTED)
    assert instances_sync().created == LISTED
    assert dropped_indexes == []


def test_a_broken_answer_after_the_indexes_were_dropped_applies_nothing(
    sandbox: SandboxControl, dropped_indexes: list[int]
) -> None:
    before = index_definitions()
    items = [
        {"idInstance": 1109000000 + n, "timeCreated": "2026-06-03T18:39:44"} for n in range(LISTED)
    ]
    # A time the client refuses, far enough in for the indexes to be gone by then.
    items[-5]["timeCreated"] = "yesterday"
    sandbox.add_fault("getInstances", "error200", body=items, times=1)

    result = instances_sync()

    assert "timeCreated is not a date-time" in result.error
    assert dropped_indexes == [len(before) - 1]
    assert index_definitions() == before
    assert not Instance.objects.exists()


@pytest.fixture
def reader() -> Iterator[psycopg.Connection[Any]]:
    """Another session in the middle of reading the mirror (its transaction still open)."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT count(*) FROM instances_instance").fetchone()
        yield other
        other.rollback()


def test_a_table_being_read_keeps_the_ordinary_path(
    sandbox: SandboxControl, dropped_indexes: list[int], reader: psycopg.Connection[Any]
) -> None:
    before = index_definitions()
    sandbox.set_listing(LISTED)

    result = instances_sync()

    assert (result.created, result.error) == (LISTED, "")
    assert dropped_indexes == [0]
    assert index_definitions() == before
