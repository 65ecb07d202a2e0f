"""'Looks connected but isn't': a linked instance whose socket is offline or whose queue grows."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from greenapi.messages import personal_chat_id
from instances.attention import SIGNAL_AFTER, Kind, attention_for
from instances.greenapi_factory import instance_client
from instances.jobs import SIGNALS, job_run
from instances.models import Instance
from instances.services.actions import instance_state_check
from instances.services.signals import signals_check_due
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


def linked(live: Instance, sandbox: SandboxControl) -> Instance:
    sandbox.set_state(live.pk, "authorized").raise_for_status()
    instance_state_check(instance=live)
    return live


def signal_kinds(user: User) -> list[str]:
    return [
        item.kind
        for item in attention_for(user).open_items
        if item.kind in (Kind.OFFLINE, Kind.QUEUE_GROWING)
    ]


def test_linked_but_offline_needs_attention_after_a_while(
    live: Instance, sandbox: SandboxControl, admin: User
) -> None:
    linked(live, sandbox)
    sandbox.set_outgoing(live.pk, statusInstance="offline")

    job_run(SIGNALS, force=True)

    live.refresh_from_db()
    assert live.offline_since is not None
    assert signal_kinds(admin) == []  # a moment offline is nothing yet
    later = timezone.now() + SIGNAL_AFTER + timedelta(minutes=1)
    with time_machine.travel(later):
        assert signal_kinds(admin) == [Kind.OFFLINE]
        sandbox.set_outgoing(live.pk, statusInstance="online")
        signals_check_due(now=later + timedelta(hours=1))
        assert signal_kinds(admin) == []


def test_a_queue_that_keeps_growing_needs_attention(
    live: Instance, sandbox: SandboxControl, admin: User
) -> None:
    linked(live, sandbox)
    sandbox.set_outgoing(live.pk, queueStalled=True)
    client = instance_client(live)
    chat = personal_chat_id("79001234567")
    client.send_message(chat, "one")
    start = timezone.now()

    signals_check_due(now=start)
    client.send_message(chat, "two")
    signals_check_due(now=start + timedelta(minutes=6))

    live.refresh_from_db()
    assert live.queue_size == 2
    assert live.queue_growing_since is not None
    with time_machine.travel(start + timedelta(minutes=6) + SIGNAL_AFTER + timedelta(minutes=1)):
        assert signal_kinds(admin) == [Kind.QUEUE_GROWING]
    sandbox.set_outgoing(live.pk, queueStalled=False)
    client.send_message(chat, "three")  # the queue moves again
    signals_check_due(now=start + timedelta(minutes=12))
    live.refresh_from_db()
    assert (live.queue_size, live.queue_growing_since) == (0, None)


def test_only_linked_instances_are_asked(live: Instance, sandbox: SandboxControl) -> None:
    sandbox.reset_calls()

    result = signals_check_due()

    assert result.checked == 0  # live is not linked: nothing to ask
    assert "getStatusInstance" not in sandbox.calls()
