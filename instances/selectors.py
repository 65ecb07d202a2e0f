"""Selectors: reads of the mirror, always scoped to the user through `visible_to`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.tenancy import in_tenant, tenant_filter
from core.rows import row_read
from instances.greenapi_factory import instance_api_url_for, media_url_for
from instances.list_counts import (
    SEARCH_COUNT_LIMIT,
    Tally,
    filter_conditions,
    search_matches,
    tally_filters,
    tally_matches,
)
from instances.list_paging import (
    PAGE_SIZE,
    PAGE_SIZES,
    SORT_KEYS,
    BadCursor,
    Cursor,
    IdAmong,
    KeysetPage,
    Walk,
    keyset_page,
    numbered_page,
    page_count,
    sort_key,
)
from instances.models import TENANT_SORT, CreateOrder, Instance, InstanceQuerySet

if TYPE_CHECKING:
    from accounts.models import User

__all__ = ["PAGE_SIZE", "PAGE_SIZES", "SEARCH_COUNT_LIMIT", "SORT_KEYS", "BadCursor", "Cursor"]

# The unknown state is stored as "", which in a URL would mean "any state".
STATE_UNKNOWN_KEY = "unknown"
SHOW_CHOICES = (
    ("active", pgettext_lazy("instances shown", "Active")),
    ("deleted", pgettext_lazy("instances shown", "Deleted")),
    ("all", pgettext_lazy("instances shown", "Active and deleted")),
)
DEFAULT_SORT = "-created"
# What a row of the list shows (templates/jinja2/instances/_rows.html) and how fresh its state
# is (instances/state_freshness.py): not the tokens, which would be decrypted row by row.
LIST_FIELDS = (
    "id_instance",
    "name",
    "type_instance",
    "deleted",
    "is_expired",
    "phone",
    "time_created",
    "expiration_date",
    "state",
    "state_changed_at",
    "state_checked_at",
    "state_source",
    "reseller",  # the id; its name comes as `reseller_name`, not as a Reseller per row
)
# Ids are up to 19 digits (PostgreSQL's bigint).
_ID_DIGITS = 19
_ID_MAX = 2**63 - 1


def state_key(state: str) -> str:
    """The URL value of an `Instance.State` value."""
    return state or STATE_UNKNOWN_KEY


def state_from_key(key: str) -> str:
    """The `Instance.State` value of a URL value (`state_key` reversed)."""
    return "" if key == STATE_UNKNOWN_KEY else key


@dataclass(frozen=True)
class InstanceFilters:
    """What the list page shows. Built from the query string by `InstanceFilterForm`."""

    q: str = ""
    state: str | None = None  # an Instance.State value ("" is unknown); None: any state
    messenger: str = ""  # an Instance.Type value; "": any
    reseller_id: int | None = None  # staff only, like `unassigned`
    unassigned: bool = False
    show: str = "active"  # one of SHOW_CHOICES
    expired: bool | None = None
    sort: str = DEFAULT_SORT  # a SORT_KEYS key, "-" first for descending
    per_page: int = PAGE_SIZE  # one of PAGE_SIZES
    # A page's cursor (instances/list_paging.py): the rows after it, or else before it.
    after: str = ""
    before: str = ""
    # The page's number, from 1. Without a cursor it addresses the page (a jump); with one it
    # only labels the page the cursor finds. None: the first page, or a cursor's page unnumbered.
    page: int | None = None

    def query(self, **changes: Any) -> str:
        """These filters as a query string, defaults left out, with `changes` applied."""
        return urlencode(self.params(**changes))

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """These filters as query parameters, defaults left out, with `changes` applied."""
        # The values with the changes over them, not a `replace`d copy: a page asks for twenty
        # of these (the counts' links, the headers, the pager), and a copy costs more.
        if not changes.keys() <= self.__dict__.keys():
            raise TypeError(f"not a filter: {sorted(changes.keys() - self.__dict__.keys())}")
        values = self.__dict__ | changes
        params: list[tuple[str, str]] = []
        if values["q"]:
            params.append(("q", values["q"]))
        if values["state"] is not None:
            params.append(("state", state_key(values["state"])))
        if values["messenger"]:
            params.append(("messenger", values["messenger"]))
        if values["unassigned"]:
            params.append(("reseller", "unassigned"))
        elif values["reseller_id"] is not None:
            params.append(("reseller", str(values["reseller_id"])))
        if values["show"] != "active":
            params.append(("show", values["show"]))
        if values["expired"] is not None:
            params.append(("expired", "yes" if values["expired"] else "no"))
        if values["sort"] != DEFAULT_SORT:
            params.append(("sort", values["sort"]))
        if values["per_page"] != PAGE_SIZE:
            params.append(("per_page", str(values["per_page"])))
        if values["after"]:
            params.append(("after", values["after"]))
        elif values["before"]:
            params.append(("before", values["before"]))
        if values["page"] is not None and (
            values["page"] > 1 or values["after"] or values["before"]
        ):
            params.append(("page", str(values["page"])))
        return params

    def first_page(self, **changes: Any) -> str:
        """The query of the first page of these filters, with `changes` applied."""
        return self.query(**{"after": "", "before": "", "page": None, **changes})


@dataclass(frozen=True)
class StateCount:
    """One link of the counts bar: how many instances have a state, and the query for them."""

    key: str  # the URL value; "" for the "All" link
    label: str
    count: int
    exact: bool  # False: at least `count` (a search counted up to its bound)
    selected: bool
    query: str


@dataclass(frozen=True)
class InstanceListing:
    page: KeysetPage
    counted: Tally
    filters: InstanceFilters  # as shown: a page number past the last is the last's
    total: int  # instances the filters select (with the state), at least this many if not exact
    exact: bool
    number: int | None = None  # the page's number; None when a cursor came without one
    note: str = ""  # what became of a page number that was not one of the pages

    @cached_property
    def counts(self) -> list[StateCount]:
        """The counts bar: "All" and one per state present or selected (the page's, not the
        API's, so built only when asked for)."""
        return _state_counts(self.counted, self.filters)

    @property
    def size(self) -> int:
        return self.filters.per_page

    @property
    def pages(self) -> int:
        """How many pages there are (at least, if the count is not exact)."""
        return page_count(self.total, self.size)

    @property
    def query(self) -> str:
        """The canonical query of what is shown."""
        return self.filters.query()

    @property
    def filter_query(self) -> str:
        """The filters alone, without the page or its size: what an export selects."""
        return self.filters.first_page(per_page=PAGE_SIZE)

    @property
    def clear_query(self) -> str:
        """No filters, at the same page size."""
        return InstanceFilters(per_page=self.size).query()

    @property
    def jump_params(self) -> list[tuple[str, str]]:
        """What a "go to page" form sends besides the page's number."""
        return self.filters.params(after="", before="", page=None)

    @property
    def previous_query(self) -> str:
        number = self.number - 1 if self.number and self.number > 1 else None
        return self.filters.query(after="", before=self.page.previous_cursor, page=number)

    @property
    def next_query(self) -> str:
        number = self.number + 1 if self.number else None
        return self.filters.query(after=self.page.next_cursor, before="", page=number)


def instance_list(*, user: User, filters: InstanceFilters) -> InstanceListing:
    """One page of the instances `user` may see, filtered and sorted, with counts per state.

    Two queries whatever the size of the mirror or of the page: the counts (a sum of counter
    rows, or a search's matches up to a bound) and the page (an index range from its cursor,
    or from its number: list_paging.Offset). A third only when a number is past the end of a
    search's matches that were not all counted: then the last page is read.
    """
    filtered = filter_conditions(user, filters, counts=False)  # any state: the counts' rows
    in_state = Q() if filters.state is None else Q(state=filters.state)
    scoped = Instance.objects.visible_to(user).filter(filtered)
    rows, by_index, walk = scoped.filter(in_state), True, None
    size = filters.per_page if filters.per_page in PAGE_SIZES else PAGE_SIZE
    if filters.q:
        search = _search(filters.q)
        counting = _walk(user, TENANT_SORT, filtered & search)
        matches = search_matches(counting, scoped.filter(search))
        counted = tally_matches(matches.found, exact=matches.exact)
        first_newest = filters.sort == TENANT_SORT and not (filters.after or filters.before)
        if counted.exact:
            # Every match is in hand (a thousand at most): read just them by id and sort them,
            # wherever they sit in the sort's order.
            wanted = [pk for pk, state in matches.found if filters.state in (None, state)]
            rows, by_index = scoped.filter(IdAmong(wanted)), False
        elif first_newest and (filters.page or 1) == 1 and matches.newest is not None:
            # The first page newest first: the count walked those rows already.
            newest = [pk for pk, state in matches.newest if filters.state in (None, state)]
            if len(newest) > size:
                rows, by_index = scoped.filter(IdAmong(newest[: size + 1])), False
            else:
                # Fewer than a page among them: a walk would fall short; sort the matches.
                rows, by_index = scoped.filter(in_state & search), False
        else:
            walk = _walk(user, filters.sort, filtered & in_state & search)
    else:
        counted = tally_filters(user, filters)
    total = counted.of(filters.state)
    read = partial(
        keyset_page,
        rows.only(*LIST_FIELDS).annotate(reseller_name=F("reseller__name")),
        sort=filters.sort,
        by_index=by_index,
        walk=walk,
    )
    shown = numbered_page(
        read,
        size=size,
        after=_cursor(filters.after, filters.sort),
        before=_cursor(filters.before, filters.sort),
        number=filters.page,
        total=total if counted.exact else None,
    )
    return InstanceListing(
        page=shown.page,
        counted=counted,
        filters=replace(filters, per_page=size, page=shown.address),
        total=total,
        exact=counted.exact,
        number=shown.number,
        note=shown.note,
    )


def _walk(user: User, sort: str, conditions: Q) -> Walk:
    """How a search with many matches walks the sort's index first (list_paging.Walk).

    The walk reads index entries, not matches: every condition but the tenant is checked on
    the rows walked. The tenant too, unless its own index serves the sort (newest first).
    """
    if sort == TENANT_SORT:
        return Walk(Instance.objects.visible_to(user), conditions)
    tenant = tenant_filter(user, InstanceQuerySet.reseller_field)  # what visible_to applies
    return Walk(Instance.objects.all(), tenant & conditions)


def _cursor(token: str, sort: str) -> Cursor | None:
    # The form has already reported a bad cursor; here it only falls back to the first page.
    try:
        return Cursor.decode(token, sort) if token else None
    except BadCursor:
        return None


def _search(q: str) -> Q:
    """Name contains q; digits (phone punctuation allowed) also match the phone and an id prefix."""
    condition = Q(name__icontains=q)
    digits = "".join(ch for ch in q if ch not in " +-().")
    if digits.isascii() and digits.isdigit():
        condition |= Q(phone__contains=digits)
        if digits == q:
            condition |= _id_prefix(q)
    return condition


def _id_prefix(digits: str) -> Q:
    """Ids whose decimal digits start with `digits`, as ranges of the primary key's index.

    `id_instance::text LIKE '123%'` would read every row; "starts with 123" is the ranges
    [123, 124), [1230, 1240), ... up to the longest id.
    """
    if len(digits) > _ID_DIGITS or (digits.startswith("0") and digits != "0"):
        return Q(pk__in=[])
    prefix, condition = int(digits), Q(pk=int(digits))
    for extra in range(1, _ID_DIGITS - len(digits) + 1):
        low, high = prefix * 10**extra, (prefix + 1) * 10**extra
        if low > _ID_MAX:
            break
        condition |= Q(pk__gte=low, pk__lte=min(high - 1, _ID_MAX))
    return condition


def _state_counts(counted: Tally, filters: InstanceFilters) -> list[StateCount]:
    """The "All" count and one per state present (or selected)."""
    counts = [
        StateCount(
            key="",
            label=_("All"),
            count=counted.total,
            exact=counted.exact,
            selected=filters.state is None,
            query=filters.first_page(state=None),
        )
    ]
    for value, label in Instance.State.choices:
        count, selected = counted.by_state.get(value, 0), filters.state == value
        if count or selected:
            counts.append(
                StateCount(
                    key=state_key(value),
                    label=str(label),
                    count=count,
                    exact=counted.exact,
                    selected=selected,
                    query=filters.first_page(state=value),
                )
            )
    return counts


def get_instance_for_user_or_404(user: User, id_instance: object) -> Instance:
    """The instance if `user` may see it; otherwise Http404, the same as for a missing one."""
    try:
        pk = int(str(id_instance))
    except ValueError:
        raise Http404("No such instance.") from None
    instance = Instance.objects.visible_to(user).select_related("reseller").filter(pk=pk).first()
    if instance is None:
        raise Http404("No such instance.")
    return instance


def get_polled_instance_for_user_or_404(user: User, id_instance: object) -> Instance:
    """As get_instance_for_user_or_404, for the URLs a page polls every 2 s: the instance row
    alone (no reseller row), read by key in SQL written once. The ORM built its query anew on
    every poll, a quarter of the poll's CPU (issue 10: 500 open tabs)."""
    try:
        pk = int(str(id_instance))
    except ValueError:
        raise Http404("No such instance.") from None
    instance = row_read(Instance, pk=pk, fields=_INSTANCE_FIELDS)
    if instance is None or not in_tenant(user, instance.reseller_id):  # visible_to(user)
        raise Http404("No such instance.")
    return instance


_INSTANCE_FIELDS = tuple(
    field.name for field in Instance._meta.concrete_fields if not field.primary_key
)


def instance_endpoints(instance: Instance) -> dict[str, str]:
    """The instance's apiUrl and mediaUrl as the Green API console shows them."""
    return {"api_url": instance_api_url_for(instance), "media_url": media_url_for(instance)}


def order_for_user_or_404(*, user: User, pk: int) -> CreateOrder:
    """A create order the user may see: staff see all, reseller users their reseller's."""
    orders = CreateOrder.objects.visible_to(user).select_related("instance", "reseller")
    order = orders.filter(pk=pk).first()
    if order is None:
        raise Http404("No such order.")
    return order


def instances_matching(*, user: User, filters: InstanceFilters) -> QuerySet[Instance]:
    """Every instance the list's filters select (not one page), in the list's order: exports."""
    rows = Instance.objects.visible_to(user).filter(filter_conditions(user, filters, counts=False))
    if filters.state is not None:
        rows = rows.filter(state=filters.state)
    if filters.q:
        rows = rows.filter(_search(filters.q))
    key, descending = sort_key(filters.sort)
    if descending:
        return rows.order_by(key.desc(), "-id_instance")
    return rows.order_by(key.asc(), "id_instance")
