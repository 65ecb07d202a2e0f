"""Forget what must not be kept: ended customer links, expired sessions, lapsed login counters.

Each is personal or security data whose use is over: a customer link's row after
CUSTOMER_LINK_RETENTION_DAYS (the audit trail keeps its story), a session after it expired, a
failed-login counter or record (a username and an IP address) once its cool-off is long over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone

from core.models import AttemptCounter
from instances.models import OnboardingLink

# Attempt counters are kept this long after their last attempt, even when their window is
# shorter: a counter deleted while a login claims it would refuse that login.
ATTEMPT_COUNTER_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class ExpireResult:
    links: int
    sessions: int
    attempt_counters: int
    login_failures: int

    @property
    def total(self) -> int:
        return self.links + self.sessions + self.attempt_counters + self.login_failures


def data_expire(*, now: datetime | None = None) -> ExpireResult:
    """Delete the rows whose time is over; idempotent, each kind in one statement."""
    now = now or timezone.now()
    link_cutoff = now - timedelta(days=settings.CUSTOMER_LINK_RETENTION_DAYS)
    # A link ended when it expired, was revoked or was used, whichever came first.
    links, _ = OnboardingLink.objects.filter(
        Q(expires_at__lt=link_cutoff) | Q(revoked_at__lt=link_cutoff) | Q(used_at__lt=link_cutoff)
    ).delete()
    cooloff = settings.AXES_COOLOFF_TIME
    counters, _ = AttemptCounter.objects.filter(
        last_at__lt=now - max(cooloff, ATTEMPT_COUNTER_KEEP)
    ).delete()
    failures, _ = AccessAttempt.objects.filter(attempt_time__lt=now - cooloff).delete()
    return ExpireResult(
        links=links,
        sessions=_sessions_expire(now),
        attempt_counters=counters,
        login_failures=failures,
    )


def _sessions_expire(now: datetime) -> int:
    if settings.SESSION_ENGINE.endswith(("backends.db", "backends.cached_db")):
        deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
        return deleted
    # Other engines expire sessions themselves, or only know how to clear them uncounted.
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return 0
