"""The worker's part: send what is due, one instance's events in order, retry, give up.

A delivery is due when its time has come and no earlier delivery of the same endpoint and
ordering key (one instance, usually) is still waiting: a later event waits until the earlier
one is delivered or given up. A failure (no answer within 10 s, a refused connection, any
answer but a 2xx, a redirect included) is tried again after EVENTS_RETRY_BASE seconds, doubling
up to EVENTS_RETRY_MAX, until EVENTS_RETRY_FOR (24 h) after the event; then it is given up, and
its endpoint, which has failed for that long, is disabled and its owner told by e-mail.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from events.mail import endpoint_disabled_mail
from events.models import Endpoint, EventDelivery
from events.signing import signed_headers
from events.targets import Answer, TargetRefused, post, url_check

logger = logging.getLogger(__name__)

# Kept in English on the row and translated when shown (templates/events/endpoint.html).
GAVE_UP = gettext_noop("Disabled: its events could not be delivered for 24 hours.")


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed try: doubling from the base, up to the max."""
    base, most = settings.EVENTS_RETRY_BASE, settings.EVENTS_RETRY_MAX
    return timedelta(seconds=min(base * (1 << min(max(attempts - 1, 0), 30)), most))


def due_heads() -> QuerySet[EventDelivery]:
    """Deliveries to try now: due, of an enabled endpoint, with nothing earlier waiting ahead."""
    earlier = EventDelivery.objects.filter(
        endpoint=OuterRef("endpoint"),
        ordering_key=OuterRef("ordering_key"),
        status=EventDelivery.Status.PENDING,
        pk__lt=OuterRef("pk"),
    )
    return (
        EventDelivery.objects.filter(
            status=EventDelivery.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
            endpoint__enabled=True,
        )
        .exclude(Exists(earlier))
        .select_related("endpoint")
        .order_by("pk")
    )


def deliveries_send(*, budget: timedelta | None = None) -> SendResult:
    """Send the due deliveries, round after round, for at most `budget` (EVENTS_RUN_BUDGET)."""
    budget = budget or timedelta(seconds=settings.EVENTS_RUN_BUDGET)
    ends = time.monotonic() + budget.total_seconds()
    sent = retrying = failed = 0
    while time.monotonic() < ends:
        heads = list(due_heads()[: settings.EVENTS_BATCH])
        if not heads:
            break
        for delivery in heads:
            try:
                status = delivery_attempt(delivery)
            except Exception:
                # A bug must not stall every endpoint behind this delivery: it waits its turn.
                logger.exception("Event delivery %s stopped with an internal error", delivery.pk)
                status = _postpone(delivery)
            sent += status == EventDelivery.Status.DELIVERED
            failed += status == EventDelivery.Status.FAILED
            retrying += status == EventDelivery.Status.PENDING
            if time.monotonic() >= ends:
                break
    return SendResult(sent=sent, retrying=retrying, failed=failed)


def delivery_attempt(delivery: EventDelivery) -> str:
    """One try of one delivery, recorded; returns its status after it."""
    endpoint = delivery.endpoint
    now = timezone.now()
    try:
        target = url_check(endpoint.url)  # again at every try: DNS may have changed
    except TargetRefused as refused:
        answer = Answer(None, 0, refused.message)
    else:
        headers = signed_headers(
            event_id=delivery.event_id,
            body=delivery.body,
            secrets_now=endpoint.secrets_now(),
            at=now,
        )
        answer = post(target, delivery.body.encode(), headers)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = answer.status
    delivery.latency_ms = answer.latency_ms
    delivery.last_error = answer.error[:300]
    if not answer.error:
        delivery.status = EventDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
    elif now >= delivery.give_up_at:
        delivery.status = EventDelivery.Status.FAILED
    else:
        delivery.next_attempt_at = min(now + retry_delay(delivery.attempts), delivery.give_up_at)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "latency_ms",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    if delivery.status == EventDelivery.Status.FAILED:
        logger.warning(
            "Event %s to endpoint %s given up after %s tries: %s",
            delivery.event_id,
            endpoint.pk,
            delivery.attempts,
            delivery.last_error,
        )
        endpoint_give_up(endpoint)
    return delivery.status


def _postpone(delivery: EventDelivery) -> str:
    attempts = delivery.attempts + 1
    EventDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        last_error="Internal error",
        next_attempt_at=timezone.now() + retry_delay(attempts),
    )
    return EventDelivery.Status.PENDING


def deliveries_expire() -> int:
    """Delete the log's delivered and given-up rows older than EVENTS_LOG_DAYS, a batch a run."""
    cutoff = timezone.now() - timedelta(days=settings.EVENTS_LOG_DAYS)
    ended = EventDelivery.objects.filter(
        status__in=[EventDelivery.Status.DELIVERED, EventDelivery.Status.FAILED],
        next_attempt_at__lt=cutoff,  # its last scheduled try: indexed with the status
    )
    batch = list(ended.values_list("pk", flat=True)[:1000])
    return EventDelivery.objects.filter(pk__in=batch).delete()[0] if batch else 0


def endpoint_give_up(endpoint: Endpoint) -> None:
    """Disable an endpoint that failed for the whole retry window, and tell its owner once."""
    with transaction.atomic():
        disabled = Endpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
            enabled=False, disabled_reason=GAVE_UP, disabled_at=timezone.now()
        )
    if not disabled:
        return
    endpoint.refresh_from_db()
    try:
        endpoint_disabled_mail(endpoint)
    except Exception:
        # The endpoint stays disabled and says why on its page; the mail is a courtesy.
        logger.exception("Could not e-mail the owner of disabled endpoint %s", endpoint.pk)
