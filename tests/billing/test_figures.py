"""The month's figures against an independent computation over generated instance histories.

Hypothesis draws instances around the charge times of a month: created and deleted the same
day, across 00:00 UTC+3 by a second either way, alive at the month's end, deleted before it,
created after it, with unknown times, and a few impossible ones (deleted before created). The
database's aggregate (the month page), the drill-down's per-instance days and the oracle below,
which shares no code with billing/, must agree for every reseller and every day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Reseller, User
from billing import selectors
from billing.rules import Month, charges_of
from instances.models import Instance

MOSCOW_OFFSET = ZoneInfo("Etc/GMT-3")  # POSIX sign: this is UTC+3
MONTHS = [Month(2026, 2), Month(2026, 3), Month(2024, 2), Month(2026, 12), Month(2027, 1)]


@dataclass(frozen=True)
class History:
    reseller: int | None  # an index into the test's resellers
    created: datetime | None
    deleted_at: datetime | None
    deleted: bool


def oracle_charges(month: Month, now: datetime) -> list[datetime]:
    """00:00 in UTC+3 of each day of the month, written without billing.rules."""
    days = calendar.monthrange(month.year, month.month)[1]
    moments = [
        datetime.combine(
            datetime(month.year, month.month, day).date(), time(0), tzinfo=MOSCOW_OFFSET
        )
        for day in range(1, days + 1)
    ]
    return [moment for moment in moments if moment <= now]


def oracle_pays(history: History, moment: datetime) -> bool:
    if history.created is None or history.created > moment:
        return False
    if history.deleted_at is None:
        return not history.deleted
    return moment < history.deleted_at


def oracle_unknown(history: History, charges: list[datetime]) -> bool:
    """Times unknown, and it may have existed during the charges."""
    unknown = history.created is None or (history.deleted and history.deleted_at is None)
    if not unknown or not charges:
        return False
    started = history.created is None or history.created <= charges[-1]
    not_gone = history.deleted_at is None or history.deleted_at > charges[0]
    return started and not_gone


@st.composite
def histories(draw: st.DrawFn, month: Month) -> History:
    first = datetime(month.year, month.month, 1, tzinfo=MOSCOW_OFFSET)
    # Anchored on a charge between 40 days before the month and 3 days after it, then moved by
    # a second either way, an hour, or anything within a day.
    anchor = first + timedelta(days=draw(st.integers(-40, 34)))
    nudge = draw(
        st.one_of(
            st.sampled_from([0, -1, 1, -3600, 3600]),
            st.integers(-86_399, 86_399),
        )
    )
    created = anchor + timedelta(seconds=nudge)
    lifetime = draw(
        st.one_of(
            st.sampled_from([0, 1, 60, 3600]),
            st.integers(0, 86_399),  # the same day, or across one charge
            st.integers(0, 45 * 86_400),
            st.integers(-86_400, -1),  # an impossible history: deleted before created
        )
    )
    fate = draw(st.sampled_from(["alive", "deleted", "deleted, time unknown", "time, no flag"]))
    if draw(st.integers(0, 9)) == 0:
        created_known: datetime | None = None
    else:
        created_known = created.astimezone(UTC)
    if draw(st.booleans()):
        deleted_at = (created + timedelta(seconds=lifetime)).astimezone(UTC)
    else:  # deleted on a charge of the month (or next to it), on its second or one either side
        charge = first + timedelta(days=draw(st.integers(-1, 31)))
        second = draw(st.sampled_from([0, 0, -1, 1]))
        deleted_at = (charge + timedelta(seconds=second)).astimezone(UTC)
    return History(
        reseller=draw(st.sampled_from([0, 1, None])),
        created=created_known,
        deleted_at=deleted_at if fate in {"deleted", "time, no flag"} else None,
        deleted=fate in {"deleted", "deleted, time unknown"},
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Month, datetime, list[History]]:
    month = draw(st.sampled_from(MONTHS))
    first = datetime(month.year, month.month, 1, tzinfo=MOSCOW_OFFSET)
    # Now: after the month (every charge counted), or part way through it.
    now = first + timedelta(seconds=draw(st.integers(0, 40 * 86_400)))
    return month, now.astimezone(UTC), draw(st.lists(histories(month), min_size=1, max_size=30))


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios())
@pytest.mark.django_db
def test_month_figures_match_an_independent_count(
    admin: User, scenario: tuple[Month, datetime, list[History]]
) -> None:
    month, now, drawn = scenario
    with transaction.atomic():
        resellers = [
            Reseller.objects.create(name="A", day_price="0.5"),
            Reseller.objects.create(name="B"),
        ]
        for n, history in enumerate(drawn):
            Instance.objects.create(
                id_instance=1101000000 + n,
                reseller=resellers[history.reseller] if history.reseller is not None else None,
                time_created=history.created,
                time_deleted=history.deleted_at,
                deleted=history.deleted,
            )
        report = selectors.usage_month(user=admin, month=month, now=now)
        charges = oracle_charges(month, now)
        assert [charge.at for charge in report.charges] == charges

        for line in report.lines:
            key = resellers.index(line.reseller) if line.reseller is not None else None
            mine = [h for h in drawn if h.reseller == key]
            expected = tuple(sum(oracle_pays(h, moment) for h in mine) for moment in charges)
            assert line.per_day == expected, line.reseller
            assert line.not_counted == sum(oracle_unknown(h, charges) for h in mine)

            # The drill-down: each instance's days, adding up to the line.
            listed = selectors.usage_instances(
                user=admin, reseller=line.reseller, charges=report.charges
            )
            days = {
                usage.instance.id_instance: usage.billable_days
                for usage in selectors.with_billable_days(listed, report.charges)
            }
            for n, history in enumerate(drawn):
                if history.reseller != key:
                    continue
                paid = sum(oracle_pays(history, moment) for moment in charges)
                if oracle_unknown(history, charges):
                    assert days[1101000000 + n] is None
                else:  # one that paid nothing may be listed (with 0) or not
                    assert days.get(1101000000 + n, 0) == paid
            assert sum(d for d in days.values() if d) == line.instance_days
        transaction.set_rollback(True)


def test_the_charge_of_the_first_belongs_to_its_month_in_utc_plus_3() -> None:
    november = charges_of(Month(2026, 11), now=datetime(2027, 1, 1, tzinfo=UTC))
    assert november[0].at == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert november[-1].at == datetime(2026, 11, 29, 21, 0, tzinfo=UTC)
    assert len(november) == 30


def test_a_charge_is_counted_from_its_very_moment() -> None:
    charge = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert len(charges_of(Month(2026, 11), now=charge - timedelta(microseconds=1))) == 0
    assert len(charges_of(Month(2026, 11), now=charge)) == 1


@pytest.mark.parametrize(
    ("created", "deleted_at", "days"),
    [
        # Created and deleted on the same day, between two charges: nothing.
        ("2026-11-05T06:00", "2026-11-05T18:00", 0),
        # Across the charge of 6 November (5 November 21:00 UTC): one.
        ("2026-11-05T20:59:59", "2026-11-05T21:00:01", 1),
        # Created at the charge's very second pays it; deleted at its very second does not.
        ("2026-11-05T21:00:00", "2026-11-06T21:00:00", 1),
        # Alive at the month's end: every charge from its creation on (6 to 30 November).
        ("2026-11-05T20:00", None, 25),
        # Deleted before the month, created after it: nothing.
        ("2026-09-01T00:00", "2026-10-31T20:59:59", 0),
        ("2026-11-30T21:00", None, 0),
    ],
)
@pytest.mark.django_db
def test_worked_examples(
    admin: User, reseller_a: Reseller, created: str, deleted_at: str | None, days: int
) -> None:
    Instance.objects.create(
        id_instance=1101000001,
        reseller=reseller_a,
        time_created=datetime.fromisoformat(created).replace(tzinfo=UTC),
        time_deleted=datetime.fromisoformat(deleted_at).replace(tzinfo=UTC) if deleted_at else None,
        deleted=deleted_at is not None,
    )
    report = selectors.usage_month(
        user=admin, month=Month(2026, 11), now=datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert report.lines[0].reseller == reseller_a
    assert report.lines[0].instance_days == days
