"""The lifecycle's listener: one outbox row per endpoint that wants the event.

It runs inside the transaction that records the change (instances/lifecycle.py), so the rows
are committed with it or not at all: an event is never lost to a worker that dies, and never
sent for a change rolled back. The worker sends them (events/deliver.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from events.models import Endpoint, EventDelivery
from events.payloads import event_body
from instances.lifecycle import lifecycle_event


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def retry_window() -> timedelta:
    return timedelta(seconds=settings.EVENTS_RETRY_FOR)


@receiver(lifecycle_event, dispatch_uid="events.outbox")
def outbox_write(
    sender: Any,
    *,
    kind: str,
    id_instance: int | None,
    reseller_id: int | None,
    old_state: str,
    new_state: str,
    at: datetime,
    extra: dict[str, object],
    **kwargs: Any,
) -> None:
    """Queue the event for every enabled endpoint of its reseller (or the partner's) that
    chose its kind."""
    owners = Q(reseller__isnull=True)
    if reseller_id is not None:
        owners |= Q(reseller_id=reseller_id, reseller__is_active=True)
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(owners, enabled=True).only("pk", "kinds")
        if kind in endpoint.kinds
    ]
    if not endpoints:
        return
    event_id = new_event_id()
    body = event_body(
        kind=kind,
        at=at,
        id_instance=id_instance,
        reseller_id=reseller_id,
        old_state=old_state,
        new_state=new_state,
        extra=extra,
    )
    key = f"instance:{id_instance}" if id_instance is not None else f"event:{event_id}"
    now = timezone.now()
    EventDelivery.objects.bulk_create(
        EventDelivery(
            endpoint=endpoint,
            event_id=event_id,
            kind=kind,
            id_instance=id_instance,
            ordering_key=key,
            body=body,
            next_attempt_at=now,
            give_up_at=now + retry_window(),
        )
        for endpoint in endpoints
    )
