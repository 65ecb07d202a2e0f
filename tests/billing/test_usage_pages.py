"""The usage pages: tenancy, the figures and amounts shown, CSV, bad input, query counts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from accounts.models import AuditEvent, Reseller, User
from instances.models import Instance

# 15 December 2026, 12:00 UTC: November is over; December has had 15 charges.
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
NOV_1_CHARGE = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _instance(
    id_instance: int,
    reseller: Reseller | None,
    created: datetime | None,
    deleted_at: datetime | None = None,
    *,
    name: str = "",
    deleted: bool | None = None,
) -> Instance:
    return Instance.objects.create(
        id_instance=id_instance,
        name=name or f"Instance {id_instance}",
        reseller=reseller,
        time_created=created,
        time_deleted=deleted_at,
        deleted=deleted_at is not None if deleted is None else deleted,
    )


def _csv(response: HttpResponseBase) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def november(
    reseller_a: Reseller, reseller_b: Reseller, reseller_a_user: User, reseller_b_user: User
) -> None:
    """A: one instance all month (30 days) and one for 3 days; B: 10 days; unassigned: 30."""
    reseller_a.day_price = Decimal("0.5")
    reseller_a.save()
    _instance(1101000011, reseller_a, datetime(2026, 10, 1, tzinfo=UTC))
    _instance(
        1101000012,
        reseller_a,
        datetime(2026, 11, 10, 20, 0, tzinfo=UTC),  # before the charge of 11 Nov
        datetime(2026, 11, 13, 20, 0, tzinfo=UTC),  # before the charge of 14 Nov
        name="=HYPERLINK(1)",
    )
    _instance(1101000021, reseller_b, datetime(2026, 11, 20, 22, 0, tzinfo=UTC))  # 22 to 30 Nov
    _instance(1101000031, None, datetime(2026, 1, 1, tzinfo=UTC))
    # Times unknown: not counted, shown apart.
    _instance(1101000013, reseller_a, None)


@pytest.mark.usefixtures("november")
def test_admin_sees_every_reseller_with_days_and_amounts(admin: User, settings: Settings) -> None:
    settings.BILLING_DAY_PRICE = None
    response = _client(admin).get("/usage/?month=2026-11")
    assert response.status_code == 200
    report = response.context["report"]
    figures = {
        (line.reseller.name if line.reseller else None): (
            line.instance_days,
            line.not_counted,
            line.amount,
        )
        for line in report.lines
    }
    assert figures == {
        "Reseller A": (33, 1, Decimal("16.50")),
        "Reseller B": (9, 0, None),  # no price of its own, and no default
        None: (30, 0, None),
    }
    assert report.instance_days == 72
    assert report.complete
    html = response.content.decode()
    assert "Unassigned" in html
    assert "16.50" in html
    assert "1 instance could not be counted" in html
    # The page says whose figures these are: the current assignment, not a history.
    assert "assigned to now" in html


@pytest.mark.usefixtures("november")
def test_the_default_price_prices_resellers_without_their_own(
    admin: User, settings: Settings
) -> None:
    settings.BILLING_DAY_PRICE = Decimal("0.3333")
    settings.BILLING_CURRENCY = "EUR"
    rows = _csv(_client(admin).get("/usage/export/?month=2026-11"))
    assert rows == [
        {
            "month": "2026-11",
            "reseller_id": str(Reseller.objects.get(name="Reseller A").pk),
            "reseller": "Reseller A",
            "charges_counted": "30",
            "instance_days": "33",
            "not_counted": "1",
            "day_price": "0.5000",
            "currency": "EUR",
            "amount": "16.50",
        },
        {
            "month": "2026-11",
            "reseller_id": str(Reseller.objects.get(name="Reseller B").pk),
            "reseller": "Reseller B",
            "charges_counted": "30",
            "instance_days": "9",
            "not_counted": "0",
            "day_price": "0.3333",
            "currency": "EUR",
            "amount": "3.00",  # 2.9997, rounded half up once for the line
        },
        {
            "month": "2026-11",
            "reseller_id": "",
            "reseller": "Unassigned",
            "charges_counted": "30",
            "instance_days": "30",
            "not_counted": "0",
            "day_price": "0.3333",
            "currency": "EUR",
            "amount": "10.00",
        },
    ]


@pytest.mark.usefixtures("november")
def test_a_reseller_user_sees_only_its_own_reseller(
    reseller_a_user: User, reseller_b: Reseller
) -> None:
    client = _client(reseller_a_user)
    page = client.get("/usage/?month=2026-11")
    html = page.content.decode()
    assert [line.reseller.name for line in page.context["report"].lines] == ["Reseller A"]
    assert "Reseller B" not in html
    assert "Unassigned" not in html
    assert [row["reseller"] for row in _csv(client.get("/usage/export/?month=2026-11"))] == [
        "Reseller A"
    ]
    assert client.get(f"/usage/resellers/{reseller_b.pk}/?month=2026-11").status_code == 404
    assert client.get(f"/usage/resellers/{reseller_b.pk}/export/").status_code == 404
    assert client.get("/usage/unassigned/").status_code == 404


@pytest.mark.usefixtures("november")
def test_drill_down_lists_each_instance_with_its_billable_days(
    reseller_a_user: User, reseller_a: Reseller
) -> None:
    client = _client(reseller_a_user)
    page = client.get(f"/usage/resellers/{reseller_a.pk}/?month=2026-11")
    assert page.status_code == 200
    days = {u.instance.id_instance: u.billable_days for u in page.context["usages"]}
    assert days == {1101000011: 30, 1101000012: 3, 1101000013: None}
    assert "not counted" in page.content.decode()

    rows = _csv(client.get(f"/usage/resellers/{reseller_a.pk}/export/?month=2026-11"))
    assert [(r["id_instance"], r["billable_days"], r["note"]) for r in rows] == [
        ("1101000011", "30", ""),
        ("1101000012", "3", ""),
        ("1101000013", "", "times unknown: not counted"),
    ]
    # A name that a spreadsheet would run as a formula is written as text.
    assert rows[1]["name"] == "'=HYPERLINK(1)"
    assert rows[1]["time_created_utc"] == "2026-11-10T20:00:00Z"
    assert rows[1]["time_deleted_utc"] == "2026-11-13T20:00:00Z"


@pytest.mark.usefixtures("november")
def test_the_unassigned_drill_down_is_for_staff(admin: User) -> None:
    rows = _csv(_client(admin).get("/usage/unassigned/export/?month=2026-11"))
    assert [(r["reseller"], r["id_instance"], r["billable_days"]) for r in rows] == [
        ("Unassigned", "1101000031", "30")
    ]


@pytest.mark.usefixtures("november")
def test_the_current_month_counts_the_charges_so_far(admin: User) -> None:
    response = _client(admin).get("/usage/")  # December 2026 by default (UTC+3)
    report = response.context["report"]
    assert str(report.month) == "2026-12"
    assert len(report.charges) == 15
    assert not report.complete
    assert "The month is not over" in response.content.decode()
    # The instances alive all along paid each of the 15 charges so far.
    a_line = report.lines[0]
    assert a_line.reseller.name == "Reseller A"
    assert a_line.instance_days == 15


def test_the_default_month_follows_utc_plus_3(admin: User) -> None:
    # 21:30 UTC on 30 November is 00:30 on 1 December in UTC+3: December, one charge so far.
    with time_machine.travel(datetime(2026, 11, 30, 21, 30, tzinfo=UTC), tick=False):
        report = _client(admin).get("/usage/").context["report"]
    assert str(report.month) == "2026-12"
    assert len(report.charges) == 1


def test_a_month_not_started_has_no_charges(admin: User) -> None:
    response = _client(admin).get("/usage/?month=2027-02")
    assert response.status_code == 200
    assert "No charge of February 2027 has happened yet" in response.content.decode()


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "There is no month 13"),
        ("nonsense", "Enter a month as year-month"),
        ("2026-1", "Enter a month as year-month"),
        ("1999-12", "Enter a year between 2000 and 2999"),
        ("9999-01", "Enter a year between 2000 and 2999"),
        ("2026-11-01", "Enter a month as year-month"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/usage/", "/usage/export/", "/usage/unassigned/", "/usage/unassigned/export/"]
)
def test_a_bad_month_gets_a_clear_message_not_an_error(
    admin: User, path: str, month: str, message: str
) -> None:
    response = _client(admin).get(path, {"month": month})
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.usefixtures("november")
def test_a_bad_page_number_shows_a_page(admin: User, reseller_a: Reseller) -> None:
    for page in ("0", "x", "999"):
        response = _client(admin).get(f"/usage/resellers/{reseller_a.pk}/", {"page": page})
        assert response.status_code == 200


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_month_page_costs_the_same_queries_at_any_size(
    admin: User, reseller_a: Reseller, reseller_b: Reseller
) -> None:
    client = _client(admin)
    client.get("/usage/")  # the session's first read, out of the count
    _instance(1101000001, reseller_a, datetime(2026, 10, 1, tzinfo=UTC))
    small = _queries(client, "/usage/?month=2026-11")
    Instance.objects.bulk_create(
        Instance(
            id_instance=1102000000 + n,
            reseller=(reseller_a, reseller_b, None)[n % 3],
            time_created=datetime(2026, 10, 1, tzinfo=UTC),
        )
        for n in range(300)
    )
    # The session and user (2), the resellers (1), the aggregate over the instances (1).
    assert small == _queries(client, "/usage/?month=2026-11") == 4


def test_the_drill_down_reads_one_page_of_instances(admin: User, reseller_a: Reseller) -> None:
    Instance.objects.bulk_create(
        Instance(id_instance=1102000000 + n, reseller=reseller_a, time_created=NOV_1_CHARGE)
        for n in range(250)
    )
    response = _client(admin).get(f"/usage/resellers/{reseller_a.pk}/?month=2026-11&page=3")
    assert len(response.context["usages"]) == 50
    assert response.context["line"].instance_days == 250 * 30


def test_the_navigation_shows_usage_to_those_who_may_see_it(
    admin: User, support: User, reseller_a_user: User
) -> None:
    def has_link(user: User) -> bool:
        return 'href="/usage/"' in _client(user).get("/account/").content.decode()

    assert has_link(admin)
    assert has_link(reseller_a_user)
    assert not has_link(support)


def test_the_chart_is_served_from_our_origin_under_the_csp(admin: User) -> None:
    response = _client(admin).get("/usage/?month=2026-11")
    html = response.content.decode()
    assert '<script id="usage-chart-data" type="application/json">' in html
    assert "/static/vendor/uPlot.iife.min.js" in html
    assert "/static/js/usage_chart.js" in html
    assert "/static/vendor/uPlot.min.css" in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy
    # The table under the chart has the same numbers, one row per charge.
    assert html.count("<td>Sun 1 Nov 2026</td>") == 1
    assert response.context["chart_data"]["labels"] == list(range(1, 31))


def test_admins_edit_the_price_where_resellers_are_edited(
    admin: User, reseller_a: Reseller
) -> None:
    response = _client(admin).post(
        f"/resellers/{reseller_a.pk}/",
        {
            "name": reseller_a.name,
            "contact_email": reseller_a.contact_email,
            "instance_quota": 10,
            "day_price": "0.45",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    reseller_a.refresh_from_db()
    assert reseller_a.day_price == Decimal("0.45")
    event = AuditEvent.objects.filter(action="reseller.update").latest("created_at")
    assert event.detail == "changed: day_price"
    # Empty puts it back on the default; a negative price or too many decimals is refused.
    _client(admin).post(
        f"/resellers/{reseller_a.pk}/",
        {
            "name": reseller_a.name,
            "contact_email": reseller_a.contact_email,
            "instance_quota": 10,
            "day_price": "",
            "is_active": "on",
        },
    )
    reseller_a.refresh_from_db()
    assert reseller_a.day_price is None
    for bad in ("-1", "0.00001", "abc"):
        page = _client(admin).post(
            f"/resellers/{reseller_a.pk}/",
            {
                "name": reseller_a.name,
                "contact_email": reseller_a.contact_email,
                "instance_quota": 10,
                "day_price": bad,
                "is_active": "on",
            },
        )
        assert page.status_code == 200
        assert page.context["form"].errors["day_price"]


def test_prices_show_without_exponents_or_trailing_zeros(
    admin: User, reseller_a: Reseller, settings: Settings
) -> None:
    settings.BILLING_DAY_PRICE = Decimal("10")
    settings.BILLING_CURRENCY = "USD"
    reseller_a.day_price = Decimal("10.0000")
    reseller_a.save()
    html = _client(admin).get("/usage/?month=2026-11").content.decode()
    assert '<td class="num">10</td>' in html
    assert "1E+1" not in html
    form = _client(admin).get(f"/resellers/{reseller_a.pk}/").content.decode()
    assert "(10 USD)" in form
    assert "1E+1" not in form
