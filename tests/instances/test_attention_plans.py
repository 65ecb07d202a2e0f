"""On PostgreSQL the attention list reads each condition's rows from an index of its own.

A condition's page of rows, longest standing first, and its capped count come from a partial
index on the condition's moment (instances/models.py, `longest_standing`), so they stop after a
page instead of sorting every live instance: on a mirror large enough for the planner to care,
every one of those indexes is read and no query scans the instances whole.
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


def plans(user: User) -> list[tuple[str, dict[str, Any]]]:
    """Each query of `user`'s attention list on instances_instance, with its plan when run."""
    with CaptureQueriesContext(connection) as captured:
        attention_for(user)
    found = []
    for sql in (q["sql"] for q in captured.captured_queries):
        if 'FROM "instances_instance"' not in sql:
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
