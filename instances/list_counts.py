"""How many instances the list's filters select, per state, without reading the mirror.

Without a search every filter is a column of `InstanceCount` (kept by database triggers,
instances/migrations/0012_list_scale.py), so the counts are a sum over a few dozen rows. A search
cannot be counted ahead, so its matches are counted up to a bound and shown as "N+" beyond it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from instances.models import Instance, InstanceCount

if TYPE_CHECKING:
    from accounts.models import User
    from instances.selectors import InstanceFilters

# Matches of a search counted at most; the list then says "more than 200". Counting stops at
# the bound, so a common term costs a short scan: at 100,000 instances "shop 7" (7,000 matches)
# took 5.8 ms to count to a thousand through the trigram index, 0.7 ms to two hundred.
SEARCH_COUNT_LIMIT = 200


@dataclass(frozen=True)
class Tally:
    """Instances per state value; `exact` is False when a search's count stopped at the bound."""

    by_state: dict[str, int]
    exact: bool = True

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    def of(self, state: str | None) -> int:
        return self.total if state is None else self.by_state.get(state, 0)


def filter_conditions(user: User, filters: InstanceFilters, *, counts: bool) -> Q:
    """The list's filters other than state and search, for Instance or for InstanceCount rows.

    The one place the filters become conditions: the page's rows and its counts use the same,
    each after its own `visible_to(user)`.
    """
    reseller = "reseller_key" if counts else "reseller_id"
    condition = Q()
    if filters.messenger:
        condition &= Q(type_instance=filters.messenger)
    # The tenant filter already limits reseller users; these filters are for staff, and a
    # reseller user's form has no such field, but a hand-made query must not widen or probe.
    if user.is_staff_role:
        if filters.unassigned:
            condition &= Q(reseller_key=0) if counts else Q(reseller__isnull=True)
        elif filters.reseller_id is not None:
            condition &= Q(**{reseller: filters.reseller_id})
    if filters.show == "active":
        condition &= Q(deleted=False)
    elif filters.show == "deleted":
        condition &= Q(deleted=True)
    if filters.expired is not None:
        condition &= Q(is_expired=filters.expired)
    return condition


def search_matches(searched: QuerySet[Instance]) -> list[tuple[int, str]]:
    """(id, state) of a search's matches, at most SEARCH_COUNT_LIMIT + 1 of them."""
    return list(searched.values_list("id_instance", "state").order_by()[: SEARCH_COUNT_LIMIT + 1])


def tally_matches(matches: list[tuple[int, str]]) -> Tally:
    """Counts per state of a search's matches; not exact when `search_matches` hit its bound."""
    found = Counter(state for _id, state in matches)
    return Tally(dict(found), exact=len(matches) <= SEARCH_COUNT_LIMIT)


def tally_filters(user: User, filters: InstanceFilters) -> Tally:
    """Counts per state of what the filters (no search, any state) select: a sum of counters."""
    rows = (
        InstanceCount.objects.visible_to(user)
        .filter(filter_conditions(user, filters, counts=True))
        .values("state")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return Tally({row["state"]: row["total"] for row in rows if row["total"]})


def counts_rebuild() -> int:
    """Count every instance again into `InstanceCount`; returns how many counter rows it wrote.

    The triggers keep the counters right through every write, but not through a table emptied
    behind their back: `manage.py flush` (and the test runner's) empties tables in no set
    order, and deleting instances after their counters leaves negative counts. Run after every
    migrate and flush (instances/apps.py), it also heals counters after a restore.
    """
    keys = ("reseller_key", "state", "type_instance", "deleted", "is_expired")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # No instance changes while counting, so no trigger adds to a row counted here.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Instance._meta.db_table} IN SHARE MODE")
        InstanceCount.objects.all().delete()
        rows = (
            Instance.objects.annotate(reseller_key=Coalesce("reseller_id", Value(0)))
            .values(*keys)
            .annotate(n=Count("pk"))
            .order_by()
        )
        return len(InstanceCount.objects.bulk_create(InstanceCount(**row) for row in rows))
