"""Helpers for the events tests: an endpoint, a state change, a run of the worker's job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from standardwebhooks import Webhook

from events.jobs import events_run
from events.models import EventDelivery
from events.services import WithSecret, endpoint_create
from instances.models import Instance, StateChange
from instances.services.state import state_record
from tests.events.receiver import Received


def endpoint(user: Any, url: str, kinds: list[str], **options: Any) -> WithSecret:
    return endpoint_create(user=user, url=url, kinds=kinds, **options)


def flip(instance: Instance, state: str, at: datetime | None = None) -> None:
    """A state observed by the worker (the one writer of states, instances/services/state.py)."""
    state_record(instance=instance, state=state, source=StateChange.Source.POLL, at=at)


def run() -> None:
    """One run of the worker's events job, as the worker would start it."""
    assert events_run(force=True) is not None


def verified(secret: str, request: Received) -> Any:
    """The body, once its Standard Webhooks signature checks out with `secret` (else raises)."""
    return Webhook(secret).verify(request.body, request.headers)


def deliveries() -> list[EventDelivery]:
    return list(EventDelivery.objects.order_by("pk"))
