"""Settle create orders whose outcome is unknown, from one getInstances answer (the worker)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from greenapi import GreenAPIError, RateLimited
from instances.greenapi_factory import listing_client
from instances.models import CreateOrder
from instances.services.create import (
    ABANDONED_CLAIM,
    open_order_names,
    orders_settle_open,
)
from instances.services.listing_scan import scan_for_orders

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SettleResult:
    waiting: int  # orders that needed settling
    closed: int = 0  # of those, created or failed now
    error: str = ""
    retry_after: float | None = None  # seconds, when Green API asked for a pause


def orders_settle_pending() -> SettleResult:
    """Settle the open orders that wait for Green API; no call at all when none waits."""
    now = timezone.now()
    waiting = (
        CreateOrder.objects.open()
        .filter(
            Q(status=CreateOrder.Status.PENDING)
            | Q(status=CreateOrder.Status.CLAIMED, created_at__lt=now - ABANDONED_CLAIM)
        )
        .count()
    )
    if not waiting:
        return SettleResult(waiting=0)
    try:
        candidates, refusal = scan_for_orders(
            listing_client(), names=open_order_names(), fetched_at=now
        )
    except GreenAPIError as exc:
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        return SettleResult(waiting=waiting, error=exc.message, retry_after=retry_after)
    if refusal:
        return SettleResult(waiting=waiting, error=refusal)
    return SettleResult(waiting=waiting, closed=orders_settle_open(candidates))
