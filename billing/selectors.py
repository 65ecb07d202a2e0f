"""Usage per reseller and month, read from the instance mirror and scoped to the user.

The month's figures come from one aggregate query whatever the size of the mirror: rows
counted by reseller and by the charges they start and stop paying at (billing/rules.py).
Only a drill-down reads rows, a page or a streamed export at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.formats import number_format

from accounts.models import Reseller
from accounts.permissions import Action, can
from billing import pricing
from billing.rules import (
    UNKNOWN_TIMES_Q,
    Charge,
    Month,
    billable_days,
    charges_of,
    first_charge_at_or_after,
    may_overlap_q,
    paid_charges,
)
from instances.models import Instance


@dataclass(frozen=True)
class UsageLine:
    """One reseller's month (reseller None: the unassigned instances)."""

    reseller: Reseller | None
    per_day: tuple[int, ...]  # billable instances at each charge of the report
    not_counted: int  # instances whose times are unknown (billing/rules.py)
    price: Decimal | None

    @property
    def instance_days(self) -> int:
        return sum(self.per_day)

    @property
    def amount(self) -> Decimal | None:
        return pricing.amount(self.instance_days, self.price)

    @property
    def price_text(self) -> str:
        """The price without trailing zeros, in the language's number format (0.45, 0,45)."""
        if self.price is None:
            return ""
        return number_format(Decimal(pricing.price_text(self.price)))


@dataclass(frozen=True)
class UsageReport:
    month: Month
    charges: list[Charge]  # the month's charges so far
    lines: list[UsageLine]
    currency: str

    @property
    def complete(self) -> bool:
        """Whether every charge of the month has happened (a past month)."""
        return len(self.charges) == len(self.month.days)

    @property
    def per_day(self) -> list[tuple[Charge, int]]:
        totals = [sum(line.per_day[i] for line in self.lines) for i in range(len(self.charges))]
        return list(zip(self.charges, totals, strict=True))

    @property
    def instance_days(self) -> int:
        return sum(line.instance_days for line in self.lines)

    @property
    def amount(self) -> Decimal | None:
        """The sum of the lines' amounts; None when no line has a price."""
        amounts = [line.amount for line in self.lines if line.amount is not None]
        return sum(amounts, Decimal(0)) if amounts else None

    @property
    def unpriced_days(self) -> int:
        return sum(line.instance_days for line in self.lines if line.price is None)

    @property
    def not_counted(self) -> int:
        return sum(line.not_counted for line in self.lines)


@dataclass
class _Tally:
    per_day: list[int]
    not_counted: int = 0


def _tally(instances: QuerySet[Instance], charges: Sequence[Charge]) -> dict[int | None, _Tally]:
    """Per reseller id (None: unassigned): billable instances at each charge, and not counted.

    One query: the rows grouped by reseller and by the charges at which they start and stop
    paying (billing/rules.py), at most one group per reseller and pair of days.
    """
    if not charges:
        return {}
    groups = (
        instances.filter(may_overlap_q(charges))
        .annotate(
            created_index=first_charge_at_or_after("time_created", charges),
            deleted_index=first_charge_at_or_after("time_deleted", charges),
            unknown=Case(When(UNKNOWN_TIMES_Q, then=Value(1)), default=Value(0)),
        )
        .values("reseller_id", "created_index", "deleted_index", "unknown")
        .annotate(n=Count("pk"))
        .order_by()
    )
    tally: dict[int | None, _Tally] = {}
    for group in groups:
        line = tally.setdefault(group["reseller_id"], _Tally([0] * len(charges)))
        if group["unknown"]:
            line.not_counted += group["n"]
            continue
        for index in paid_charges(group["created_index"], group["deleted_index"]):
            line.per_day[index] += group["n"]
    return tally


def _line(reseller: Reseller | None, tally: _Tally | None, charges: Sequence[Charge]) -> UsageLine:
    return UsageLine(
        reseller=reseller,
        per_day=tuple(tally.per_day) if tally else (0,) * len(charges),
        not_counted=tally.not_counted if tally else 0,
        price=pricing.day_price(reseller),
    )


def usage_month(*, user: Any, month: Month, now: datetime) -> UsageReport:
    """The month's usage of every reseller `user` may see, with the unassigned for staff.

    Inactive resellers appear only when they have usage in the month.
    """
    charges = charges_of(month, now=now)
    tally = _tally(Instance.objects.visible_to(user), charges)
    lines = []
    for reseller in Reseller.objects.visible_to(user).order_by("name"):
        row = tally.get(reseller.pk)
        if reseller.is_active or row:
            lines.append(_line(reseller, row, charges))
    if can(user, Action.SEE_ALL_TENANTS):
        lines.append(_line(None, tally.get(None), charges))
    return UsageReport(month=month, charges=charges, lines=lines, currency=pricing.currency())


def usage_of_reseller(
    *, user: Any, reseller: Reseller | None, month: Month, now: datetime
) -> UsageReport:
    """One reseller's month (None: the unassigned instances), in a report of one line."""
    charges = charges_of(month, now=now)
    tally = _tally(_instances_of(user, reseller), charges)
    line = _line(reseller, tally.get(reseller.pk if reseller else None), charges)
    return UsageReport(month=month, charges=charges, lines=[line], currency=pricing.currency())


def reseller_for_usage_or_404(user: Any, reseller_id: int | None) -> Reseller | None:
    """The reseller of a drill-down (None: the unassigned, staff only); another tenant's
    reseller is a 404, exactly like a missing one."""
    if reseller_id is None:
        if not can(user, Action.SEE_ALL_TENANTS):
            raise Http404
        return None
    return get_object_or_404(Reseller.objects.visible_to(user), pk=reseller_id)


def _instances_of(user: Any, reseller: Reseller | None) -> QuerySet[Instance]:
    instances = Instance.objects.visible_to(user)
    if reseller is None:
        return instances.filter(reseller__isnull=True)
    return instances.filter(reseller=reseller)


@dataclass(frozen=True)
class InstanceUsage:
    instance: Instance
    billable_days: int | None  # None: times unknown, not counted


USAGE_FIELDS = ("id_instance", "name", "type_instance", "time_created", "time_deleted", "deleted")


def usage_instances(
    *, user: Any, reseller: Reseller | None, charges: Sequence[Charge]
) -> QuerySet[Instance]:
    """The instances of one reseller that pay, or might pay, one of `charges`, by id."""
    if not charges:
        return Instance.objects.none()
    return (
        _instances_of(user, reseller)
        .filter(may_overlap_q(charges))
        .only(*USAGE_FIELDS)
        .order_by("id_instance")
    )


def with_billable_days(
    instances: Iterable[Instance], charges: Sequence[Charge]
) -> Iterator[InstanceUsage]:
    """Each instance with the charges it paid (billing/rules.py), in the order given."""
    for instance in instances:
        days = billable_days(
            charges,
            created=instance.time_created,
            deleted_at=instance.time_deleted,
            deleted=instance.deleted,
        )
        yield InstanceUsage(instance, days)
