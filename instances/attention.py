"""The attention list: what needs a person now, why, and since when (read only).

Each condition is a query over the user's own rows (`visible_to`), counted and capped at
PER_KIND items, so the list costs the same number of queries at 10 or 100,000 instances. An
item is keyed by its condition, its subject and the moment the condition began: a "handled"
mark (AttentionMark) holds for that key only, so a condition that ends and comes back is a new
item. What each condition means and what to do about it: instances/recovery.py.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Count, Exists, Min, Model, OuterRef, QuerySet, Subquery
from django.utils import timezone

from instances.models import (
    LINKED_STATES,
    AttentionMark,
    CreateOrder,
    Instance,
    OnboardingLink,
    StateChange,
    longest_standing,
)
from instances.state_freshness import stale_states

if TYPE_CHECKING:
    from accounts.models import User

# Green API says a starting instance should be linked again within about 5 minutes, and builds
# a new one within a few (docs/greenapi.md §2.1, §3.1): twice that is stuck.
STUCK_AFTER = timedelta(minutes=10)
# Linked, but the socket offline or the queue growing for this long (services/signals.py).
SIGNAL_AFTER = timedelta(minutes=10)
# Three changes within an hour: the phone keeps dropping off and coming back.
FLAPPING_CHANGES, FLAPPING_WINDOW = 3, timedelta(hours=1)
# A failed create is worth a look for a week; a customer link in its last day, unopened.
FAILED_ORDERS_FOR = timedelta(days=7)
LINK_EXPIRING_WITHIN = timedelta(hours=24)
# Items listed per condition; its count says how many there are, up to COUNT_LIMIT.
PER_KIND = 50
COUNT_LIMIT = 1000
# Items a page lists in all: the most urgent, whatever the kinds (a page of 400 guides and
# forms helps no one; the counts say how many of each there are).
SHOWN = 50

Row = TypeVar("Row", bound=Model)


class Kind(enum.StrEnum):
    """The conditions, most urgent first: the list's order."""

    BLOCKED = "blocked"
    LOGGED_OUT = "logged_out"
    YELLOW_CARD = "yellow_card"
    STUCK = "stuck"
    OFFLINE = "offline"
    QUEUE_GROWING = "queue_growing"
    FLAPPING = "flapping"
    EXPIRED = "expired"
    ORDER_FAILED = "order_failed"
    ORDER_PENDING = "order_pending"
    LINK_EXPIRING = "link_expiring"
    UNCONFIRMED = "unconfirmed"


URGENCY = {kind: rank for rank, kind in enumerate(Kind)}


@dataclass(frozen=True)
class Item:
    """One thing that needs a person: a condition of an instance, an order or a link."""

    kind: Kind
    since: datetime
    instance: Instance | None = None
    order: CreateOrder | None = None
    link: OnboardingLink | None = None
    mark: AttentionMark | None = None

    @property
    def subject(self) -> str:
        """What the item is about, as a mark's key names it: i<id>, o<pk> or l<pk>."""
        if self.order is not None:
            return f"o{self.order.pk}"
        if self.link is not None:
            return f"l{self.link.pk}"
        assert self.instance is not None
        return f"i{self.instance.pk}"

    @property
    def key(self) -> str:
        return item_key(self.kind, self.subject, self.since)


def item_key(kind: str, subject: str, since: datetime) -> str:
    """The key a handled mark is stored under: the condition, its subject, when it began."""
    return f"{kind}:{subject}:{int(since.timestamp())}"


@dataclass(frozen=True)
class Attention:
    items: list[Item]  # open ones first, most urgent first, at most SHOWN
    counts: dict[Kind, int]  # how many of each kind in all, handled or not

    @property
    def open_items(self) -> list[Item]:
        return [item for item in self.items if item.mark is None]

    @property
    def handled_items(self) -> list[Item]:
        return [item for item in self.items if item.mark is not None]


def attention_for(user: User, *, instance: Instance | None = None) -> Attention:
    """What needs a person among what `user` may see, or about one instance of it."""
    now = timezone.now()
    instances = Instance.objects.visible_to(user).filter(deleted=False)
    orders = CreateOrder.objects.visible_to(user)
    links = OnboardingLink.objects.visible_to(user)
    if instance is not None:
        instances = instances.filter(pk=instance.pk)
        orders = orders.filter(instance=instance)
        links = links.filter(instance=instance)
    found: dict[Kind, tuple[int, list[Item]]] = {}
    for kind, rows, began in _instance_conditions(instances, now):
        found[kind] = _capped(
            rows.order_by(longest_standing(began).asc(), "pk"),
            lambda row, kind=kind, began=began: Item(  # type: ignore[misc]
                kind, getattr(row, began) or row.time_created or now, instance=row
            ),
        )
    failed = orders.filter(
        status=CreateOrder.Status.FAILED, settled_at__gte=now - FAILED_ORDERS_FOR
    ).exclude(reason=CreateOrder.Reason.CLOSED)  # closed by staff: already looked at
    found[Kind.ORDER_FAILED] = _capped(
        failed.select_related("reseller").order_by("-settled_at", "-pk"),
        lambda order: Item(Kind.ORDER_FAILED, order.settled_at or now, order=order),
    )
    found[Kind.ORDER_PENDING] = _capped(
        orders.filter(status=CreateOrder.Status.PENDING)
        .select_related("reseller")
        .order_by("created_at", "pk"),
        lambda order: Item(Kind.ORDER_PENDING, order.created_at, order=order),
    )
    expiring = links.filter(
        revoked_at=None,
        used_at=None,
        last_opened_at=None,
        expires_at__gt=now,
        expires_at__lte=now + LINK_EXPIRING_WITHIN,
    ).exclude(instance__state__in=LINKED_STATES)
    found[Kind.LINK_EXPIRING] = _capped(
        expiring.select_related("instance__reseller").order_by("expires_at", "pk"),
        lambda link: Item(Kind.LINK_EXPIRING, link.created_at, link=link),
    )
    items = _with_marks([item for _count, listed in found.values() for item in listed])
    # Open items first, most urgent first; a page shows the first SHOWN, the counts the rest.
    items.sort(key=lambda item: (item.mark is not None, URGENCY[item.kind], item.since))
    counts = {kind: count for kind, (count, _) in found.items()}
    return Attention(items=items[:SHOWN], counts=counts)


_ITEM_COLUMNS = (
    "name",
    "reseller__name",
    "time_created",
    "state_changed_at",
    "state_checked_at",
    "offline_since",
    "queue_growing_since",
    "expiration_date",
)


def _instance_conditions(
    instances: QuerySet[Instance], now: datetime
) -> Iterator[tuple[Kind, QuerySet[Instance], str]]:
    """Each instance condition: its kind, its rows, and the field that says when it began."""
    # What an item shows and when its condition began: a page reads up to PER_KIND rows of
    # each condition, and building all 35 columns of each was most of the list's cost.
    rows = instances.select_related("reseller").only(*_ITEM_COLUMNS)
    lost = StateChange.objects.filter(
        instance=OuterRef("pk"),
        previous_state__in=LINKED_STATES,
        state=Instance.State.NOT_AUTHORIZED,
        at=OuterRef("state_changed_at"),
    )
    yield (
        Kind.LOGGED_OUT,
        rows.filter(state=Instance.State.NOT_AUTHORIZED).filter(Exists(lost)),
        "state_changed_at",
    )
    yield Kind.BLOCKED, rows.filter(state=Instance.State.BLOCKED), "state_changed_at"
    yield Kind.YELLOW_CARD, rows.filter(state=Instance.State.YELLOW_CARD), "state_changed_at"
    yield (
        Kind.STUCK,
        rows.filter(
            state__in=[Instance.State.STARTING, Instance.State.CREATING],
            state_changed_at__lt=now - STUCK_AFTER,
        ),
        "state_changed_at",
    )
    # The recent changes of every instance (an index on `at` reads only the last hour's), and
    # the first of them for the few that flap.
    linked = rows.filter(state=Instance.State.AUTHORIZED)
    yield Kind.OFFLINE, linked.filter(offline_since__lt=now - SIGNAL_AFTER), "offline_since"
    yield (
        Kind.QUEUE_GROWING,
        linked.filter(queue_growing_since__lt=now - SIGNAL_AFTER),
        "queue_growing_since",
    )
    recent = StateChange.objects.filter(at__gte=now - FLAPPING_WINDOW).order_by()
    flapping_ids = recent.values("instance").annotate(n=Count("pk")).filter(n__gte=FLAPPING_CHANGES)
    first_change = (
        recent.filter(instance=OuterRef("pk")).values("instance").annotate(first=Min("at"))
    )
    flapping = rows.filter(pk__in=flapping_ids.values("instance")).annotate(
        flapping_since=Subquery(first_change.values("first"))
    )
    yield Kind.FLAPPING, flapping, "flapping_since"
    yield Kind.EXPIRED, rows.filter(is_expired=True), "expiration_date"
    yield Kind.UNCONFIRMED, rows.filter(stale_states(now)), "state_checked_at"


def _capped(rows: QuerySet[Row], item: Callable[[Row], Item]) -> tuple[int, list[Item]]:
    """The first PER_KIND rows as items, and how many rows there are, counted up to
    COUNT_LIMIT + 1 (the page says "1000+" beyond): a count never reads a whole large set,
    and it is always asked, so the page's queries are the same whatever it finds."""
    listed = [item(row) for row in rows[:PER_KIND]]
    return rows.order_by()[: COUNT_LIMIT + 1].count(), listed


def _with_marks(items: list[Item]) -> list[Item]:
    """The items, each with its handled mark if it has one (one query)."""
    marks = AttentionMark.objects.filter(key__in=[item.key for item in items]).select_related(
        "handled_by"
    )
    by_key = {mark.key: mark for mark in marks}
    return [_marked(item, by_key.get(item.key)) for item in items]


def _marked(item: Item, mark: AttentionMark | None) -> Item:
    return item if mark is None else replace(item, mark=mark)
