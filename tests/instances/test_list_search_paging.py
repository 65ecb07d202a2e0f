"""A search with more matches than a page pages through them all, in every sort, both ways.

Such a search walks the first rows of the sort's order for a page of matches and, when they
hold too few, sorts its matches instead (instances/list_paging.py, FirstMatches). The bounds
are made small here so a few hundred rows take every path: a walk that finds its page, a walk
that finds part of one, and matches that all sit past the walk.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from instances import list_counts, list_paging
from instances.listing_forms import SORT_CHOICES
from instances.models import Instance, SyncState
from instances.selectors import PAGE_SIZE, InstanceFilters, instance_list
from tests.instances.test_list_filters import ids_in_python_order

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STATES = Instance.State.values
SORTS = [key for key, _label in SORT_CHOICES]


# The matches counted at most: fewer than there are ("30+"), or all of them, more than a page.
@pytest.fixture(autouse=True, params=[30, 1000], ids=["counted-to-a-bound", "counted-exactly"])
def small_bounds(db: None, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    SyncState.objects.create(pk=1, last_success_at=timezone.now())
    monkeypatch.setattr(list_counts, "SEARCH_COUNT_LIMIT", request.param)
    monkeypatch.setattr(list_paging, "SEARCH_WALK", 80)


def mirror(kiosk: Any) -> None:
    """300 instances; those that `kiosk(n)` picks are named "Kiosk n", the others "Shop n"."""
    Instance.objects.bulk_create(
        Instance(
            id_instance=1101000000 + n,
            name=f"Kiosk {n}" if kiosk(n) else f"Shop {n}",
            time_created=T0 + timedelta(minutes=n // 3) if n % 7 else None,
            state_changed_at=T0 + timedelta(hours=n % 11) if n % 4 else None,
            state=STATES[n % len(STATES)],
            deleted=n % 13 == 0,
        )
        for n in range(300)
    )


def pages(user: User, **filters: Any) -> list[list[int]]:
    """Every page from the first, following Next; each page also read back from the one after."""
    found, after, previous = [], "", None
    while True:
        listing = instance_list(user=user, filters=InstanceFilters(after=after, **filters))
        rows = [row.id_instance for row in listing.page]
        if previous is not None:
            back = instance_list(
                user=user, filters=InstanceFilters(before=listing.page.previous_cursor, **filters)
            )
            assert [row.id_instance for row in back.page] == found[-1]
            assert back.page.has_previous == (len(found) > 1)
        found.append(rows)
        if not listing.page.has_next:
            return found
        previous, after = listing, listing.page.next_cursor


def expected(sort: str, show: str = "active") -> list[int]:
    wanted = Instance.objects.filter(name__startswith="Kiosk")
    if show == "active":
        wanted = wanted.filter(deleted=False)
    keep = set(wanted.values_list("pk", flat=True))
    return [pk for pk in ids_in_python_order(sort) if pk in keep]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize(
    ("where", "kiosk"),
    [
        ("the oldest rows", lambda n: n < 150),  # past the walk in every order but oldest first
        ("one row in three", lambda n: n % 3 == 0),  # the walk finds some pages, not all
        ("four rows in five", lambda n: n % 5 != 0),  # the walk finds each page
    ],
)
def test_many_matches_page_in_order_without_gaps_or_repeats(
    admin: User, sort: str, where: str, kiosk: Any
) -> None:
    mirror(kiosk)
    first = instance_list(user=admin, filters=InstanceFilters(q="kiosk", sort=sort))
    assert not first.exact or first.total > PAGE_SIZE  # not the few read back by id

    found = pages(admin, q="kiosk", sort=sort)

    assert all(len(page) == PAGE_SIZE for page in found[:-1]), where
    assert [pk for page in found for pk in page] == expected(sort), where


def test_many_matches_keep_the_other_filters(admin: User) -> None:
    mirror(lambda n: n < 150)

    found = pages(admin, q="kiosk", sort="-created", show="all", state="authorized")

    authorized = set(Instance.objects.filter(state="authorized").values_list("pk", flat=True))
    assert [pk for page in found for pk in page] == [
        pk for pk in expected("-created", show="all") if pk in authorized
    ]


@pytest.mark.parametrize("per_page", [25, 100])
@pytest.mark.parametrize("sort", ["-created", "name"])
def test_many_matches_page_in_order_at_other_page_sizes(
    admin: User, per_page: int, sort: str
) -> None:
    # The walk grows with the page (SEARCH_WALK is for a page of PAGE_SIZE): as dense a
    # search finds its pages by walking at every size.
    mirror(lambda n: n % 3 == 0)

    found = pages(admin, q="kiosk", sort=sort, per_page=per_page)

    assert all(len(page) == per_page for page in found[:-1])
    assert [pk for page in found for pk in page] == expected(sort)
