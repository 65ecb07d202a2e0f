"""A search's matches are counted along the newest rows first, with a cost that stops there.

On PostgreSQL (instances/list_counts.py, search_matches): matches dense among the first
SEARCH_WALK rows of the newest-first order are counted there, "at least" that many; sparser
ones through the search's index, exactly up to SEARCH_COUNT_LIMIT. One statement either way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Reseller, User
from instances import list_paging
from instances.list_counts import search_matches
from instances.models import Instance
from instances.selectors import InstanceFilters, _search, _walk, instance_list

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the walk is PostgreSQL's"),
]

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _short_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(list_paging, "SEARCH_WALK", 100)


def mirror(reseller: Reseller | None = None) -> None:
    """300 instances: the newest 200 "Shop n" (every other one deleted past the first 100),
    the oldest 100 "Kiosk n"."""
    Instance.objects.bulk_create(
        Instance(
            id_instance=1101000000 + n,
            name=f"Kiosk {n}" if n < 100 else f"Shop {n}",
            time_created=T0 + timedelta(minutes=n),
            state="authorized" if n % 3 else "blocked",
            reseller=reseller,
        )
        for n in range(300)
    )


def counted(user: User, q: str) -> tuple[int, bool]:
    listing = instance_list(user=user, filters=InstanceFilters(q=q))
    return listing.total, listing.exact


def test_dense_matches_are_counted_among_the_newest_rows(admin: User) -> None:
    mirror()

    with CaptureQueriesContext(connection) as queries:
        total, exact = counted(admin, "shop")

    # Every one of the 100 rows walked is a shop: at least 100 of them, not all 200 counted.
    assert (total, exact) == (100, False)
    counts = [query for query in queries.captured_queries if "'more'" in query["sql"]]
    assert len(counts) == 1  # the count is one statement


def test_sparse_matches_are_counted_exactly_through_the_index(admin: User) -> None:
    mirror()

    assert counted(admin, "kiosk") == (100, True)  # none among the newest 100
    assert counted(admin, "kiosk 4") == (11, True)  # 4 and 40 to 49
    assert counted(admin, "nothing like it") == (0, True)


def test_a_walk_that_reads_every_row_counts_exactly(admin: User) -> None:
    Instance.objects.bulk_create(
        Instance(id_instance=1101000000 + n, name=f"Shop {n}", time_created=T0) for n in range(90)
    )

    assert counted(admin, "shop") == (90, True)


def test_a_resellers_count_walks_only_their_own_rows(
    reseller_a: Reseller, reseller_a_user: User
) -> None:
    mirror()  # no reseller's: newer than theirs
    Instance.objects.bulk_create(
        Instance(
            id_instance=1102000000 + n,
            name=f"Shop {n}",
            time_created=T0 - timedelta(days=1, minutes=n),
            reseller=reseller_a,
        )
        for n in range(60)
    )

    assert counted(reseller_a_user, "shop") == (60, True)
    assert counted(reseller_a_user, "kiosk") == (0, True)


def test_the_walks_hits_come_newest_first_with_their_states(admin: User) -> None:
    mirror()
    walk = _walk(admin, "-created", _search("shop"))

    matches = search_matches(walk, Instance.objects.filter(_search("shop")))

    newest = list(range(299, 199, -1))
    assert not matches.exact
    assert [pk - 1101000000 for pk, _state in matches.found] == newest
    assert matches.newest == matches.found  # every hit of the walk, newest first
    assert {state for _pk, state in matches.found} == {"authorized", "blocked"}


@pytest.mark.parametrize("state", [None, "blocked"])
def test_the_first_page_newest_first_comes_from_the_walk(admin: User, state: str | None) -> None:
    mirror()
    shops = [n for n in range(299, 99, -1) if state is None or (n % 3 == 0)]

    listing = instance_list(user=admin, filters=InstanceFilters(q="shop", state=state))
    after = instance_list(
        user=admin,
        filters=InstanceFilters(q="shop", state=state, after=listing.page.next_cursor),
    )

    # Blocked shops are one in three of the walk: fewer than a page, so sorted instead.
    assert [row.pk - 1101000000 for row in listing.page] == shops[:50]
    assert listing.page.has_next
    assert not listing.page.has_previous
    assert [row.pk - 1101000000 for row in after.page] == shops[50:100]
