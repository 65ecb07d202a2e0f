"""On PostgreSQL timestamps are read by psycopg's own loader (core/db.py), to the same values."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from psycopg.pq import Format

from core.db import UtcTimestampLoader
from instances.models import Instance

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders"),
]


def test_each_connection_reads_timestamps_with_the_compiled_loader() -> None:
    connection.ensure_connection()
    adapters = connection.connection.adapters
    oid = adapters.types["timestamptz"].oid

    assert adapters.get_loader(oid, Format.TEXT) is UtcTimestampLoader


def test_timestamps_read_back_as_the_same_instants_in_utc() -> None:
    moments = [
        datetime.datetime(2026, 3, 8, 0, 5, 9, 123456, tzinfo=ZoneInfo("Europe/Moscow")),
        datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
        datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),  # the list's sort key for "no date"
    ]
    for n, moment in enumerate(moments):
        Instance.objects.create(id_instance=1101000300 + n, time_created=moment)

    read = list(Instance.objects.order_by("pk").values_list("time_created", flat=True))

    assert read == moments
    assert all(value.tzinfo is datetime.UTC for value in read)
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (now,) = cursor.fetchone()
    assert now.tzinfo is datetime.UTC


def test_the_planner_prices_random_reads_as_the_settings_say() -> None:
    # settings_test.py adds its own option to the connection's: both must reach the server.
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        (cost,) = cursor.fetchone()
        cursor.execute("SHOW synchronous_commit")
        (commit,) = cursor.fetchone()

    assert (cost, commit) == ("1.1", "off")
