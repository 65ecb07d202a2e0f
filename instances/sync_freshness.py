"""How fresh the mirror is, for the list page: the last sync, and whether one is awaited.

Read-only: pages show the mirror's age and never sync themselves; a sync someone asks for is
run by the worker (instances/tasks.py), and the page polls this until it has happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext

from core.rows import row_read
from instances.models import SyncState
from instances.services.listing_guard import refusal_text
from instances.services.sync import STALE_LOCK

# A requested sync that has not begun after this long means the worker is not taking work.
WORKER_LATE = timedelta(seconds=30)
_STATUS_FIELDS = ("running_since", "last_attempt_at", "last_success_at", "last_error")


@dataclass(frozen=True)
class SyncStatus:
    now: datetime
    period: timedelta  # INSTANCE_SYNC_PERIOD
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str = ""
    running: bool = False
    # Set while someone waits for a sync: the start of the latest sync when they asked ("" if
    # none had started), and when they asked.
    after: str | None = None
    asked_at: datetime | None = None

    @property
    def error_text(self) -> str:
        """`last_error`, kept in English by the worker, in the current language: the portal's
        own sentences are translated; Green API's words are shown as they came."""
        if not self.last_error:
            return ""
        return refusal_text(self.last_error) or gettext(self.last_error)

    @property
    def age(self) -> timedelta | None:
        return None if self.last_success_at is None else self.now - self.last_success_at

    @property
    def stale(self) -> bool:
        """Older than two sync periods: the worker is behind, stopped, or Green API fails."""
        return self.age is None or self.age > 2 * self.period

    @property
    def waiting(self) -> bool:
        """A sync was asked for and has not finished yet."""
        if self.after is None:
            return False
        return self.running or not started_after(self.last_attempt_at, self.after)

    @property
    def worker_late(self) -> bool:
        return (
            self.waiting
            and not self.running
            and self.asked_at is not None
            and self.now - self.asked_at > WORKER_LATE
        )

    @property
    def poll_query(self) -> str:
        asked = self.asked_at.isoformat() if self.asked_at else ""
        return urlencode({"after": self.after or "", "asked": asked})


def sync_status(*, after: str | None = None, asked_at: datetime | None = None) -> SyncStatus:
    """The mirror's freshness; with `after`, also whether the sync asked for then has run."""
    now = timezone.now()
    period = timedelta(seconds=settings.INSTANCE_SYNC_PERIOD)
    # Read, never get_or_create: a page must not write. Every list page asks: the statement is
    # written once (core/rows.py), not built by the ORM on each request.
    state = row_read(SyncState, pk=1, fields=_STATUS_FIELDS)
    if state is None:
        return SyncStatus(now=now, period=period, after=after, asked_at=asked_at)
    running = state.running_since is not None and now - state.running_since < STALE_LOCK
    return SyncStatus(
        now=now,
        period=period,
        last_success_at=state.last_success_at,
        last_attempt_at=state.last_attempt_at,
        last_error=state.last_error,
        running=running,
        after=after,
        asked_at=asked_at,
    )


def sync_marker() -> str:
    """When the latest sync began, as text ("" if none has): any sync begun later is news."""
    started = SyncState.objects.filter(pk=1).values_list("last_attempt_at", flat=True).first()
    return started.isoformat() if started else ""


def sync_began_since(marker: str) -> bool:
    """Whether a sync began after the one `marker` names."""
    started = SyncState.objects.filter(pk=1).values_list("last_attempt_at", flat=True).first()
    return started_after(started, marker)


def started_after(started: datetime | None, marker: str) -> bool:
    """Whether a sync that began at `started` is newer than `marker` (from `sync_marker`)."""
    if started is None:
        return False
    before = parse_marker(marker)
    return before is None or started > before


def parse_marker(value: str) -> datetime | None:
    """A marker or time from a query string; None when empty or not a time."""
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None or timezone.is_naive(parsed):
        return None
    return parsed
