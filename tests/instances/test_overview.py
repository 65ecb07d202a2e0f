"""The overview: counts that link to the list, the daily series, expiring instances, quotas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Reseller, User
from instances.models import Instance, StateChange
from instances.overview import overview_for
from tests.support.pages import logged_in, page_text

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def make(pk: int, reseller: Reseller | None = None, **fields: object) -> Instance:
    defaults: dict[str, object] = {"state": "authorized", "time_created": NOW - timedelta(days=40)}
    return Instance.objects.create(id_instance=pk, reseller=reseller, **(defaults | fields))


def test_counts_by_state_messenger_and_reseller_link_to_the_list(
    admin: User, reseller_a_user: User, reseller_b: Reseller
) -> None:
    own = reseller_a_user.reseller
    make(1, own)
    make(2, own, state="blocked", type_instance="telegram")
    make(3, reseller_b)
    make(4, None, deleted=True)  # deleted: not counted

    staff = overview_for(admin)
    mine = overview_for(reseller_a_user)

    assert {(t.label, t.count) for t in staff.by_state} == {("Linked", 2), ("Blocked", 1)}
    assert {(t.label, t.count) for t in staff.by_reseller} == {(own.name, 2), (reseller_b.name, 1)}
    assert {(t.label, t.count) for t in mine.by_state} == {("Linked", 1), ("Blocked", 1)}
    assert {(t.label, t.count) for t in mine.by_messenger} == {("WhatsApp", 1), ("Telegram", 1)}
    assert mine.by_reseller == []
    page = logged_in(admin).get("/instances/overview/").content.decode()
    assert 'href="/instances/?state=blocked"' in page
    assert 'href="/instances/?messenger=telegram"' in page
    assert f'href="/instances/?reseller={own.pk}"' in page


def test_the_daily_series_replays_the_recorded_changes(admin: User) -> None:
    linked = make(1)
    dropped = make(2, state="notAuthorized")
    new = make(3, time_created=NOW - timedelta(days=1, hours=2))
    make(4, deleted=True, time_deleted=NOW - timedelta(days=2, hours=1))
    changes = [
        (linked, "notAuthorized", "authorized", 3),  # linked three days ago
        (dropped, "notAuthorized", "authorized", 5),
        (dropped, "authorized", "notAuthorized", 2),  # and dropped two days ago
        (new, "notAuthorized", "authorized", 1),
    ]
    for instance, before, after, days_ago in changes:
        StateChange.objects.create(
            instance=instance,
            previous_state=before,
            state=after,
            source="poll",
            at=NOW - timedelta(days=days_ago, hours=1),
        )

    with time_machine.travel(NOW, tick=False):
        days = overview_for(admin, days=7).days

    # Replayed by hand: linked at the end of each day.
    expected_linked = {6: 0, 5: 1, 4: 1, 3: 2, 2: 1, 1: 2, 0: 2}
    assert [(d.day, d.linked) for d in days] == [
        ((NOW - timedelta(days=ago)).date(), count) for ago, count in expected_linked.items()
    ]
    assert {d.day: d.created for d in days if d.created} == {(NOW - timedelta(days=1)).date(): 1}
    assert {d.day: d.deleted for d in days if d.deleted} == {(NOW - timedelta(days=2)).date(): 1}
    page = page_text(logged_in(admin).get("/instances/overview/?days=90"))
    assert "The last 90 days" in page


def test_expiring_instances_and_quota_use(reseller_a_user: User) -> None:
    own = reseller_a_user.reseller
    own.instance_quota = 4
    own.save()
    now = timezone.now()
    soon = make(1, own, expiration_date=now + timedelta(days=2), name="Soon")
    make(2, own, expiration_date=now + timedelta(days=30), name="Later")

    data = overview_for(reseller_a_user)

    assert data.expiring == [soon]
    assert [(bar.reseller, bar.used, bar.quota, bar.percent) for bar in data.quotas] == [
        (own, 2, 4, 50)
    ]
    page = page_text(logged_in(reseller_a_user).get("/instances/overview/"))
    assert "Soon" in page
    assert "2 of 4 used" in page


def test_the_overview_costs_the_same_queries_at_any_size(admin: User, reseller_a: Reseller) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert logged_in(admin).get("/instances/overview/?days=90").status_code == 200
        return len(captured.captured_queries)

    make(1, reseller_a)
    few = queries()
    Instance.objects.bulk_create(
        Instance(
            id_instance=100 + n,
            reseller=reseller_a,
            state="authorized",
            time_created=timezone.now() - timedelta(days=n % 60),
            expiration_date=timezone.now() + timedelta(days=n % 9),
        )
        for n in range(500)
    )
    assert queries() == few


def test_login_lands_on_the_overview(admin: User) -> None:
    assert logged_in(admin).get("/")["Location"] == "/instances/overview/"
