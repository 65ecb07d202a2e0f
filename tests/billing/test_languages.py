"""The usage pages in Russian: month names and dates through Django, numbers in the language's
format; the CSV exports stay English and ISO, for the machines that read them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from accounts.models import Reseller, User
from instances.models import Instance
from tests.support.pages import page_text

# 15 December 2026: November is over; December has had 15 charges.
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _client(user: User, language: str) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def november(reseller_a: Reseller) -> None:
    reseller_a.day_price = Decimal("0.45")
    reseller_a.save()
    Instance.objects.create(
        id_instance=1101000011,
        name="Bakery",
        reseller=reseller_a,
        time_created=datetime(2026, 10, 1, tzinfo=UTC),
    )
    Instance.objects.create(id_instance=1101000013, name="Unknown", reseller=reseller_a)


@pytest.mark.usefixtures("november")
def test_the_usage_page_in_russian(admin: User) -> None:
    response = _client(admin, "ru").get("/usage/?month=2026-11")
    text = page_text(response)

    assert "Использование и оплата: Ноябрь 2026 г." in text  # noqa: RUF001
    # The previous month's link; the first charge, its weekday and month named by Django.
    assert "Октябрь 2026 г." in text  # noqa: RUF001
    assert "Оплачиваемые инстансы по дням" in text
    assert "Вс, 1 ноября 2026" in text  # noqa: RUF001
    assert "1 инстанс не удалось учесть" in text
    assert "13,50" in text  # 30 instance-days at 0,45
    assert "0,45" in text
    assert "Usage and billing" not in text
    assert "Billable" not in text


def test_a_month_not_started_in_russian(admin: User) -> None:
    text = page_text(_client(admin, "ru").get("/usage/?month=2027-02"))
    wanted = "Февраль 2027 г.: списаний ещё не было, первое — 1 февраля 2027 в 00:00 UTC+3."  # noqa: RUF001
    assert wanted in text


def test_the_month_not_over_in_russian(admin: User) -> None:
    text = page_text(_client(admin, "ru").get("/usage/?month=2026-12"))
    assert "прошло списаний — 15 из 31, последнее — 15 декабря в 00:00 UTC+3" in text


def test_a_bad_month_is_explained_in_russian(admin: User) -> None:
    response = _client(admin, "ru").get("/usage/", {"month": "2026-13"})
    assert response.status_code == 400
    assert "Месяца 13 не существует: используйте числа от 01 до 12." in page_text(response)


@pytest.mark.usefixtures("november")
def test_the_drilldown_in_russian(admin: User, reseller_a: Reseller) -> None:
    text = page_text(_client(admin, "ru").get(f"/usage/resellers/{reseller_a.pk}/?month=2026-11"))
    assert "Reseller A: Ноябрь 2026 г." in text  # noqa: RUF001
    assert "Оплачиваемые дни" in text
    assert "не учтён" in text


@pytest.mark.usefixtures("november")
def test_the_csv_stays_english_and_iso_in_russian(admin: User, reseller_a: Reseller) -> None:
    client = _client(admin, "ru")
    month = client.get("/usage/export/?month=2026-11")
    body = b"".join(month.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert body.startswith("month,reseller_id,reseller,")
    assert {row["reseller"] for row in rows} == {"Reseller A", "Unassigned"}
    assert rows[0]["month"] == "2026-11"
    assert rows[0]["day_price"] == "0.4500"  # a point, not a comma

    drill = client.get(f"/usage/resellers/{reseller_a.pk}/export/?month=2026-11")
    body = b"".join(drill.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["time_created_utc"] == "2026-10-01T00:00:00Z"
    assert rows[1]["note"] == "times unknown: not counted"
    assert rows[1]["deleted"] == "no"


@pytest.mark.usefixtures("november")
def test_the_english_page_is_unchanged(admin: User) -> None:
    text = page_text(_client(admin, "en").get("/usage/?month=2026-11"))
    assert "Usage and billing: November 2026" in text
    assert "Sun 1 Nov 2026" in text
    assert "1 instance could not be counted" in text
