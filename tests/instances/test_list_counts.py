"""The counts of the list come from InstanceCount, which database triggers keep equal to the mirror.

Whatever writes the mirror (a create, the sync, a state change, a bulk update, a delete, a
reseller's deletion), the counter rows add up to the real counts, on SQLite and PostgreSQL; on
PostgreSQL two writers never wait for each other on a counter row.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, connections, transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Reseller
from greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.jobs import SYNC, job_run
from instances.models import Instance, InstanceCount
from instances.services.state import state_record
from tests.support.sandbox import SandboxControl

KEY = ("reseller_id", "state", "type_instance", "deleted", "is_expired")
STATES = Instance.State.values
TYPES = Instance.Type.values
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def real_counts() -> Counter[tuple[Any, ...]]:
    rows = Instance.objects.values(*KEY).annotate(n=Count("pk")).order_by()
    return Counter(
        {(row["reseller_id"] or 0, *(row[k] for k in KEY[1:])): row["n"] for row in rows}
    )


def kept_counts() -> Counter[tuple[Any, ...]]:
    fields = ("reseller_key", *KEY[1:])
    rows = InstanceCount.objects.values(*fields).annotate(n=Sum("n")).order_by()
    return Counter({tuple(row[k] for k in fields): row["n"] for row in rows if row["n"]})


# One step of what the product does to the mirror, drawn by hypothesis.
ids = st.integers(min_value=1, max_value=12).map(lambda n: 1101000000 + n)
steps = st.one_of(
    st.tuples(
        st.just("create"),
        ids,
        st.sampled_from(STATES),
        st.sampled_from(TYPES),
        st.integers(0, 2),
        st.booleans(),
        st.booleans(),
    ),
    st.tuples(st.just("state"), ids, st.sampled_from(STATES)),
    st.tuples(st.just("update"), st.sampled_from(STATES), st.sampled_from(KEY[1:])),
    st.tuples(st.just("bulk_update"), st.lists(ids, max_size=5), st.booleans()),
    st.tuples(st.just("assign"), st.sampled_from(STATES), st.integers(0, 2)),
    st.tuples(st.just("delete"), ids),
    st.tuples(st.just("delete_state"), st.sampled_from(STATES)),
    st.tuples(st.just("delete_reseller"), st.integers(1, 2)),
)


def apply(step: tuple[Any, ...], resellers: list[Reseller | None]) -> None:
    kind, *args = step
    if kind == "create":
        id_instance, state, type_instance, reseller, deleted, expired = args
        Instance.objects.get_or_create(
            id_instance=id_instance,
            defaults={
                "state": state,
                "type_instance": type_instance,
                "reseller": resellers[reseller],
                "deleted": deleted,
                "is_expired": expired,
            },
        )
    elif kind == "state":
        instance = Instance.objects.filter(pk=args[0]).first()
        if instance is not None:
            state_record(instance=instance, state=args[1], source="poll")
    elif kind == "update":
        state, field = args
        value: Any = {"state": "blocked", "type_instance": "telegram"}.get(field, True)
        Instance.objects.filter(state=state).update(**{field: value})
    elif kind == "bulk_update":
        rows = list(Instance.objects.filter(pk__in=args[0]))
        for row in rows:
            row.deleted, row.is_expired = args[1], not row.is_expired
        Instance.objects.bulk_update(rows, ["deleted", "is_expired"])
    elif kind == "assign":
        Instance.objects.filter(state=args[0]).update(reseller=resellers[args[1]])
    elif kind == "delete":
        Instance.objects.filter(pk=args[0]).delete()
    elif kind == "delete_state":
        Instance.objects.filter(state=args[0]).delete()
    elif kind == "delete_reseller":
        reseller = resellers[args[0]]
        if reseller is not None:
            reseller.delete()  # its instances become unassigned (SET_NULL)
            resellers[args[0]] = None


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(steps, max_size=25))
@pytest.mark.django_db
def test_counters_equal_the_real_counts_after_any_writes(plan: list[tuple[Any, ...]]) -> None:
    Instance.objects.all().delete()
    Reseller.objects.all().delete()
    resellers: list[Reseller | None] = [
        None,
        Reseller.objects.create(name="A", contact_email="a@example.com"),
        Reseller.objects.create(name="B", contact_email="b@example.com"),
    ]

    for step in plan:
        apply(step, resellers)
        assert kept_counts() == real_counts(), step


@pytest.mark.usefixtures("greenapi_settings")
def test_counters_follow_the_sync(sandbox: SandboxControl) -> None:
    client = partner_client()
    for n in range(3):
        client.create_instance(CreateInstanceParams(name=f"Shop {n}"))
    job_run(SYNC)
    assert sum(kept_counts().values()) == Instance.objects.count() == 3

    gone = Instance.objects.first()
    assert gone is not None
    client.delete_instance_account(gone.id_instance)
    job_run(SYNC)

    assert kept_counts() == real_counts()
    assert sum(kept_counts().values()) == Instance.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_writers_never_wait_on_a_counter_row() -> None:
    Instance.objects.bulk_create(
        Instance(id_instance=1101000000 + n, state="notAuthorized", time_created=T0)
        for n in range(2)
    )
    first_wrote, second_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_a_change() -> None:
        try:
            with transaction.atomic():
                Instance.objects.filter(pk=1101000000).update(state="authorized")
                first_wrote.set()
                # Holds its counter rows until the other writer is through (or gave up).
                second_done.wait(timeout=10)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_a_change)
    holder.start()
    assert first_wrote.wait(timeout=10)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            # The same change of key: without SKIP LOCKED it would wait for the holder's row.
            Instance.objects.filter(pk=1101000001).update(state="authorized")
    finally:
        second_done.set()
        holder.join(timeout=10)
    assert not errors

    assert kept_counts() == real_counts()
    assert real_counts() == Counter({(0, "authorized", "whatsapp", False, False): 2})


@pytest.mark.django_db
def test_a_table_emptied_behind_the_triggers_is_counted_again_after_migrate_or_flush() -> None:
    reseller = Reseller.objects.create(name="Bakery")
    Instance.objects.bulk_create(
        Instance(id_instance=1101000000 + n, state="authorized", reseller=reseller, time_created=T0)
        for n in range(3)
    )
    # What a flush in the wrong order does: the counters go first, then the rows they count.
    InstanceCount.objects.all().delete()
    Instance.objects.filter(pk=1101000000).delete()
    assert kept_counts() != real_counts()

    emit_post_migrate_signal(
        verbosity=0, interactive=False, db="default"
    )  # as migrate and flush do

    assert kept_counts() == real_counts()
    assert sum(kept_counts().values()) == 2


def test_the_counting_triggers_survive_every_migration(db: None) -> None:
    # SQLite copies a table to add a NOT NULL column, and the copy has no triggers: a migration
    # that does so must put them back (instances 0017), or the list's counts stop moving.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'instances_instance'::regclass "
                "AND NOT tgisinternal"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert {"instances_count_insert", "instances_count_update", "instances_count_delete"} <= names
