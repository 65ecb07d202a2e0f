"""On PostgreSQL the list's queries read about as many rows at 50,000 instances as at 10,000.

Each view of the list (searches, filters, sorts, a deep page; staff and a reseller user) is
fetched on a mirror of 10,000 and then of 50,000 instances, and every query it makes on
instances_instance is run again under EXPLAIN ANALYZE: the rows it reads (returned plus
filtered out) must stay under a few thousand or not grow with the mirror, and no query reads
the table whole (a Seq Scan only under a LIMIT that stops it, as in a search's bounded count).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Reseller, User
from instances.list_paging import PAGE_SIZE, Cursor, sort_key
from instances.models import Instance, SyncState
from tests.support.mirror import KNOWN_ID, fill_mirror

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]

# The views of issue 10, one dimension each (with a reseller user's own tenant filter):
# a filter combined with a sort other than the newest walks that sort's index past the rows
# the filter drops, a number of rows that depends on how selective it is, not on the size.
VIEWS = [
    "",
    "q=shop+7",
    # Many matches (more than a search counts), all among the oldest: newest first, a walk of
    # the sort's index would read every newer row before them.
    "q=kiosk",
    "q=kiosk&sort=name",
    "q=shop&state=blocked&sort=-changed",
    "q=11010000",
    "q={phone}",
    "q=cafe+12&sort=name",
    "state=authorized",
    "state=blocked",
    "messenger=telegram",
    "reseller={reseller}",
    "reseller=unassigned",
    "show=deleted",
    "show=all",
    "expired=yes",
    "sort=created",
    "sort=name",
    "sort=-name",
    "sort=state",
    "sort=-state",
    "sort=changed",
    "sort=-changed",
    "{deep}",
    # Pages by number: near the start (it skips the rows before it), the last (read from the
    # end), and a page of the largest size.
    "sort=-state&page=3",
    "sort=name&page={last}",
    "per_page=500&sort=changed",
]
STAFF_ONLY = ("reseller=", "unassigned")
# A page or a count may read a few thousand rows (a millisecond or two): a reseller user's
# rows of a rare state, say, which PostgreSQL sorts rather than walking a sort's index past
# the rest. A tenth of the mirror is a whole-table cost by another name.
FEW_ROWS = 5_000
# Instances named "Kiosk n", the oldest: more than SEARCH_COUNT_LIMIT, so "kiosk" is counted
# as "more than SEARCH_COUNT_LIMIT" and its page found among many matches.
KIOSKS = 1_200


def indexes_used(plan: dict[str, Any]) -> set[str]:
    """The indexes the plan read."""
    node = plan.get("Plan", plan)
    names = {node["Index Name"]} if "Index Name" in node else set()
    for child in node.get("Plans", []):
        names |= indexes_used(child)
    return names


# Nodes that read all of their input before they give a row: a LIMIT above one does not stop
# the scans below it.
WHOLE_INPUT = {"Sort", "Hash", "Aggregate", "SetOp", "WindowAgg"}


def rows_read(plan: dict[str, Any]) -> tuple[int, bool]:
    """Rows of instances_instance the plan read, and whether it scanned the table unbounded:
    a Seq Scan counts as bounded only under a LIMIT with nothing between them that reads its
    whole input first (a sort, a hash join's table, an aggregate)."""
    total, unbounded = 0, False

    def walk(node: dict[str, Any], limited: bool) -> None:
        nonlocal total, unbounded
        kind = node["Node Type"]
        limited = kind == "Limit" or (limited and kind not in WHOLE_INPUT)
        if node.get("Relation Name") == "instances_instance":
            loops = node.get("Actual Loops", 1)
            read = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
            total += (read + node.get("Rows Removed by Index Recheck", 0)) * loops
            unbounded |= node["Node Type"] == "Seq Scan" and not limited
        for child in node.get("Plans", []):
            walk(child, limited)

    walk(plan["Plan"], False)
    return total, unbounded


def deep(user: User) -> str:
    """The cursor nine tenths down the default order."""
    rows = Instance.objects.visible_to(user).filter(deleted=False)
    key, _descending = sort_key("-created")
    ordered = rows.annotate(sort_key=key).order_by(key.desc(), "-id_instance")
    row = ordered[int(rows.count() * 0.9)]
    return "after=" + Cursor(row.sort_key, row.id_instance).encode()  # type: ignore[attr-defined]


def measure(clients: dict[str, tuple[Client, User]], reseller: Reseller) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for who, (client, user) in clients.items():
        for view in VIEWS:
            if who == "reseller" and view.startswith(STAFF_ONLY):
                continue
            phone = Instance.objects.get(pk=KNOWN_ID).phone
            last = -(-Instance.objects.visible_to(user).filter(deleted=False).count() // 50)
            query = view.format(
                reseller=reseller.pk, deep=deep(user), phone=f"%2B{phone}", last=last
            )
            with CaptureQueriesContext(connection) as captured:
                assert client.get(f"/instances/?{query}").status_code == 200
            for n, sql in enumerate(q["sql"] for q in captured.captured_queries):
                if "instances_instance" not in sql:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                    (plan,) = cursor.fetchone()[0]
                found[f"{who} {view} #{n}"] = (*rows_read(plan), sql, indexes_used(plan))
    return found


@pytest.mark.django_db(transaction=True)  # VACUUM, as after any bulk load, needs no transaction
def test_each_list_query_reads_as_many_rows_at_50000_as_at_10000() -> None:
    SyncState.objects.update_or_create(pk=1, defaults={"last_success_at": timezone.now()})
    resellers = [Reseller.objects.create(name=f"Reseller {n}") for n in range(10)]
    staff = User.objects.create_user("plans-staff", password="pw-plans-1", role="admin")
    own = User.objects.create_user(
        "plans-reseller", password="pw-plans-1", role="reseller", reseller=resellers[0]
    )
    clients = {}
    for who, user in (("staff", staff), ("reseller", own)):
        client = Client()
        client.force_login(user)
        clients[who] = (client, user)
    ids = [r.pk for r in resellers]

    fill_mirror(10_000, resellers=ids, batch=KIOSKS)
    small = measure(clients, resellers[1])
    fill_mirror(40_000, start=10_000, resellers=ids)
    large = measure(clients, resellers[1])

    assert small.keys() == large.keys()  # the same queries
    for key, (read, unbounded, sql, _indexes) in large.items():
        assert not unbounded, f"{key}: a whole-table scan\n{sql}"
        # A few thousand rows read are a millisecond or two whatever the plan; past that,
        # reads may move with the data a little, never with the size of the table.
        # A page of 500 reads ten times the rows of one of 50 (the filters keep one row in so
        # many of the sort's index): more with the page, never with the table.
        per_page = re.search(r"per_page=(\d+)", key)
        scale = int(per_page.group(1)) / PAGE_SIZE if per_page else 1
        bound = max(1.5 * small[key][0] + 500, FEW_ROWS * scale)
        assert read <= bound, f"{key}: {small[key][0]} -> {read} rows\n{sql}"
    # Views with an index of their own (instances/models.py) read it.
    used = {
        view: set[str]().union(*(v[3] for k, v in large.items() if k.startswith(view + " #")))
        for view in ("reseller ", "reseller state=blocked", "staff ", "staff sort=name")
    }
    assert "instance_reseller_newest" in used["reseller "]
    assert "instance_reseller_state_newest" in used["reseller state=blocked"]
    assert "instance_created_desc" in used["staff "]
    assert "instance_name_sort" in used["staff sort=name"]
