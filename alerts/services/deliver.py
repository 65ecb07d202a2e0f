"""Send the deliveries that are due: claimed first, so two workers never send one twice.

A run claims due deliveries with one conditional UPDATE that stamps them with its own token;
only rows still pending (or whose claim ran out: a killed run) match, so each row goes to one
run. Instant deliveries go one e-mail each; due digest deliveries go one e-mail per address.
A failed send is tried again after a pause that doubles each time, and given up after
MAX_ATTEMPTS, its last error kept on the row.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import F, Q
from django.utils import timezone

from alerts.mail import alert_message, digest_message, recipient_language
from alerts.models import Delivery

logger = logging.getLogger(__name__)

BATCH = 200
# A claimed delivery not finished by then was claimed by a run that died: it may go again.
CLAIM_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed try: doubling from ALERT_RETRY_BASE, capped."""
    base = timedelta(seconds=settings.ALERT_RETRY_BASE)
    return min(base * (1 << min(attempts - 1, 20)), timedelta(seconds=settings.ALERT_RETRY_MAX))


def _due(now: datetime) -> Q:
    return Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Delivery.Status.SENDING, claimed_until__lt=now
    )


def deliveries_claim(*, now: datetime) -> list[Delivery]:
    """Take up to BATCH due deliveries for this run; rows another run took are not among them."""
    ids = list(
        Delivery.objects.filter(_due(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    if not ids:
        return []
    token = secrets.token_hex(16)
    Delivery.objects.filter(_due(now), pk__in=ids).update(
        status=Delivery.Status.SENDING,
        claim=token,
        claimed_until=now + CLAIM_FOR,
        attempts=F("attempts") + 1,
    )
    return list(
        Delivery.objects.filter(claim=token, status=Delivery.Status.SENDING).select_related(
            "alert", "alert__instance", "alert__reseller", "user"
        )
    )


def deliveries_send(*, now: datetime | None = None) -> SendResult:
    """Send what is due now; returns how many were sent, will be retried, or gave up."""
    now = now or timezone.now()
    claimed = deliveries_claim(now=now)
    if not claimed:
        return SendResult()
    groups: list[list[Delivery]] = [[d] for d in claimed if not d.digest]
    digests: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in claimed:
        if delivery.digest:
            digests[delivery.email].append(delivery)
    groups.extend(digests.values())
    totals = {"sent": 0, "retrying": 0, "failed": 0}
    with get_connection() as connection:
        for group in groups:
            outcome = _send(group, connection=connection, now=now)
            totals[outcome] += len(group)
    return SendResult(**totals)


def _message(group: Sequence[Delivery]) -> EmailMessage:
    to = group[0].email
    # In the recipient's language: a user's own, else (a contact address too) the default.
    language = recipient_language(group[0].user)
    if group[0].digest:
        return digest_message([d.alert for d in group], to=to, language=language)
    contact = group[0].audience == Delivery.Audience.CONTACT
    return alert_message(group[0].alert, to=to, contact=contact, language=language)


def _send(group: Sequence[Delivery], *, connection: BaseEmailBackend, now: datetime) -> str:
    """Send one e-mail for `group` and record the outcome on each of its rows."""
    ids = [d.pk for d in group]
    mine = Delivery.objects.filter(pk__in=ids, claim=group[0].claim)
    try:
        message = _message(group)
        message.connection = connection
        message.send()
    except Exception as exc:  # SMTP refusals, a dead server, a template error: all retried
        error = f"{type(exc).__name__}: {exc}"[:255]
        attempts = max(d.attempts for d in group)
        if attempts >= settings.ALERT_MAX_ATTEMPTS:
            mine.update(status=Delivery.Status.FAILED, last_error=error, claimed_until=None)
            logger.warning("Alert e-mail to delivery %s failed for good: %s", ids, error)
            return "failed"
        mine.update(
            status=Delivery.Status.PENDING,
            last_error=error,
            claimed_until=None,
            next_attempt_at=now + retry_delay(attempts),
        )
        logger.warning("Alert e-mail for deliveries %s failed (try %s): %s", ids, attempts, error)
        return "retrying"
    mine.update(status=Delivery.Status.SENT, sent_at=timezone.now(), claimed_until=None)
    return "sent"
