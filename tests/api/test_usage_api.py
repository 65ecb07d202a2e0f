"""The usage API: the usage page's figures for the same month, scoped like the page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from pytest_django.fixtures import Settings

from accounts.models import Reseller, User
from api.models import Scope
from instances.models import Instance
from tests.support.api import ApiClient, api_as

# 15 December 2026, 12:00 UTC: November is over; December has had 15 charges.
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
USAGE = "/api/v1/usage"
PROBLEM = "urn:partnerportal:problem:"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _instance(
    id_instance: int,
    reseller: Reseller | None,
    created: datetime | None,
    deleted_at: datetime | None = None,
) -> Instance:
    return Instance.objects.create(
        id_instance=id_instance,
        name=f"Instance {id_instance}",
        reseller=reseller,
        time_created=created,
        time_deleted=deleted_at,
        deleted=deleted_at is not None,
    )


@pytest.fixture
def november(reseller_a: Reseller, reseller_b: Reseller, settings: Settings) -> None:
    """A: one instance all month (30 days) and one for 3 days, and one not counted;
    B: 9 days, at the default price; unassigned: every day since January."""
    settings.BILLING_DAY_PRICE = Decimal("0.3333")
    settings.BILLING_CURRENCY = "EUR"
    reseller_a.day_price = Decimal("0.5")
    reseller_a.save()
    _instance(1101000011, reseller_a, datetime(2026, 10, 1, tzinfo=UTC))
    _instance(
        1101000012,
        reseller_a,
        datetime(2026, 11, 10, 20, 0, tzinfo=UTC),
        datetime(2026, 11, 13, 20, 0, tzinfo=UTC),
    )
    _instance(1101000013, reseller_a, None)
    _instance(1101000021, reseller_b, datetime(2026, 11, 20, 22, 0, tzinfo=UTC))
    _instance(1101000031, None, datetime(2026, 1, 1, tzinfo=UTC))


def _page_lines(user: User, month: str) -> list[dict[str, Any]]:
    """The usage page's report for the month, as the API would write it."""
    client = Client()
    client.force_login(user)
    response = client.get(f"/usage/?month={month}" if month else "/usage/")
    assert response.status_code == 200
    report = response.context["report"]
    return [
        {
            "reseller_id": line.reseller.pk if line.reseller else None,
            "instance_days": line.instance_days,
            "not_counted": line.not_counted,
            "amount": str(line.amount) if line.amount is not None else None,
        }
        for line in report.lines
    ]


def _api_lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    keys = ("reseller_id", "instance_days", "not_counted", "amount")
    return [{key: line[key] for key in keys} for line in body["lines"]]


@pytest.mark.usefixtures("november")
@pytest.mark.parametrize("month", ["2026-11", "2026-12", "2026-10", ""])
@pytest.mark.parametrize("persona", ["admin", "reseller_a_user", "reseller_b_user"])
def test_the_figures_are_the_usage_pages(
    request: pytest.FixtureRequest, persona: str, month: str
) -> None:
    user: User = request.getfixturevalue(persona)

    response = api_as(user, [Scope.INSTANCES_READ]).get(f"{USAGE}?month={month}")

    assert response.status_code == 200, response.content
    assert _api_lines(response.json()) == _page_lines(user, month)


@pytest.mark.usefixtures("november")
def test_admin_sees_every_reseller_and_the_unassigned_with_prices(
    admin: User, reseller_a: Reseller, reseller_b: Reseller
) -> None:
    body = api_as(admin, [Scope.INSTANCES_READ]).get(f"{USAGE}?month=2026-11").json()

    assert body["month"] == "2026-11"
    assert body["complete"] is True
    assert body["charges"] == 30
    assert body["last_charge"] == "2026-11-30"
    assert body["currency"] == "EUR"
    figures = {
        line["reseller"]: (
            line["instance_days"],
            line["not_counted"],
            line["price"],
            line["amount"],
        )
        for line in body["lines"]
    }
    assert figures == {
        "Reseller A": (33, 1, "0.5", "16.50"),
        "Reseller B": (9, 0, "0.3333", "3.00"),
        None: (30, 0, "0.3333", "10.00"),
    }
    assert [line["reseller_id"] for line in body["lines"]] == [reseller_a.pk, reseller_b.pk, None]
    assert (body["instance_days"], body["not_counted"], body["amount"]) == (72, 1, "29.50")


@pytest.mark.usefixtures("november")
def test_a_resellers_token_sees_its_own_line_only(reseller_b_user: User) -> None:
    body = api_as(reseller_b_user, [Scope.INSTANCES_READ]).get(f"{USAGE}?month=2026-11").json()

    assert [(line["reseller"], line["instance_days"]) for line in body["lines"]] == [
        ("Reseller B", 9)
    ]
    assert body["instance_days"] == 9
    assert body["amount"] == "3.00"


@pytest.mark.usefixtures("november")
def test_the_default_month_is_this_one_so_far(reseller_a_user: User) -> None:
    body = api_as(reseller_a_user, [Scope.INSTANCES_READ]).get(USAGE).json()

    assert body["month"] == "2026-12"
    assert body["complete"] is False
    assert body["charges"] == 15
    assert body["lines"][0]["instance_days"] == 15


@pytest.mark.usefixtures("november")
def test_support_may_not_see_usage(support: User) -> None:
    response = api_as(support, [Scope.INSTANCES_READ]).get(f"{USAGE}?month=2026-11")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM + "forbidden"


@pytest.mark.usefixtures("november")
def test_it_needs_the_read_scope(admin: User) -> None:
    response = api_as(admin, [Scope.ONBOARDING, Scope.INSTANCES_WRITE]).get(USAGE)

    assert response.status_code == 403
    assert response.json()["type"] == PROBLEM + "insufficient-scope"
    assert response.json()["scope"] == "instances:read"
    assert ApiClient(None).get(USAGE).status_code == 401


@pytest.mark.parametrize(
    ("month", "sentence"),
    [
        ("2026-13", "There is no month 13"),
        ("2026-00", "There is no month 00"),
        ("2026-1", "year-month"),
        ("November", "year-month"),
        ("1999-12", "between 2000 and 2999"),
        ("9" * 5000, "at most 16 characters"),
        ("2026-11%00", "Null characters"),
    ],
)
def test_a_bad_month_is_a_422_naming_the_parameter(admin: User, month: str, sentence: str) -> None:
    response = api_as(admin, [Scope.INSTANCES_READ]).get(f"{USAGE}?month={month}")

    assert response.status_code == 422
    body = response.json()
    assert body["type"] == PROBLEM + "validation"
    assert [error["location"] for error in body["errors"]] == ["query.month"]
    assert sentence in body["errors"][0]["message"]


def test_the_month_is_validated_in_english_whatever_the_language_asked(admin: User) -> None:
    response = api_as(admin, [Scope.INSTANCES_READ]).get(
        f"{USAGE}?month=2026-13", headers={"Accept-Language": "ru"}
    )

    assert response.json()["errors"][0]["message"] == "There is no month 13: use 01 to 12."
