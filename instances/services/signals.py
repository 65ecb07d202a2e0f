"""Signals of an instance that says it is linked but does not work (docs/greenapi.md §3.11, §3.15).

getStateInstance can say `authorized` while the messenger's socket is offline, or while messages
pile up in the outgoing queue unsent. Neither shows in the state, so the worker asks each linked
instance's getStatusInstance and showMessagesQueue every SIGNALS_EVERY seconds and keeps since
when the socket has been offline and since when the queue has kept growing; the attention list
(instances/attention.py) raises either once it has lasted a while. Two calls an instance every
few minutes stay far inside their limits (1 a second each, §4.3).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from greenapi import GreenAPIError, RateLimited
from instances.greenapi_factory import instance_client
from instances.models import Instance

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignalsResult:
    checked: int = 0
    failed: int = 0
    rate_limited: bool = False


def signals_check_due(now: datetime | None = None) -> SignalsResult:
    """Ask the linked instances whose signals are due, at most SIGNALS_BATCH of them."""
    now = now or timezone.now()
    due = now - timedelta(seconds=settings.SIGNALS_EVERY)
    candidates = list(
        Instance.objects.filter(deleted=False, state=Instance.State.AUTHORIZED)
        .filter(Q(signals_checked_at__isnull=True) | Q(signals_checked_at__lt=due))
        .order_by(F("signals_checked_at").asc(nulls_first=True), "pk")
        .defer("quota_exceeded", "device_info")[: settings.SIGNALS_BATCH]
    )
    checked = failed = 0
    for instance in candidates:
        # Claimed by moving its check time: a run alongside this one skips it.
        claimed = Instance.objects.filter(
            pk=instance.pk, signals_checked_at=instance.signals_checked_at
        ).update(signals_checked_at=now)
        if not claimed:
            continue
        try:
            signals_check(instance, now=now)
        except RateLimited:
            return SignalsResult(checked, failed + 1, rate_limited=True)
        except GreenAPIError as error:
            logger.info("Signals of instance %s not read: %s", instance.pk, error.message)
            failed += 1
        else:
            checked += 1
    return SignalsResult(checked, failed)


def signals_check(instance: Instance, *, now: datetime) -> None:
    """Read one instance's socket status and queue, and store what they say."""
    client = instance_client(instance)
    online = client.get_status_instance() == "online"
    queued = len(client.show_messages_queue())
    growing = queued > 0 and queued > instance.queue_size
    Instance.objects.filter(pk=instance.pk).update(
        signals_checked_at=now,
        offline_since=None if online else (instance.offline_since or now),
        queue_size=queued,
        # Growing since the first check that saw it grow; a check that sees it shrink or empty
        # ends it. An unchanged non-empty queue keeps its start: nothing is leaving.
        queue_growing_since=(
            (instance.queue_growing_since or now)
            if growing or (queued and queued == instance.queue_size)
            else None
        ),
    )
