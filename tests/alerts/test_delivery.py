"""Sending: quiet hours, the digest, retries with backoff, never twice with two workers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import Reseller, User
from alerts.models import Delivery
from alerts.schedule import next_digest_at, quiet_until, zone
from alerts.services.deliver import deliveries_claim, deliveries_send
from alerts.services.detect import alerts_detect
from instances.models import Instance
from tests.alerts.support import alerts_pass, checked, opt_in, sent_to
from tests.support.onboarding import make_instance
from tests.support.parallel import postgres_only
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")

LOCMEM_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def lost(instance: Instance, sandbox: SandboxControl) -> None:
    checked(instance, sandbox, "authorized")
    checked(instance, sandbox, "notAuthorized")


def test_an_alert_in_quiet_hours_waits_until_they_end(
    live: Instance, sandbox: SandboxControl, reseller_a_user: User
) -> None:
    now = timezone.now()
    # Quiet from an hour ago to an hour from now, in Moscow's time (UTC+3, no daylight saving).
    moscow = zone("Europe/Moscow")
    start = (now - timedelta(hours=1)).astimezone(moscow).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=1)).astimezone(moscow).time().replace(second=0, microsecond=0)
    opt_in(reseller_a_user, quiet_start=start, quiet_end=end, time_zone="Europe/Moscow")

    lost(live, sandbox)
    alerts_pass()
    assert sent_to("a@example.com")  # the contact address has no quiet hours
    assert sent_to(reseller_a_user.email) == []

    deliveries_send(now=now + timedelta(minutes=55))
    assert sent_to(reseller_a_user.email) == []
    deliveries_send(now=now + timedelta(hours=1, minutes=1))
    assert len(sent_to(reseller_a_user.email)) == 1


def test_staff_get_one_daily_digest_of_every_reseller(
    live: Instance, sandbox: SandboxControl, reseller_b: Reseller, admin: User, support: User
) -> None:
    opt_in(admin)  # staff: a digest unless they choose otherwise
    other = make_instance(reseller_b, name="Florist")
    lost(live, sandbox)
    lost(other, sandbox)
    checked(live, sandbox, "authorized")
    alerts_pass()
    assert sent_to(admin.email) == []
    assert sent_to(support.email) == []  # did not opt in

    digest_at = next_digest_at(timezone.now(), tz=zone("UTC"))
    deliveries_send(now=digest_at + timedelta(seconds=1))
    deliveries_send(now=digest_at + timedelta(minutes=1))

    [digest] = sent_to(admin.email)
    assert "3 alerts" in digest.subject
    assert "Reseller A" in digest.body
    assert "Reseller B" in digest.body
    assert "back to normal" in digest.body
    assert Delivery.objects.filter(digest=True, status=Delivery.Status.SENT).count() == 3


def test_a_failed_send_is_retried_with_backoff_then_given_up(
    live: Instance, sandbox: SandboxControl, settings: object
) -> None:
    settings.ALERT_RETRY_BASE, settings.ALERT_MAX_ATTEMPTS = 60, 3  # type: ignore[attr-defined]
    lost(live, sandbox)
    now = timezone.now()
    alerts_detect(now=now)

    with mock.patch(
        LOCMEM_SEND, side_effect=SMTPServerDisconnected("Connection unexpectedly closed")
    ):
        deliveries_send(now=now)
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
        assert delivery.next_attempt_at == now + timedelta(seconds=60)
        assert "SMTPServerDisconnected: Connection unexpectedly closed" in delivery.last_error

        deliveries_send(now=now + timedelta(seconds=59))  # not yet due: no try
        assert Delivery.objects.get().attempts == 1
        deliveries_send(now=now + timedelta(seconds=60))
        delivery = Delivery.objects.get()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at == now + timedelta(seconds=60 + 120)  # doubled

    deliveries_send(now=now + timedelta(seconds=180))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 3)
    assert len(mail.outbox) == 1


def test_a_send_that_keeps_failing_is_marked_failed(
    live: Instance, sandbox: SandboxControl, settings: object
) -> None:
    settings.ALERT_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    lost(live, sandbox)
    now = timezone.now()
    alerts_detect(now=now)
    with mock.patch(LOCMEM_SEND, side_effect=OSError("Connection refused")):
        for minutes in range(0, 240, 30):
            deliveries_send(now=now + timedelta(minutes=minutes))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 2)
    assert mail.outbox == []


def test_a_claimed_delivery_is_not_claimed_again(live: Instance, sandbox: SandboxControl) -> None:
    lost(live, sandbox)
    now = timezone.now()
    alerts_detect(now=now)

    assert len(deliveries_claim(now=now)) == 1
    assert deliveries_claim(now=now) == []
    # A run that died holding it: its claim runs out, and another run sends it.
    assert len(deliveries_claim(now=now + timedelta(minutes=6))) == 1


@postgres_only
def test_two_workers_at_once_send_one_e_mail_per_transition(
    live: Instance, sandbox: SandboxControl, reseller_a_user: User
) -> None:
    opt_in(reseller_a_user)
    lost(live, sandbox)
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(3):
                alerts_pass()
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(["a@example.com", reseller_a_user.email])
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 2


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("21:59", None),
        ("22:00", datetime(2026, 3, 2, 7, 0)),
        ("23:30", datetime(2026, 3, 2, 7, 0)),
        ("06:59", datetime(2026, 3, 1, 7, 0)),
        ("07:00", None),
    ],
)
def test_quiet_hours_over_midnight(at: str, expected: datetime | None) -> None:
    hour, minute = map(int, at.split(":"))
    now = datetime(2026, 3, 1, hour, minute, tzinfo=UTC)
    until = quiet_until(now, start=time(22), end=time(7), tz=zone("UTC"))
    assert until == (expected.replace(tzinfo=UTC) if expected else None)


def test_an_unknown_time_zone_is_read_as_utc() -> None:
    assert zone("Mars/Olympus") == zone("UTC")
