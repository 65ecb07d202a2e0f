"""On PostgreSQL the attention list reads each condition's rows from an index of its own.

A condition's page of rows, longest standing first, and its capped count come from a partial
index on the condition's moment (instances/models.py, `longest_standing`), so they stop after a
page instead of sorting every live instance: on a mirror large enough for the planner to care,
every one of those indexes is read and no query scans the instances whole. Nor the state
history, which only grows: "logged out" finds each logout in an index of logouts alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Reseller, User
from instances.attention import attention_for
from tests.instances.test_list_plans import indexes_used, rows_read
from tests.support.mirror import fill_mirror

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]

ATTENTION_INDEXES = {
    "attention_state_since",
    "attention_unconfirmed",
    "attention_offline",
    "attention_queue_growing",
    "attention_expired",
}


def plans(user: User, table: str = "instances_instance") -> list[tuple[str, dict[str, Any]]]:
    """Each query of `user`'s attention list that reads `table`, with its plan when run."""
    with CaptureQueriesContext(connection) as captured:
        attention_for(user)
    found = []
    for sql in (q["sql"] for q in captured.captured_queries):
        if f'"{table}"' not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            (plan,) = cursor.fetchone()[0]
        found.append((sql, plan))
    return found


@pytest.mark.django_db(transaction=True)  # VACUUM, as after any bulk load, needs no transaction
def test_each_condition_reads_its_own_index() -> None:
    resellers = [Reseller.objects.create(name=f"Reseller {n}") for n in range(10)]
    staff = User.objects.create_user("plans-staff", password="pw-plans-1", role="admin")
    own = User.objects.create_user(
        "plans-reseller", password="pw-plans-1", role="reseller", reseller=resellers[0]
    )
    fill_mirror(20_000, resellers=[r.pk for r in resellers])
    with connection.cursor() as cursor:
        # A bad hour: one instance in twenty flaps, three changes each. Its thousand are
        # fetched by key, not found by hashing every instance (partnerportal/settings.py,
        # DATABASE_RANDOM_PAGE_COST).
        cursor.execute(
            "INSERT INTO instances_statechange (instance_id, state, previous_state, source, at) "
            "SELECT id_instance, 'authorized', 'notAuthorized', 'poll', "
            "now() - (k * 10 || ' minutes')::interval "
            "FROM instances_instance, generate_series(1, 3) AS k WHERE mod(id_instance, 20) = 7"
        )
        cursor.execute("VACUUM ANALYZE instances_statechange")

    # A reseller user's rows in one state are a range of their own index
    # (instance_reseller_state_newest): a few, sorted, rather than a walk of everyone's.
    for user, expected in (
        (staff, ATTENTION_INDEXES),
        (own, ATTENTION_INDEXES - {"attention_state_since"} | {"instance_reseller_state_newest"}),
    ):
        found = plans(user)
        used = set[str]().union(*(indexes_used(plan) for _sql, plan in found))
        assert used >= expected, f"{user.username}: not read: {expected - used}"
        for sql, plan in found:
            _read, unbounded = rows_read(plan)
            assert not unbounded, f"{user.username}: a whole-table scan\n{sql}"


def scans_of(plan: dict[str, Any], table: str) -> int:
    """How many nodes of the plan read `table` whole (a Seq Scan, parallel or not)."""
    node = plan.get("Plan", plan)
    own = node["Node Type"] == "Seq Scan" and node.get("Relation Name") == table
    return int(own) + sum(scans_of(child, table) for child in node.get("Plans", []))


@pytest.mark.django_db(transaction=True)
def test_logged_out_reads_the_logouts_not_the_whole_history() -> None:
    staff = User.objects.create_user("plans-staff", password="pw-plans-1", role="admin")
    fill_mirror(20_000)
    with connection.cursor() as cursor:
        # Months of history: ten changes an instance. Then a logout (linked, then not) for one
        # in fifty of the instances now waiting for a phone, at the moment their state changed.
        cursor.execute(
            "INSERT INTO instances_statechange (instance_id, state, previous_state, source, at) "
            "SELECT id_instance, 'authorized', 'notAuthorized', 'poll', "
            "now() - (k * 7 || ' days')::interval FROM instances_instance, "
            "generate_series(1, 10) AS k"
        )
        cursor.execute(
            "INSERT INTO instances_statechange (instance_id, state, previous_state, source, at) "
            "SELECT id_instance, 'notAuthorized', 'authorized', 'webhook', state_changed_at "
            "FROM instances_instance WHERE state = 'notAuthorized' "
            "AND state_changed_at IS NOT NULL AND mod(id_instance, 50) = 3"
        )
        cursor.execute("VACUUM ANALYZE instances_statechange")

    found = plans(staff, table="instances_statechange")
    logged_out = [(sql, plan) for sql, plan in found if "notAuthorized" in sql]

    assert len(logged_out) == 2, [sql for sql, _plan in found]  # its page and its count
    for sql, plan in logged_out:
        assert "statechange_logged_out" in indexes_used(plan), sql
        assert scans_of(plan, "instances_statechange") == 0, f"the whole history read\n{sql}"
