"""Events reach the receiving system: signed, once, in order per instance, retried on schedule
for 24 h, never through a redirect, within 10 s (events/deliver.py, events/targets.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from standardwebhooks.webhooks import WebhookVerificationError

from accounts.models import User
from events import deliver, targets
from events.deliver import retry_delay
from events.models import Endpoint, EventDelivery
from events.services import endpoint_enable, endpoint_rotate, endpoint_send_test
from instances import lifecycle
from instances.models import Instance
from instances.services.state import instance_state_refresh
from tests.events.receiver import Receiver
from tests.events.support import deliveries, endpoint, flip, run, verified
from tests.support.sandbox import SandboxControl

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_a_state_flip_at_the_emulator_reaches_the_receiver_signed_once(
    live: Instance,
    sandbox: SandboxControl,
    receiver: Receiver,
    reseller_a_user: User,
    reseller_b_user: User,
) -> None:
    mine = endpoint(reseller_a_user, receiver.url, [lifecycle.LINKED, lifecycle.STATE_CHANGED])
    # Reseller B's endpoint on the same server (its own path) must hear nothing of A's instance.
    endpoint(reseller_b_user, receiver.url + "-b", [lifecycle.LINKED, lifecycle.STATE_CHANGED])
    assert sandbox.set_state(live.pk, "authorized").status_code == 200

    instance_state_refresh(instance=live)  # the worker's check sees the phone linked
    run()

    received = receiver.wait_for(2)
    assert [request.path for request in received] == ["/hooks", "/hooks"]
    bodies = [verified(mine.secret, request) for request in received]
    assert [body["type"] for body in bodies] == ["instance.state_changed", "instance.linked"]
    for body in bodies:
        assert body["data"]["instance_id"] == live.pk
        assert body["data"]["reseller_id"] == live.reseller_id
        assert (body["data"]["old_state"], body["data"]["new_state"]) == (
            "notAuthorized",
            "authorized",
        )
    assert received[0].headers["webhook-id"] != received[1].headers["webhook-id"]
    # Once: later runs and later checks of the same state send nothing more.
    instance_state_refresh(instance=live)
    run()
    assert len(receiver.requests) == 2
    assert {(d.status, d.attempts) for d in deliveries()} == {("delivered", 1)}


def test_a_failing_receiver_is_retried_on_schedule_and_loses_or_reorders_nothing(
    clock: time_machine.Coordinates, receiver: Receiver, reseller_a_user: User, instance_a: Instance
) -> None:
    hook = endpoint(reseller_a_user, receiver.url, [lifecycle.STATE_CHANGED])
    receiver.script = [500, 503, 500]
    for state in ("authorized", "notAuthorized", "blocked"):
        flip(instance_a, state)

    run()
    assert len(receiver.requests) == 1  # the first event failed; the later two wait behind it
    schedule = []
    for attempt in (1, 2, 3):
        first = EventDelivery.objects.order_by("pk").first()
        assert first is not None
        assert first.next_attempt_at == START + sum(
            (retry_delay(n) for n in range(1, attempt + 1)), timedelta()
        )
        schedule.append(first.next_attempt_at - START)
        clock.move_to(first.next_attempt_at - timedelta(seconds=1))
        run()
        assert len(receiver.requests) == attempt  # not before its time
        clock.move_to(first.next_attempt_at)
        run()

    assert schedule == [timedelta(seconds=30), timedelta(seconds=90), timedelta(seconds=210)]
    received = receiver.wait_for(6)
    assert len(received) == 6
    ids = [request.headers["webhook-id"] for request in received]
    assert len(set(ids[:4])) == 1  # the same event each try: receivers can drop repeats
    assert len(set(ids[3:])) == 3
    states = [verified(hook.secret, request)["data"]["new_state"] for request in received[3:]]
    assert states == ["authorized", "notAuthorized", "blocked"]
    assert [d.status for d in deliveries()] == ["delivered"] * 3


def test_every_delivery_given_up_after_24_hours_disables_the_endpoint_and_tells_its_owner(
    clock: time_machine.Coordinates, receiver: Receiver, reseller_a_user: User, instance_a: Instance
) -> None:
    hook = endpoint(reseller_a_user, receiver.url, [lifecycle.STATE_CHANGED]).endpoint
    receiver.script = [500] * 100
    flip(instance_a, "authorized")
    flip(instance_a, "notAuthorized")
    run()
    while (first := deliveries()[0]).status == "pending":
        clock.move_to(first.next_attempt_at)
        run()

    first = deliveries()[0]
    assert first.status == "failed"
    assert first.last_attempt_at == START + timedelta(hours=24)  # the last try at the deadline
    assert 10 <= first.attempts <= 20
    hook.refresh_from_db()
    assert not hook.enabled
    assert "24 hours" in hook.disabled_reason
    # The second event waits (it is not lost) while the endpoint is disabled.
    assert deliveries()[1].status == "pending"
    assert sorted(message.to[0] for message in mail.outbox) == [
        "a@example.com",  # the reseller's contact
        "reseller-a@example.com",  # who registered the endpoint
    ]
    assert "disabled" in mail.outbox[0].subject
    assert receiver.url in mail.outbox[0].body

    # Enabled again: the waiting event goes, and nothing else is mailed.
    receiver.script = []
    endpoint_enable(user=reseller_a_user, endpoint=hook, enabled=True)
    run()
    assert deliveries()[1].status == "delivered"
    assert len(mail.outbox) == 2


def test_a_redirect_is_not_followed(
    receiver: Receiver, reseller_a_user: User, instance_a: Instance
) -> None:
    endpoint(reseller_a_user, receiver.url, [lifecycle.STATE_CHANGED])
    receiver.redirect_to = receiver.url + "/elsewhere"

    flip(instance_a, "authorized")
    run()

    assert [request.path for request in receiver.requests] == ["/hooks"]
    sent = deliveries()[0]
    assert (sent.status, sent.last_status_code) == ("pending", 302)
    assert "redirect" in sent.last_error


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    receiver: Receiver, reseller_a_user: User, instance_a: Instance, monkeypatch: Any
) -> None:
    assert targets.TIMEOUT_SECONDS == 10
    monkeypatch.setattr(targets, "TIMEOUT_SECONDS", 0.3)
    endpoint(reseller_a_user, receiver.url, [lifecycle.STATE_CHANGED])
    receiver.hold = True

    flip(instance_a, "authorized")
    run()

    sent = deliveries()[0]
    assert (sent.status, sent.attempts, sent.last_status_code) == ("pending", 1, None)
    assert sent.last_error.startswith("No answer within")
    assert sent.next_attempt_at > sent.last_attempt_at


def test_during_a_rotation_both_secrets_sign_and_after_the_grace_only_the_new(
    clock: time_machine.Coordinates, receiver: Receiver, reseller_a_user: User
) -> None:
    created = endpoint(reseller_a_user, receiver.url, [lifecycle.STATE_CHANGED])
    rotated = endpoint_rotate(user=reseller_a_user, endpoint=created.endpoint)
    assert rotated.secret != created.secret

    endpoint_send_test(user=reseller_a_user, endpoint=rotated.endpoint)
    run()
    during = receiver.wait_for(1)[0]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verified(created.secret, during)["type"] == "event.test"
    assert verified(rotated.secret, during)["type"] == "event.test"

    clock.move_to(START + timedelta(hours=24, seconds=1))
    endpoint_send_test(user=reseller_a_user, endpoint=Endpoint.objects.get())
    run()
    after = receiver.wait_for(2)[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert verified(rotated.secret, after)["type"] == "event.test"
    with pytest.raises(WebhookVerificationError):
        verified(created.secret, after)


def test_a_disabled_endpoint_gets_nothing(
    receiver: Receiver, reseller_a_user: User, instance_a: Instance
) -> None:
    hook = endpoint(reseller_a_user, receiver.url, [lifecycle.STATE_CHANGED]).endpoint
    endpoint_enable(user=reseller_a_user, endpoint=hook, enabled=False)
    flip(instance_a, "authorized")
    run()
    assert receiver.requests == []
    assert deliveries() == []


def test_a_delivery_that_breaks_stalls_no_other_endpoint(
    receiver: Receiver, reseller_a_user: User, instance_a: Instance, monkeypatch: Any
) -> None:
    endpoint(reseller_a_user, receiver.url + "-broken", [lifecycle.STATE_CHANGED])
    endpoint(reseller_a_user, receiver.url, [lifecycle.STATE_CHANGED])
    real = deliver.post

    def post(target: targets.Target, body: bytes, headers: dict[str, str]) -> targets.Answer:
        if target.path.endswith("-broken"):
            raise RuntimeError("a bug while sending")
        return real(target, body, headers)

    monkeypatch.setattr(deliver, "post", post)
    flip(instance_a, "authorized")
    run()

    assert [request.path for request in receiver.wait_for(1)] == ["/hooks"]
    broken = EventDelivery.objects.get(endpoint__url__endswith="-broken")
    sent = EventDelivery.objects.exclude(pk=broken.pk).get()
    assert (broken.status, broken.attempts, broken.last_error) == ("pending", 1, "Internal error")
    assert sent.status == "delivered"


def test_ended_deliveries_leave_the_log_after_its_days(
    clock: time_machine.Coordinates,
    receiver: Receiver,
    reseller_a_user: User,
    instance_a: Instance,
    settings: Any,
) -> None:
    endpoint(reseller_a_user, receiver.url, [lifecycle.STATE_CHANGED])
    flip(instance_a, "authorized")
    run()
    assert deliveries()[0].status == "delivered"

    clock.move_to(START + timedelta(days=settings.EVENTS_LOG_DAYS, seconds=-1))
    run()
    assert len(deliveries()) == 1
    clock.move_to(START + timedelta(days=settings.EVENTS_LOG_DAYS, seconds=1))
    receiver.script = [500]
    flip(instance_a, "notAuthorized")
    run()
    assert [d.status for d in deliveries()] == ["pending"]  # waiting ones are never dropped
