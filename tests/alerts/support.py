"""Helpers for the alert tests: move an emulator instance, run the job, read the outbox."""

from __future__ import annotations

from datetime import datetime

from django.core import mail

from accounts.models import User
from alerts.models import AlertPreference
from alerts.services.deliver import deliveries_send
from alerts.services.detect import alerts_detect
from instances.models import Instance
from instances.services.actions import instance_state_check
from tests.support.sandbox import SandboxControl


def checked(instance: Instance, sandbox: SandboxControl, state: str) -> None:
    """The emulator's instance goes to `state`, and the portal checks it (as the worker does)."""
    sandbox.set_state(instance.pk, state).raise_for_status()
    instance_state_check(instance=instance)


def alerts_pass(now: datetime | None = None) -> None:
    """One pass of the alert job's work: find transitions, send what is due."""
    alerts_detect(now=now)
    deliveries_send(now=now)


def opt_in(user: User, **settings: object) -> AlertPreference:
    mode = AlertPreference.Mode.DIGEST if user.is_staff_role else AlertPreference.Mode.INSTANT
    return AlertPreference.objects.create(user=user, **{"enabled": True, "mode": mode, **settings})


def sent_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]
