"""The billing rule: which of Green API's daily charges an instance pays (docs/greenapi.md §2.5).

Green API charges the partner every day at 00:00 UTC+3 for each instance that has been created
and is not deleted at that moment. From the mirror's times, an instance pays the charge at the
moment T exactly when

    time_created <= T < time_deleted     (no upper bound while it is not deleted)

So an instance created and deleted between two charges pays nothing; one created at 23:59:59
UTC+3 pays the charge a second later; one created at 00:00:00 pays that day's charge; one
deleted at 00:00:00 does not. Each charge an instance pays is one instance-day. A month's
charges are those that fall on its days in UTC+3: the charge of 1 November 00:00 UTC+3
(31 October 21:00 UTC) belongs to November.

An instance whose creation time is unknown (NULL), or that is deleted with no deletion time, is
not counted: its charges cannot be told. Pages count such instances apart ("not counted"), so
nobody mistakes the figures for complete.

The same rule is written twice, once for the database and once for Python (`billable_at`, per
row); the tests hold both to an independent computation. In the database each row gets the
index of the first charge at or after its creation and of the first at or after its deletion
(`first_charge_at_or_after`): the instance pays the charges from the one to just before the
other. A row is compared with the charges in order and stops at the first that fits, so an
instance created before the month, or not deleted, costs one comparison, not one per day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# Green API states the charge time as UTC+3, not as a region's zone: a fixed offset.
CHARGE_ZONE = timezone(timedelta(hours=3), "UTC+3")
# Months outside these years are typos, and date arithmetic at the edges would overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2999
_MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month of charge days (in UTC+3)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`2026-11` to a Month; ValueError with a readable message (in the active language,
        shown on the page) otherwise."""
        match = _MONTH_PATTERN.fullmatch(text.strip())
        if match is None:
            raise ValueError(_("Enter a month as year-month, for example 2026-11."))
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(
                _("There is no month %(month)s: use 01 to 12.") % {"month": f"{month:02d}"}
            )
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(
                _("Enter a year between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return cls(year, month)

    @classmethod
    def of(cls, moment: datetime) -> Month:
        """The month whose charge day `moment` falls on (its date in UTC+3)."""
        local = moment.astimezone(CHARGE_ZONE)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """ "November 2026", in the active language (Django's YEAR_MONTH_FORMAT)."""
        return date_format(date(self.year, self.month, 1), "YEAR_MONTH_FORMAT")

    @property
    def days(self) -> list[date]:
        count = calendar.monthrange(self.year, self.month)[1]
        return [date(self.year, self.month, day) for day in range(1, count + 1)]

    def previous(self) -> Month | None:
        month = Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)
        return month if month.year >= FIRST_YEAR else None

    def next(self) -> Month | None:
        month = Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)
        return month if month.year <= LAST_YEAR else None


def charge_moment(day: date) -> datetime:
    """The moment of `day`'s charge, 00:00 UTC+3, as an aware datetime in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=CHARGE_ZONE).astimezone(UTC)


@dataclass(frozen=True)
class Charge:
    day: date
    at: datetime  # in UTC


def charges_of(month: Month, *, now: datetime) -> list[Charge]:
    """The month's charges that have happened by `now` (all of them for a past month)."""
    charges = [Charge(day, charge_moment(day)) for day in month.days]
    return [charge for charge in charges if charge.at <= now]


def first_charge_at_or_after(field: str, charges: Sequence[Charge]) -> Case:
    """The index in `charges` of the first charge at or after the time in `field`;
    len(charges) when there is none (or no time: unknown times are counted apart)."""
    whens = [When(**{f"{field}__isnull": True}, then=Value(len(charges)))]
    whens += [
        When(**{f"{field}__lte": charge.at}, then=Value(index))
        for index, charge in enumerate(charges)
    ]
    return Case(*whens, default=Value(len(charges)), output_field=IntegerField())


def paid_charges(created_index: int, deleted_index: int) -> range:
    """The charges a row pays, from its two indexes: created at or before a charge and not
    deleted at or before it (the rule, for the database's indexes)."""
    return range(created_index, max(created_index, deleted_index))


# Rows whose charges cannot be told: no creation time, or deleted at an unknown time.
UNKNOWN_TIMES_Q = Q(time_created__isnull=True) | Q(time_deleted__isnull=True, deleted=True)


def may_overlap_q(charges: Sequence[Charge]) -> Q:
    """Rows that pay, or might pay (unknown times), one of `charges`: a bound for any scan."""
    first, last = charges[0].at, charges[-1].at
    created = Q(time_created__isnull=True) | Q(time_created__lte=last)
    not_gone = Q(time_deleted__isnull=True) | Q(time_deleted__gt=first)
    return created & not_gone


def times_unknown(created: datetime | None, deleted_at: datetime | None, deleted: bool) -> bool:
    return created is None or (deleted and deleted_at is None)


def billable_at(
    moment: datetime, *, created: datetime | None, deleted_at: datetime | None, deleted: bool
) -> bool:
    """Does an instance with these times pay the charge at `moment` (the rule, for Python)?"""
    if created is None or created > moment:
        return False
    if deleted_at is not None:
        return moment < deleted_at
    return not deleted


def billable_days(
    charges: Sequence[Charge],
    *,
    created: datetime | None,
    deleted_at: datetime | None,
    deleted: bool,
) -> int | None:
    """How many of `charges` an instance pays; None when its times are unknown."""
    if times_unknown(created, deleted_at, deleted):
        return None
    return sum(
        billable_at(charge.at, created=created, deleted_at=deleted_at, deleted=deleted)
        for charge in charges
    )
