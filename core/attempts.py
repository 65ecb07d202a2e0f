"""Attempt counters for lockouts: an attempt is counted before its password or code is checked.

Counting failures after the check lets parallel requests all pass a "fewer than LIMIT so far"
test before any of them is counted. Here one conditional UPDATE counts the attempt, or refuses
it once LIMIT are counted; concurrent claims queue on the row's lock, so at most LIMIT checks
happen per window however many requests arrive at once, in any number of server processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.models import AttemptCounter


@dataclass(frozen=True)
class Claim:
    """One counted attempt: `number` is its place in the count (the limit is the last one)."""

    key: str
    number: int


class AttemptsExhausted(ApplicationError):
    """The limit is already counted against the key; no attempt until `ends_at`."""

    def __init__(self, *, ends_at: datetime) -> None:
        super().__init__(_("Too many attempts. Try again later."))
        self.ends_at = ends_at


def attempt_claim(*, key: str, limit: int, window: timedelta) -> Claim:
    """Count one attempt against `key`, or raise AttemptsExhausted when `limit` are counted.

    A count lapses `window` after the last counted attempt; refused attempts do not extend it.
    """
    now = timezone.now()
    lapsed = Q(last_at__lt=now - window)
    AttemptCounter.objects.get_or_create(key=key, defaults={"last_at": now})
    with transaction.atomic():
        # The UPDATE locks the row until commit, so the count read back is this attempt's.
        counted = AttemptCounter.objects.filter(lapsed | Q(count__lt=limit), key=key).update(
            count=Case(When(lapsed, then=Value(1)), default=F("count") + 1), last_at=now
        )
        counter = AttemptCounter.objects.get(key=key)
    if not counted:
        raise AttemptsExhausted(ends_at=counter.last_at + window)
    return Claim(key=key, number=counter.count)


def attempt_release(claim: Claim) -> None:
    """Take back a claimed attempt that succeeded, where a success does not count."""
    AttemptCounter.objects.filter(key=claim.key, count__gt=0).update(count=F("count") - 1)


def attempts_reset(key: str) -> None:
    """Forget every attempt counted against `key`."""
    AttemptCounter.objects.filter(key=key).update(count=0)


def attempts_locked_until(*, key: str, limit: int, window: timedelta) -> datetime | None:
    """When attempts against `key` are allowed again, if they are refused now."""
    counter = AttemptCounter.objects.filter(
        key=key, count__gte=limit, last_at__gte=timezone.now() - window
    ).first()
    return counter.last_at + window if counter is not None else None
