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
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from instances import list_paging
from instances.list_paging import PAGE_SIZE, Walk, sort_key
from instances.models import TENANT_SORT, Instance, InstanceCount

if TYPE_CHECKING:
    from accounts.models import User
    from instances.selectors import InstanceFilters

# Matches of a search counted at most; the list then says "more than 200".
SEARCH_COUNT_LIMIT = 200
# Hits among the walk's rows (search_matches) that make a search's matches dense: a page's
# worth, one row in twenty; counted no further, they are "at least" that many.
DENSE_HITS = PAGE_SIZE + 1


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


@dataclass(frozen=True)
class SearchMatches:
    """What `search_matches` found."""

    found: list[tuple[int, str]]  # (id, state) of the matches counted
    exact: bool  # all of them; else there are at least as many
    # Every hit among the newest-first order's first SEARCH_WALK rows, in that order, when the
    # walk stopped before the end: they are the first matches of that order.
    newest: list[tuple[int, str]] | None = None


def search_matches(walk: Walk, searched: QuerySet[Instance]) -> SearchMatches:
    """A search's matches, at most SEARCH_COUNT_LIMIT + 1 of them counted.

    Counting through the search's trigram index costs as many rows as its words appear in,
    however few are counted: "shop 7" reads seven thousand at 100,000 instances. So on
    PostgreSQL the count first walks `walk`, the newest-first order's first SEARCH_WALK rows (one
    index range, a bounded cost), and its hits are the count when the walk reached the last
    row, or held more than a page of hits (then "at least"). Only matches sparser than that are
    counted through the index, in the same statement: their words are rarer too.
    """
    bound = SEARCH_COUNT_LIMIT + 1
    if connection.vendor != "postgresql":
        # SQLite, for small mirrors: its LIKE reads the rows anyway.
        found = list(searched.values_list("id_instance", "state").order_by()[:bound])
        return SearchMatches(found, exact=len(found) < bound)
    key, _descending = sort_key(TENANT_SORT)
    hit = ExpressionWrapper(walk.hit, output_field=BooleanField())
    walked = (
        walk.rows.annotate(hit=hit, sort_key=key)
        .order_by(key.desc(), F("id_instance").desc())
        .values("id_instance", "state", "hit", "sort_key")[: list_paging.SEARCH_WALK]
    )
    # A condition on no row, tested once, before reading any match (see FirstMatches).
    sparse = RawSQL(
        "(SELECT count(*) FROM walk) >= %s AND (SELECT count(*) FROM hits) < %s",
        [list_paging.SEARCH_WALK, DENSE_HITS],
        output_field=BooleanField(),
    )
    indexed = searched.filter(sparse).values_list("id_instance", "state").order_by()[:bound]
    walk_sql, walk_params = walked.query.get_compiler(connection=connection).as_sql()
    index_sql, index_params = indexed.query.get_compiler(connection=connection).as_sql()
    statement = _WALKED_MATCHES.format(
        walk=walk_sql, index=index_sql, n=bound, walk_rows=list_paging.SEARCH_WALK
    )
    with connection.cursor() as cursor:
        # Django's own compiled SQL for both parts; every value in them is a parameter.
        cursor.execute(statement, [*walk_params, *index_params])
        rows = cursor.fetchall()
    # The walk's hits in its order (newest first), whatever order the statement gave them in.
    hits = sorted(
        ((key, pk, state) for pk, state, key, source in rows if source == "hit"), reverse=True
    )
    newest = [(pk, state) for _key, pk, state in hits]
    if not any(source == "more" for *_row, source in rows):
        # The walk read every row: its hits are all the matches.
        return SearchMatches(newest, exact=len(newest) < bound)
    complete = newest if len(newest) < bound else None  # else cut at the bound
    if len(newest) >= DENSE_HITS:
        return SearchMatches(newest, exact=False, newest=complete)  # dense: at least these
    from_index = [(pk, state) for pk, state, _key, source in rows if source == "index"]
    return SearchMatches(from_index, exact=len(from_index) < bound, newest=complete)


# The walk's hits; a row saying the walk did not reach the end; and, only when it did not and
# found fewer than DENSE_HITS, the matches the search's index finds.
_WALKED_MATCHES = (
    "WITH walk AS MATERIALIZED ({walk}), "
    "hits AS (SELECT w.id_instance, w.state, w.sort_key FROM walk w WHERE w.hit LIMIT {n}) "
    "SELECT h.id_instance, h.state, h.sort_key, 'hit' FROM hits h "
    "UNION ALL SELECT NULL, NULL, NULL, 'more' WHERE (SELECT count(*) FROM walk) >= {walk_rows} "
    "UNION ALL SELECT m.id_instance, m.state, NULL, 'index' FROM ({index}) m"
)


def tally_matches(matches: list[tuple[int, str]], *, exact: bool) -> Tally:
    """Counts per state of a search's matches (`search_matches`)."""
    return Tally(dict(Counter(state for _id, state in matches)), exact=exact)


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
