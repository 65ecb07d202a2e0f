"""The worker's state checks: getStateInstance for every instance that is due, urgent first.

Green API's instance list carries no state, so the worker confirms each live instance's state
when `state_due_at` (set by `state_record`, services/state.py) says so. One round:

- claims the due instances a few at a time, urgent first (never checked, being created,
  starting, onboarding), then by due time. A claim moves `state_due_at` a lease ahead under
  `SELECT ... FOR UPDATE SKIP LOCKED`, so two rounds (the worker and `manage.py
  refresh_states`, or two workers) never ask about one instance at once, and a round killed
  mid-way leaves only leases, which run out by themselves;
- asks Green API with at most STATE_REFRESH_CONCURRENCY calls in flight, each on its thread's own
  pooled session (greenapi_factory.py), without retries: the next round is the retry;
- records each answer with `state_record(source=POLL)` (and the phone from getWaSettings, asked
  by the same thread, once linked: as `state_observe` does) in the calling thread. The threads
  only talk HTTP and never open a database connection, so nothing needs closing after them and
  SQLite works too;
- never asks one instance twice within a second (docs/greenapi.md §4.3: getStateInstance allows
  1 call/s): every answer moves its due time at least a second on, a 429 by its Retry-After;
- backs off as a whole when Green API fails (5xx, timeouts, garbled answers): five failures in a
  row stop the round, and rounds pause 5 s, then 10 s, 20 s ... up to 5 minutes while failures
  continue. One good answer ends the pause.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from greenapi import (
    BadResponse,
    GreenAPIError,
    InstanceExpired,
    InstanceNotReady,
    RateLimited,
    Unavailable,
)
from instances.greenapi_factory import close_session, instance_client
from instances.models import Instance, StateChange
from instances.services.errors import is_new
from instances.services.state import (
    ONBOARDING_WINDOW,
    URGENT_EVERY,
    URGENT_STATES,
    linked_phone,
    phone_record,
    state_from_wire,
    state_record,
)

logger = logging.getLogger(__name__)

# A claimed instance waits in the round's queue for at most a few calls, each bounded by
# GREEN_API_DEADLINE (15 s by default); if the round dies, the instance is due again after this.
LEASE = timedelta(minutes=2)
# Green API allows one getStateInstance a second per instance; a 429 without Retry-After waits this.
MIN_GAP = timedelta(seconds=1)
# Failures of Green API as a whole, in a row, that stop a round.
BREAK_AFTER = 5
FIRST_PAUSE = 5.0
MAX_PAUSE = 300.0
BACKOFF_KEY = "state_refresh:backoff"
# Only what a check needs is read (the token is decrypted once per claimed row).
CLAIM_FIELDS = ("api_token", "type_instance", "state", "state_due_at", "phone", "time_created")


@dataclass(frozen=True)
class RefreshResult:
    """What one round did. `pause`: seconds before Green API is asked again (0: no back-off)."""

    checked: int = 0  # states Green API told, recorded
    changed: int = 0  # of those, states that changed
    failed: int = 0  # calls that failed (not counting 429s): tried again later
    rate_limited: int = 0  # 429s: that instance waits for its Retry-After
    skipped: int = 0  # due but not asked: no API token, or Green API is being left alone
    pause: float = 0.0

    def __str__(self) -> str:
        text = (
            f"{self.checked} checked ({self.changed} changed), {self.failed} failed, "
            f"{self.rate_limited} rate limited, {self.skipped} skipped"
        )
        return f"{text}; Green API rests {self.pause:.0f} s" if self.pause else text


@dataclass
class _Tally:
    checked: int = 0
    changed: int = 0
    failed: int = 0
    rate_limited: int = 0
    skipped: int = 0

    def result(self, pause: float) -> RefreshResult:
        return RefreshResult(
            checked=self.checked,
            changed=self.changed,
            failed=self.failed,
            rate_limited=self.rate_limited,
            skipped=self.skipped,
            pause=pause,
        )


@dataclass(frozen=True)
class _Answer:
    asked_at: datetime  # when the question was sent: the answer is at least this fresh
    state: str = ""
    phone: str = ""
    error: Exception | None = None


@dataclass
class _Breaker:
    """The global back-off, kept in the cache between rounds (losing it only ends a pause)."""

    failed_rounds: int = 0
    paused_until: float = 0.0  # a timestamp
    in_a_row: int = 0
    outages: int = 0
    successes: int = 0
    tripped: bool = False

    @classmethod
    def load(cls) -> _Breaker:
        saved: dict[str, Any] = cache.get(BACKOFF_KEY) or {}
        return cls(
            failed_rounds=int(saved.get("failed_rounds", 0)),
            paused_until=float(saved.get("paused_until", 0.0)),
        )

    def remaining(self) -> float:
        return max(0.0, self.paused_until - timezone.now().timestamp())

    def success(self) -> None:
        self.successes += 1
        self.in_a_row = 0

    def outage(self) -> None:
        self.outages += 1
        self.in_a_row += 1
        if self.in_a_row >= BREAK_AFTER:
            self.tripped = True

    def settle(self) -> float:
        """Store the outcome of this round; return the pause that now applies (seconds)."""
        if self.tripped or (self.outages and not self.successes):
            self.failed_rounds += 1
            pause = min(FIRST_PAUSE * 2.0 ** (self.failed_rounds - 1), MAX_PAUSE)
            self.paused_until = timezone.now().timestamp() + pause
            cache.set(
                BACKOFF_KEY,
                {"failed_rounds": self.failed_rounds, "paused_until": self.paused_until},
                timeout=int(MAX_PAUSE * 2),
            )
            logger.warning(
                "Green API is failing (%s failures this round): state checks pause for %.0f s",
                self.outages,
                pause,
            )
            return pause
        if self.successes and self.failed_rounds:
            cache.delete(BACKOFF_KEY)
            self.failed_rounds = 0
        return 0.0


class _Askers:
    """Up to `size` threads that ask Green API; answers come back on one queue.

    Each thread also has its next instance queued, so that none waits for the calling thread to
    finish recording an answer: `size` calls stay in flight. With one thread, calls and the
    calling thread's database work take turns (tests on in-memory SQLite rely on it).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.in_flight = 0
        self._jobs: queue.SimpleQueue[Instance | None] = queue.SimpleQueue()
        self._answers: queue.SimpleQueue[tuple[Instance, _Answer]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    @property
    def has_room(self) -> bool:
        return self.in_flight < (2 * self.size if self.size > 1 else 1)

    def ask(self, instance: Instance) -> None:
        self.in_flight += 1
        if len(self._threads) < min(self.size, self.in_flight):
            thread = threading.Thread(
                target=_asker, args=(self._jobs, self._answers), name="state-refresh", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self._jobs.put(instance)

    def next_answer(self) -> tuple[Instance, _Answer]:
        answer = self._answers.get()
        self.in_flight -= 1
        return answer

    def withdraw(self) -> list[Instance]:
        """Take back the instances no thread has started on."""
        taken: list[Instance] = []
        with contextlib.suppress(queue.Empty):
            while (instance := self._jobs.get_nowait()) is not None:
                taken.append(instance)
        self.in_flight -= len(taken)
        return taken

    def close(self) -> None:
        """Let each thread finish its call, close its session and end."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()


def _asker(jobs: queue.SimpleQueue[Instance | None], answers: queue.SimpleQueue[Any]) -> None:
    try:
        while (instance := jobs.get()) is not None:
            answers.put((instance, _ask(instance)))
    finally:
        close_session()
        connections.close_all()  # none is opened here; should one ever be, it must not leak


def _ask(instance: Instance) -> _Answer:
    """getStateInstance (and getWaSettings once linked without a known phone); HTTP only."""
    asked_at = timezone.now()
    try:
        client = instance_client(instance, get_retries=0)
        state = state_from_wire(client.get_state_instance())
        phone = linked_phone(client, state=state, known=instance.phone)
        return _Answer(asked_at, state=state, phone=phone)
    except GreenAPIError as error:
        return _Answer(asked_at, error=error)
    except Exception as error:
        # A bug must not leave the round waiting for an answer that never comes.
        logger.exception("State check of instance %s crashed", instance.pk)
        return _Answer(asked_at, error=error)


def _due(cutoff: datetime) -> QuerySet[Instance]:
    """Live instances whose state is due at `cutoff`, urgent first, then the longest overdue."""
    urgent = (
        Q(state_due_at__isnull=True)
        | Q(state__in=URGENT_STATES)
        | Q(state=Instance.State.NOT_AUTHORIZED, time_created__gt=cutoff - ONBOARDING_WINDOW)
    )
    return (
        Instance.objects.filter(deleted=False)
        .filter(Q(state_due_at__lte=cutoff) | Q(state_due_at__isnull=True))
        .annotate(
            urgency=Case(When(urgent, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("urgency", F("state_due_at").asc(nulls_first=True), "pk")
    )


def _claim(cutoff: datetime, count: int, lease_until: datetime) -> list[Instance]:
    """Take up to `count` due instances for this round: their due time becomes the lease's end."""
    with transaction.atomic():
        rows = list(_due(cutoff).select_for_update(skip_locked=True).only(*CLAIM_FIELDS)[:count])
        if rows:
            Instance.objects.filter(pk__in=[row.pk for row in rows]).update(
                state_due_at=lease_until
            )
    for row in rows:
        row.state_due_at = lease_until  # the round's mark: changed since, someone else recorded
    return rows


def _due_again(instance: Instance, wait: timedelta) -> None:
    """Move a claimed instance's next check, unless someone recorded its state meanwhile."""
    Instance.objects.filter(pk=instance.pk, state_due_at=instance.state_due_at).update(
        state_due_at=timezone.now() + wait
    )


def _is_outage(error: Exception) -> bool:
    """A failure of Green API as a whole, not of one instance (its token, its payment)."""
    if isinstance(error, Unavailable):
        return True
    return isinstance(error, BadResponse) and not isinstance(error, InstanceExpired)


def _settle(instance: Instance, answer: _Answer, tally: _Tally, breaker: _Breaker) -> None:
    """Record one answer, or decide when to ask again after a failure."""
    error = answer.error
    if error is None:
        changed = state_record(
            instance=instance,
            state=answer.state,
            source=StateChange.Source.POLL,
            at=answer.asked_at,
        )
        phone_record(instance=instance, phone=answer.phone)
        tally.checked += 1
        tally.changed += int(changed)
        breaker.success()
        return
    if isinstance(error, RateLimited):
        tally.rate_limited += 1
        wait = max(timedelta(seconds=error.retry_after or 0), MIN_GAP)
        _due_again(instance, wait)
        return
    tally.failed += 1
    if _is_outage(error):
        breaker.outage()
        wait = URGENT_EVERY
    elif isinstance(error, InstanceNotReady) or (
        isinstance(error, InstanceExpired) and is_new(instance)
    ):
        wait = URGENT_EVERY  # being built or restarted: it answers soon
    else:
        wait = timedelta(seconds=settings.STATE_MAX_AGE)  # wrong token, unpaid, gone upstream
    logger.debug("State check of instance %s failed: %s", instance.pk, error)
    _due_again(instance, wait)


def states_refresh_due(*, now: datetime | None = None, limit: int | None = None) -> RefreshResult:
    """One round: ask Green API for the state of up to `limit` due instances, and record it.

    `now` decides which instances are due (default: the time of each claim); `limit` defaults
    to STATE_REFRESH_BATCH. Safe to run from several processes at once.
    """
    limit = settings.STATE_REFRESH_BATCH if limit is None else limit
    breaker = _Breaker.load()
    if breaker.remaining():
        skipped = _due(now or timezone.now())[:limit].count()
        return RefreshResult(skipped=skipped, pause=breaker.remaining())
    tally = _Tally()
    askers = _Askers(settings.STATE_REFRESH_CONCURRENCY)
    waiting: deque[Instance] = deque()
    claimed, exhausted = 0, False
    try:
        while True:
            while askers.has_room and not breaker.tripped:
                if not waiting and not exhausted and claimed < limit:
                    wanted = min(askers.size, limit - claimed)
                    batch = _claim(now or timezone.now(), wanted, timezone.now() + LEASE)
                    claimed += len(batch)
                    exhausted = len(batch) < wanted
                    waiting.extend(batch)
                if not waiting:
                    break
                instance = waiting.popleft()
                if not instance.api_token:
                    # No token (Green API may stop listing them, docs/greenapi.md §2.2): nothing
                    # to ask with until a sync brings one; pages show the state unconfirmed.
                    tally.skipped += 1
                    _due_again(instance, timedelta(seconds=settings.STATE_MAX_AGE))
                    continue
                askers.ask(instance)
            if not askers.in_flight:
                break
            instance, answer = askers.next_answer()
            _settle(instance, answer, tally, breaker)
            if breaker.tripped:
                waiting.extend(askers.withdraw())
    finally:
        waiting.extend(askers.withdraw())  # after an error, only the calls under way finish
        askers.close()
        if waiting:  # the round stopped early: these are due again at once, not after the lease
            _release(waiting, now or timezone.now())
    if breaker.tripped:  # what this round would have asked had Green API been well
        room = limit - claimed + len(waiting)
        tally.skipped += _due(now or timezone.now())[:room].count()
    return tally.result(pause=breaker.settle())


def _release(rows: deque[Instance], due: datetime) -> None:
    """Give back claimed instances that were not asked: due at `due`, not after their lease."""
    leases = {row.state_due_at for row in rows}  # each claim has its own lease
    for lease in leases:
        Instance.objects.filter(
            pk__in=[row.pk for row in rows if row.state_due_at == lease], state_due_at=lease
        ).update(state_due_at=due)
