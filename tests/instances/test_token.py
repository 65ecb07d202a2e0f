"""Revealing an instance's API token: POST only, password again, no-store, audited, nowhere else."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, User
from core.models import AttemptCounter
from instances.models import Instance
from tests.instances.live import logged_in, page_text
from tests.support.parallel import count_password_checks, post_in_parallel, postgres_only
from tests.support.personas import PASSWORD

TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a697887"


@pytest.fixture
def instance(instance_a: Instance) -> Instance:
    instance_a.api_token = TOKEN
    instance_a.save(update_fields=["api_token"])
    return instance_a


def url(instance: Instance) -> str:
    return f"/instances/{instance.pk}/token/"


def test_get_is_refused(reseller_a_user: User, instance: Instance) -> None:
    response = logged_in(reseller_a_user).get(url(instance))

    assert response.status_code == 405
    assert TOKEN not in response.content.decode()


def test_right_password_shows_the_token_uncached_and_audited(
    reseller_a_user: User, instance: Instance
) -> None:
    response = logged_in(reseller_a_user).post(url(instance), {"password": PASSWORD})

    assert response.status_code == 200
    assert TOKEN in response.content.decode()
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control
    event = AuditEvent.objects.get(action="instance.token_reveal")
    assert (event.result, event.actor, event.target_id) == ("ok", reseller_a_user, str(instance.pk))
    assert event.reseller == instance.reseller


def test_wrong_password_is_refused_and_audited(reseller_a_user: User, instance: Instance) -> None:
    response = logged_in(reseller_a_user).post(url(instance), {"password": "not-it"})

    assert response.status_code == 403
    assert TOKEN not in response.content.decode()
    assert "That is not your password" in page_text(response)
    event = AuditEvent.objects.get(action="instance.token_reveal")
    assert (event.result, event.detail) == ("denied", "wrong password")
    assert "no-store" in response["Cache-Control"]


def test_wrong_passwords_lock_reveals_but_not_logins(
    reseller_a_user: User, instance: Instance, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = logged_in(reseller_a_user)
    for _ in range(3):
        assert client.post(url(instance), {"password": "guess"}).status_code == 403

    locked = client.post(url(instance), {"password": PASSWORD})

    assert locked.status_code == 429
    assert TOKEN not in locked.content.decode()
    assert "wrong too many times" in page_text(locked)
    assert AuditEvent.objects.filter(detail="refused: too many wrong passwords").count() == 1
    # Refusals during the lock do not extend it, and logging in still works.
    login = Client().post("/login/", {"username": "reseller-a", "password": PASSWORD})
    assert (login.status_code, login["Location"]) == (302, "/instances/overview/")


def test_lock_ends_after_the_cooloff(
    reseller_a_user: User, instance: Instance, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    client = logged_in(reseller_a_user)
    for _ in range(2):
        client.post(url(instance), {"password": "guess"})

    later = timezone.now() + settings.AXES_COOLOFF_TIME
    with time_machine.travel(later, tick=False):
        client.force_login(reseller_a_user)
        response = client.post(url(instance), {"password": PASSWORD})

    assert response.status_code == 200
    assert TOKEN in response.content.decode()


def test_each_try_is_counted_before_the_password_is_checked(
    reseller_a_user: User, instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = logged_in(reseller_a_user)
    counted_at_check: list[list[int]] = []
    check = User.check_password

    def spy(user: User, raw_password: str) -> bool:
        counted_at_check.append(list(AttemptCounter.objects.values_list("count", flat=True)))
        return check(user, raw_password)

    monkeypatch.setattr(User, "check_password", spy)
    client.post(url(instance), {"password": "guess"})
    client.post(url(instance), {"password": PASSWORD})
    client.post(url(instance), {"password": "guess"})

    # A right password gives its try back: it does not count towards the limit.
    assert counted_at_check == [[1], [2], [2]]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_check_no_more_than_the_limit(
    reseller_a_user: User, instance: Instance, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    clients = [logged_in(reseller_a_user) for _ in range(20)]
    checked = count_password_checks(monkeypatch)

    statuses = post_in_parallel(clients, url(instance), {"password": "guess"})

    assert len(checked) == limit
    assert statuses == [403] * limit + [429] * (20 - limit)
    right = clients[0].post(url(instance), {"password": PASSWORD})
    assert right.status_code == 429
    assert TOKEN not in right.content.decode()
    assert len(checked) == limit
    details = AuditEvent.objects.filter(action="instance.token_reveal").values_list("detail")
    assert Counter(detail for (detail,) in details) == {
        "wrong password": limit,
        "refused: too many wrong passwords": 20 - limit + 1,
    }


def test_token_appears_nowhere_else(
    reseller_a_user: User, admin: User, instance: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = logged_in(reseller_a_user)
    client.post(url(instance), {"password": "wrong"})
    client.post(url(instance), {"password": PASSWORD})

    pages = [
        client.get(f"/instances/{instance.pk}/"),
        logged_in(admin).get(f"/instances/{instance.pk}/"),
        logged_in(admin).get("/audit/"),
    ]

    for page in pages:
        assert page.status_code == 200
        assert TOKEN not in page.content.decode()
    for event in AuditEvent.objects.all():
        assert TOKEN not in f"{event.detail} {event.target_label}"
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"password": ""},
        {"password": "x" * 5000},
        {"password": "pässwörd ☃"},
        {"password": "\x00"},
        {"password": ["a", "b"]},
    ],
)
def test_bad_input_is_a_form_error(
    reseller_a_user: User, instance: Instance, data: dict[str, Any]
) -> None:
    response = logged_in(reseller_a_user).post(url(instance), data)

    assert response.status_code in {200, 403}
    assert TOKEN not in response.content.decode()
    assert 'class="errorlist' in response.content.decode()


def test_support_may_not_reveal(support: User, instance: Instance) -> None:
    response = logged_in(support).post(url(instance), {"password": PASSWORD})

    assert response.status_code == 403
    assert TOKEN not in response.content.decode()
    assert not AuditEvent.objects.filter(action="instance.token_reveal").exists()


def test_other_reseller_gets_404(reseller_b_user: User, instance: Instance) -> None:
    response = logged_in(reseller_b_user).post(url(instance), {"password": PASSWORD})

    assert response.status_code == 404
    assert TOKEN not in response.content.decode()


def test_deleted_instance_keeps_its_token_hidden(reseller_a_user: User, instance: Instance) -> None:
    Instance.objects.filter(pk=instance.pk).update(deleted=True)

    response = logged_in(reseller_a_user).post(url(instance), {"password": PASSWORD})

    assert response.status_code == 409
    assert TOKEN not in response.content.decode()
