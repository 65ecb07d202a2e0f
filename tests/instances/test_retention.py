"""The expire job forgets what must not be kept, and only that."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from core.models import AttemptCounter
from instances.jobs import EXPIRE, job_run
from instances.models import Instance, OnboardingLink
from instances.services.retention import data_expire

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def link(instance: Instance, tag: str, **times: Any) -> OnboardingLink:
    now = timezone.now()
    fields = {"created_at": now - 60 * DAY, "expires_at": now + DAY} | times
    return OnboardingLink.objects.create(instance=instance, token_hash=tag * 64, **fields)


def test_ended_customer_links_are_deleted_after_the_retention_time(settings: Any) -> None:
    settings.CUSTOMER_LINK_RETENTION_DAYS = 30
    instance = Instance.objects.create(id_instance=1101000001, name="Shop")
    now = timezone.now()
    active = link(instance, "a")
    expired_long_ago = link(instance, "b", expires_at=now - 31 * DAY)
    expired_lately = link(instance, "c", expires_at=now - 29 * DAY)
    revoked_long_ago = link(instance, "d", revoked_at=now - 31 * DAY)
    used_long_ago = link(instance, "e", used_at=now - 31 * DAY)
    used_lately = link(instance, "f", used_at=now - 2 * DAY)

    result = data_expire()

    assert result.links == 3
    kept = set(OnboardingLink.objects.values_list("pk", flat=True))
    assert kept == {active.pk, expired_lately.pk, used_lately.pk}
    assert not kept & {expired_long_ago.pk, revoked_long_ago.pk, used_long_ago.pk}


def test_expired_sessions_lapsed_counters_and_old_login_failures_are_deleted(
    settings: Any,
) -> None:
    now = timezone.now()
    live = SessionStore()
    live["who"] = "someone"
    live.create()
    dead = SessionStore()
    dead.create()
    Session.objects.filter(session_key=dead.session_key).update(expire_date=now - DAY)
    AttemptCounter.objects.create(key="login:old:1.2.3.4", count=2, last_at=now - 2 * DAY)
    AttemptCounter.objects.create(key="login:new:1.2.3.4", count=2, last_at=now)
    old = AccessAttempt.objects.create(
        username="old", ip_address="1.2.3.4", failures_since_start=3, get_data="", post_data=""
    )
    AccessAttempt.objects.filter(pk=old.pk).update(
        attempt_time=now - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    AccessAttempt.objects.create(
        username="new", ip_address="1.2.3.4", failures_since_start=1, get_data="", post_data=""
    )

    result = data_expire()

    assert (result.sessions, result.attempt_counters, result.login_failures) == (1, 1, 1)
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert list(AttemptCounter.objects.values_list("key", flat=True)) == ["login:new:1.2.3.4"]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["new"]
    assert data_expire().total == 0  # idempotent


def test_the_expire_job_and_its_command_say_what_they_deleted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    instance = Instance.objects.create(id_instance=1101000001, name="Shop")
    link(instance, "a", expires_at=timezone.now() - 90 * DAY)

    call_command("expire_data")
    outcome = job_run(EXPIRE)  # not due again for an hour

    assert "Expire: deleted 1 ended customer links, 0 expired sessions" in capsys.readouterr().out
    assert outcome is None
