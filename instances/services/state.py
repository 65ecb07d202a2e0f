"""The mirror's knowledge of an instance's state: checked with Green API or told by webhook."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.rows import compare_and_set
from greenapi import GreenAPIError, InstanceClient
from instances.greenapi_factory import instance_client
from instances.lifecycle import state_change_send
from instances.models import LINKED_STATES, Instance, StateChange

# States worth a look every few seconds: something is about to happen.
URGENT_STATES = frozenset(
    {Instance.State.UNKNOWN, Instance.State.CREATING, Instance.State.STARTING}
)
URGENT_EVERY = timedelta(seconds=5)
# A new instance waiting for its phone is in onboarding for this long.
ONBOARDING_WINDOW = timedelta(days=1)
# A state that just changed may change again soon (a logout after a ban, a restart).
RECENT_CHANGE = timedelta(minutes=10)
RECENT_EVERY = timedelta(seconds=30)


# All that state_record reads and writes. A caller whose copy holds them (the webhook reads
# them with its token check) lets it write without reading the row again.
STATE_FIELDS = (
    "state",
    "state_changed_at",
    "state_checked_at",
    "state_source",
    "state_due_at",
    "time_created",
    "phone",
)


def next_check_in(
    *, state: str, changed_at: datetime | None, created_at: datetime | None, now: datetime
) -> timedelta:
    """How long the state may go unconfirmed: 5 s where it matters, STATE_MAX_AGE at most."""
    onboarding = (
        state == Instance.State.NOT_AUTHORIZED
        and created_at is not None
        and now - created_at < ONBOARDING_WINDOW
    )
    if state in URGENT_STATES or onboarding:
        return URGENT_EVERY
    if changed_at is not None and now - changed_at < RECENT_CHANGE:
        return RECENT_EVERY
    return timedelta(seconds=settings.STATE_MAX_AGE)


def state_record(
    *, instance: Instance, state: str, source: str, at: datetime | None = None
) -> bool:
    """Store a state observation made `at` (default now); True when it changed the state.

    The one writer of an instance's state, whoever saw it (a page, the worker, a webhook, an
    action): a change goes on the timeline once however many observers saw it, and an
    observation older than the one already stored changes nothing. The caller's copy learns
    what is stored.
    """
    now = timezone.now()
    seen_at = at or now
    if not instance.get_deferred_fields() & set(STATE_FIELDS):
        recorded = _record_over_copy(instance, state=state, source=source, seen_at=seen_at, now=now)
        if recorded is not None:
            return recorded
    return _record_locked(instance, state=state, source=source, seen_at=seen_at, now=now)


def _record_over_copy(
    instance: Instance, *, state: str, source: str, seen_at: datetime, now: datetime
) -> bool | None:
    """Write the observation over the caller's copy of the row, if the row still matches it.

    Only state_record moves a state or its check time, and only forward, so a row whose state,
    check time and creation time are still the copy's is the copy, as far as this write goes:
    one conditional UPDATE (and the timeline entry of a change) instead of a locked read. None
    when the row has moved on, or the copy is too old to tell: the locked path then decides.
    """
    if instance.state_checked_at is not None and seen_at < instance.state_checked_at:
        return None
    news = _news(instance, state=state, source=source, seen_at=seen_at, now=now)
    as_copied = {
        "state": instance.state,
        "state_checked_at": instance.state_checked_at,
        "time_created": instance.time_created,  # the due time depends on it
    }
    changed = "state" in news
    with transaction.atomic() if changed else nullcontext():
        if not compare_and_set(Instance, pk=instance.pk, expected=as_copied, changes=news):
            return None
        if changed:
            _timeline(instance, state=state, source=source, seen_at=seen_at)
    for field, value in news.items():
        setattr(instance, field, value)
    return changed


def _record_locked(
    instance: Instance, *, state: str, source: str, seen_at: datetime, now: datetime
) -> bool:
    """The observation under a row lock, read fresh: serves any copy, however old."""
    with transaction.atomic():
        locked = Instance.objects.select_for_update().only(*STATE_FIELDS).get(pk=instance.pk)
        if locked.state_checked_at is not None and seen_at < locked.state_checked_at:
            _tell(instance, locked)
            return False  # older news: the state known now was seen later
        news = _news(locked, state=state, source=source, seen_at=seen_at, now=now)
        if "state" in news:
            _timeline(locked, state=state, source=source, seen_at=seen_at)
        for field, value in news.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(news))
    _tell(instance, locked)
    return "state" in news


def _news(
    known: Instance, *, state: str, source: str, seen_at: datetime, now: datetime
) -> dict[str, Any]:
    """The fields an observation writes over the row `known`; "state" among them on a change."""
    news: dict[str, Any] = {"state_checked_at": seen_at, "state_source": source}
    if known.state != state:
        news |= {"state": state, "state_changed_at": seen_at}
        if state not in LINKED_STATES and state != Instance.State.BLOCKED:
            news["phone"] = ""  # a phone no longer linked is forgotten
    news["state_due_at"] = now + next_check_in(
        state=state,
        changed_at=news.get("state_changed_at", known.state_changed_at),
        created_at=known.time_created,
        now=now,
    )
    return news


def _timeline(known: Instance, *, state: str, source: str, seen_at: datetime) -> None:
    """The change on the timeline, and told to the lifecycle's listeners in its transaction."""
    StateChange.objects.create(
        instance_id=known.pk, state=state, previous_state=known.state, source=source, at=seen_at
    )
    state_change_send(
        id_instance=known.pk,
        reseller_id=reseller_of(known),
        old_state=known.state,
        new_state=state,
        at=seen_at,
    )


def reseller_of(instance: Instance) -> int | None:
    """The instance's reseller id, read only when the caller's copy left it out."""
    if "reseller_id" not in instance.get_deferred_fields():
        return instance.reseller_id
    owner: int | None = (
        Instance.objects.filter(pk=instance.pk).values_list("reseller_id", flat=True).first()
    )
    return owner


def _tell(instance: Instance, locked: Instance) -> None:
    """The caller's copy learns what is stored now, without reading the row again."""
    for field in STATE_FIELDS:
        setattr(instance, field, getattr(locked, field))


_KNOWN_STATES = frozenset(Instance.State.values)


def state_from_wire(raw: str | None) -> str:
    """The mirror's state for getStateInstance's answer (docs/greenapi.md §3.1)."""
    if raw is None:
        return Instance.State.CREATING  # null while Green API builds the instance
    if raw in _KNOWN_STATES:
        return raw
    return Instance.State.UNKNOWN  # a state this portal does not know yet: say so, not guess


def linked_phone(client: InstanceClient, *, state: str, known: str) -> str:
    """The linked phone's number from getWaSettings, asked only when linked and not yet known;
    "" when not asked or Green API cannot say (the number can wait for the next check)."""
    if state not in LINKED_STATES or known:
        return ""
    try:
        return client.get_wa_settings().phone
    except GreenAPIError:
        return ""


def phone_record(*, instance: Instance, phone: str) -> None:
    """Store a linked phone's number once: never over a known one, never on an unlinked row."""
    if phone and Instance.objects.filter(pk=instance.pk, phone="", state__in=LINKED_STATES).update(
        phone=phone
    ):
        instance.phone = phone


def state_observe(
    *, instance: Instance, state: str, source: str, client: InstanceClient | None = None
) -> bool:
    """Record a state someone observed, and the linked phone's number when first known.

    The one way observations reach the mirror (a state check, the onboarding poll, an action):
    idempotent, so two watchers of one linking record it once. True when the state changed.
    """
    changed = state_record(instance=instance, state=state, source=source)
    if state in LINKED_STATES and not instance.phone:
        client = client or instance_client(instance)
        phone_record(instance=instance, phone=linked_phone(client, state=state, known=""))
    return changed


def instance_state_refresh(*, instance: Instance) -> str:
    """Ask Green API for the state (and the phone, once linked) and record it.

    Raises GreenAPIError when Green API cannot answer; the mirror keeps its last knowledge.
    """
    client = instance_client(instance)
    state = state_from_wire(client.get_state_instance())
    state_observe(instance=instance, state=state, source=StateChange.Source.CHECK, client=client)
    return state
