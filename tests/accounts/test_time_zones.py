"""Times in each user's time zone (default: the partner's), labelled with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from instances.models import Instance

CREATED = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def instance(reseller_a_user: User) -> Instance:
    return Instance.objects.create(
        id_instance=1101000777,
        name="Bakery",
        reseller=reseller_a_user.reseller,
        time_created=CREATED,
    )


def page_of(user: User, path: str) -> str:
    client = Client()
    client.force_login(user)
    return client.get(path).content.decode()


@pytest.mark.django_db
def test_times_show_in_the_users_own_zone_with_its_label(
    reseller_a_user: User, instance: Instance
) -> None:
    reseller_a_user.time_zone = "Europe/Moscow"
    reseller_a_user.save()

    page = page_of(reseller_a_user, f"/instances/{instance.pk}/")

    assert "2026-07-01 12:30 MSK" in page
    assert "09:30" not in page


@pytest.mark.django_db
def test_without_a_zone_of_their_own_users_see_the_partners(
    settings: Any, reseller_a_user: User, instance: Instance
) -> None:
    settings.PARTNER_TIME_ZONE = "Asia/Tokyo"

    page = page_of(reseller_a_user, f"/instances/{instance.pk}/")

    assert "2026-07-01 18:30 JST" in page


@pytest.mark.django_db
def test_the_list_shows_times_in_the_users_zone(reseller_a_user: User, instance: Instance) -> None:
    reseller_a_user.time_zone = "Asia/Tokyo"
    reseller_a_user.save()

    page = page_of(reseller_a_user, "/instances/")

    assert "2026-07-01 18:30" in page


@pytest.mark.django_db
def test_a_user_chooses_a_zone_on_the_account_page(reseller_a_user: User) -> None:
    client = Client()
    client.force_login(reseller_a_user)

    saved = client.post("/account/time-zone/", {"time_zone": "America/Sao_Paulo"})
    refused = client.post("/account/time-zone/", {"time_zone": "Mars/Olympus"})

    assert saved.status_code == 302
    reseller_a_user.refresh_from_db()
    assert reseller_a_user.time_zone == "America/Sao_Paulo"
    assert refused.status_code == 200
    assert "Choose a time zone from the list" in refused.content.decode()
    reseller_a_user.refresh_from_db()
    assert reseller_a_user.time_zone == "America/Sao_Paulo"


@pytest.mark.django_db
def test_the_partners_zone_is_a_choice_too(reseller_a_user: User) -> None:
    client = Client()
    client.force_login(reseller_a_user)
    client.post("/account/time-zone/", {"time_zone": "Europe/Moscow"})

    client.post("/account/time-zone/", {"time_zone": ""})

    reseller_a_user.refresh_from_db()
    assert reseller_a_user.time_zone == ""
    assert "The partner&#39;s (UTC)" in client.get("/account/time-zone/").content.decode()
    assert "Times show in the partner&#x27;s (UTC)" in client.get("/account/").content.decode()


@pytest.mark.django_db
def test_the_lists_state_times_are_in_the_users_zone(
    reseller_a_user: User, instance: Instance
) -> None:
    reseller_a_user.time_zone = "Asia/Tokyo"
    reseller_a_user.save()
    Instance.objects.filter(pk=instance.pk).update(
        state="authorized",
        state_changed_at=CREATED,
        state_checked_at=CREATED.replace(second=5),
        state_source="webhook",
    )

    page = page_of(reseller_a_user, "/instances/")

    assert 'title="2026-07-01 18:30 JST"' in page  # when the state changed
    assert "Last confirmed 2026-07-01 18:30:05 JST (" in page  # when it was last confirmed
