"""Selectors: reads of the mirror, always scoped to the user through `visible_to`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.http import Http404
from django.utils.http import urlencode

from accounts.tenancy import in_tenant
from core.rows import row_read
from instances.greenapi_factory import instance_api_url_for, media_url_for
from instances.models import CreateOrder, Instance

if TYPE_CHECKING:
    from django.db.models import OrderBy

    from accounts.models import User

PAGE_SIZE = 50

# The unknown state is stored as "", which in a URL would mean "any state".
STATE_UNKNOWN_KEY = "unknown"
SHOW_CHOICES = (("active", "Active"), ("deleted", "Deleted"), ("all", "Active and deleted"))

# Sorting by state groups the rows in the alphabetical order of the labels people see.
_STATE_RANK = Case(
    *(
        When(state=value, then=Value(rank))
        for rank, (value, _label) in enumerate(
            sorted(Instance.State.choices, key=lambda choice: str(choice[1]))
        )
    ),
    default=Value(len(Instance.State.choices)),
    output_field=IntegerField(),
)
SORT_COLUMNS: dict[str, Any] = {
    "created": F("time_created"),
    "name": Lower("name"),
    "state": _STATE_RANK,
    "changed": F("state_changed_at"),
}
DEFAULT_SORT = "-created"


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
    sort: str = DEFAULT_SORT  # a SORT_COLUMNS key, "-" first for descending
    page: int = 1

    def query(self, **changes: Any) -> str:
        """These filters as a query string, defaults left out, with `changes` applied."""
        filters = replace(self, **changes) if changes else self
        params: list[tuple[str, str]] = []
        if filters.q:
            params.append(("q", filters.q))
        if filters.state is not None:
            params.append(("state", state_key(filters.state)))
        if filters.messenger:
            params.append(("messenger", filters.messenger))
        if filters.unassigned:
            params.append(("reseller", "unassigned"))
        elif filters.reseller_id is not None:
            params.append(("reseller", str(filters.reseller_id)))
        if filters.show != "active":
            params.append(("show", filters.show))
        if filters.expired is not None:
            params.append(("expired", "yes" if filters.expired else "no"))
        if filters.sort != DEFAULT_SORT:
            params.append(("sort", filters.sort))
        if filters.page != 1:
            params.append(("page", str(filters.page)))
        return urlencode(params)


@dataclass(frozen=True)
class StateCount:
    """One link of the counts bar: how many instances have a state, and the query for them."""

    key: str  # the URL value; "" for the "All" link
    label: str
    count: int
    selected: bool
    query: str


@dataclass(frozen=True)
class InstanceListing:
    page: Page[Instance]
    counts: list[StateCount]
    filters: InstanceFilters

    @property
    def query(self) -> str:
        """The canonical query of what is shown, with the page actually served."""
        return self.filters.query(page=self.page.number)

    @property
    def previous_query(self) -> str:
        return self.filters.query(page=self.page.number - 1)

    @property
    def next_query(self) -> str:
        return self.filters.query(page=self.page.number + 1)


def instance_list(*, user: User, filters: InstanceFilters) -> InstanceListing:
    """One page of the instances `user` may see, filtered and sorted, with counts per state."""
    scoped = _filtered_but_state(user, filters)
    rows = scoped if filters.state is None else scoped.filter(state=filters.state)
    rows = rows.select_related("reseller").order_by(*_ordering(filters.sort))
    page = Paginator(rows, PAGE_SIZE).get_page(filters.page)
    return InstanceListing(page=page, counts=_state_counts(scoped, filters), filters=filters)


def _filtered_but_state(user: User, filters: InstanceFilters) -> QuerySet[Instance]:
    rows = Instance.objects.visible_to(user)
    if filters.q:
        rows = rows.filter(_search(filters.q))
    if filters.messenger:
        rows = rows.filter(type_instance=filters.messenger)
    # visible_to already limits reseller users; these filters are for staff, and a reseller
    # user's form has no such field, but a hand-made query must not widen or probe anything.
    if user.is_staff_role:
        if filters.unassigned:
            rows = rows.filter(reseller__isnull=True)
        elif filters.reseller_id is not None:
            rows = rows.filter(reseller_id=filters.reseller_id)
    if filters.show == "active":
        rows = rows.filter(deleted=False)
    elif filters.show == "deleted":
        rows = rows.filter(deleted=True)
    if filters.expired is not None:
        rows = rows.filter(is_expired=filters.expired)
    return rows


def _search(q: str) -> Q:
    """Name contains q; digits (phone punctuation allowed) also match the phone and an id prefix."""
    condition = Q(name__icontains=q)
    digits = "".join(ch for ch in q if ch not in " +-().")
    if digits.isascii() and digits.isdigit():
        condition |= Q(phone__contains=digits)
        # Ids are up to 19 digits; a longer number cannot be an id prefix.
        if digits == q and len(q) <= 19:
            condition |= Q(id_instance__startswith=q)
    return condition


def _ordering(sort: str) -> list[OrderBy]:
    descending = sort.startswith("-")
    column = SORT_COLUMNS.get(sort.lstrip("-"), SORT_COLUMNS["created"])
    # Nulls last either way (SQLite and PostgreSQL disagree otherwise), then the id, so rows
    # with equal values keep one order and a page never repeats or skips a row.
    if descending:
        return [column.desc(nulls_last=True), F("id_instance").desc()]
    return [column.asc(nulls_last=True), F("id_instance").asc()]


def _state_counts(scoped: QuerySet[Instance], filters: InstanceFilters) -> list[StateCount]:
    """The "All" count and one per state present (or selected), in one aggregate query."""
    totals = scoped.aggregate(
        all=Count("pk"),
        **{
            f"s_{index}": Count("pk", filter=Q(state=value))
            for index, value in enumerate(Instance.State.values)
        },
    )
    counts = [
        StateCount(
            key="",
            label="All",
            count=totals["all"],
            selected=filters.state is None,
            query=filters.query(state=None, page=1),
        )
    ]
    for index, (value, label) in enumerate(Instance.State.choices):
        count, selected = totals[f"s_{index}"], filters.state == value
        if count or selected:
            counts.append(
                StateCount(
                    key=state_key(value),
                    label=str(label),
                    count=count,
                    selected=selected,
                    query=filters.query(state=value, page=1),
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
