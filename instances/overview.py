"""The overview: how many instances are fine, and how that moved, for what a user may see.

Every figure is one aggregate query, over the counters the database keeps (InstanceCount) or an
indexed window of days, so the page costs the same number of queries at 10 or 100,000
instances. The series are per day in UTC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Reseller
from accounts.tenancy import tenant_filter
from instances.models import LINKED_STATES, CreateOrder, Instance, InstanceCount, StateChange
from instances.quota import quota_words

if TYPE_CHECKING:
    from accounts.models import User

PERIODS = (30, 90)  # days a chart may cover
EXPIRING_WITHIN = timedelta(days=7)
EXPIRING_LISTED = 20


@dataclass(frozen=True)
class Tally:
    key: str  # the list filter's value ("" for unassigned resellers)
    label: str
    count: int


@dataclass(frozen=True)
class Day:
    day: date
    linked: int  # linked instances at the end of the day
    created: int
    deleted: int


@dataclass(frozen=True)
class QuotaBar:
    reseller: Reseller
    used: int
    quota: int
    text: str

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.quota)) if self.quota else 100


@dataclass(frozen=True)
class Overview:
    by_state: list[Tally]
    by_messenger: list[Tally]
    by_reseller: list[Tally]  # empty for a reseller user: theirs is the whole page
    total: int
    days: list[Day]
    expiring: list[Instance]
    expiring_count: int
    quotas: list[QuotaBar]


def overview_for(user: User, *, days: int = PERIODS[0]) -> Overview:
    """The overview of the live instances `user` may see, with series over the last `days`."""
    counters = InstanceCount.objects.visible_to(user).filter(deleted=False)
    by_state = _tallies(counters, "state", {k: str(v) for k, v in Instance.State.choices})
    by_messenger = _tallies(counters, "type_instance", dict(Instance.Type.choices))
    by_reseller: list[Tally] = []
    if user.is_staff_role:
        names = dict(Reseller.objects.values_list("pk", "name"))
        names[0] = _("Unassigned")
        by_reseller = _tallies(counters, "reseller_key", names)
    now = timezone.now()
    live = Instance.objects.visible_to(user).filter(deleted=False)
    expiring = live.filter(
        expiration_date__gte=now, expiration_date__lt=now + EXPIRING_WITHIN
    ).order_by("expiration_date", "pk")
    return Overview(
        by_state=by_state,
        by_messenger=by_messenger,
        by_reseller=by_reseller,
        total=sum(tally.count for tally in by_state),
        days=_days(user, now, days, linked_now=_linked(by_state)),
        expiring=list(expiring.select_related("reseller").defer("api_token")[:EXPIRING_LISTED]),
        expiring_count=expiring.count(),
        quotas=_quotas(user, counters),
    )


def _tallies(
    counters: QuerySet[InstanceCount], field: str, labels: Mapping[Any, str]
) -> list[Tally]:
    """Live instances per value of a counter column, largest first."""
    rows = counters.values(field).annotate(n=Sum("n")).filter(n__gt=0).order_by("-n", field)
    return [
        Tally(str(row[field]) if row[field] != 0 else "", labels.get(row[field], "?"), row["n"])
        for row in rows
    ]


def _linked(by_state: list[Tally]) -> int:
    return sum(tally.count for tally in by_state if tally.key in LINKED_STATES)


def _days(user: User, now: datetime, days: int, *, linked_now: int) -> list[Day]:
    """Per day: linked at its end (counted back from now through the recorded changes), and
    instances created and deleted that day."""
    start = (now - timedelta(days=days - 1)).date()
    since = datetime.combine(start, datetime.min.time(), tzinfo=now.tzinfo)
    linked_state = Q(state__in=LINKED_STATES)
    was_linked = Q(previous_state__in=LINKED_STATES)
    changes = (
        StateChange.objects.filter(tenant_filter(user, "instance__reseller"), at__gte=since)
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(
            gained=Count("pk", filter=linked_state & ~was_linked),
            lost=Count("pk", filter=was_linked & ~linked_state),
        )
        .order_by()
    )
    net = {row["day"]: row["gained"] - row["lost"] for row in changes}
    created = _per_day(user, "time_created", since)
    deleted = _per_day(user, "time_deleted", since)
    series, linked = [], linked_now
    for offset in range(days):
        day = now.date() - timedelta(days=offset)
        series.append(Day(day, max(linked, 0), created[day], deleted[day]))
        linked -= net.get(day, 0)  # the day before ended with this day's changes undone
    series.reverse()
    return series


def _per_day(user: User, field: str, since: datetime) -> defaultdict[date, int]:
    rows = (
        Instance.objects.visible_to(user)
        .filter(**{f"{field}__gte": since})
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: defaultdict[date, int] = defaultdict(int)
    found.update({row["day"]: row["n"] for row in rows})
    return found


def _quotas(user: User, counters: QuerySet[InstanceCount]) -> list[QuotaBar]:
    """Each active reseller's quota use: live instances from the counters (no count over the
    instances), open create orders from their few rows."""
    live = dict(
        counters.values("reseller_key").annotate(n=Sum("n")).values_list("reseller_key", "n")
    )
    pending = dict(
        CreateOrder.objects.open()
        .visible_to(user)
        .exclude(reseller=None)
        .values("reseller")
        .annotate(n=Count("pk"))
        .values_list("reseller", "n")
    )
    bars = []
    for reseller in Reseller.objects.visible_to(user).filter(is_active=True).order_by("name"):
        used = live.get(reseller.pk, 0) + pending.get(reseller.pk, 0)
        words = quota_words(used, reseller.instance_quota)
        bars.append(QuotaBar(reseller, used, reseller.instance_quota, words))
    return bars
