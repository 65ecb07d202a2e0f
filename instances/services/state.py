"""The mirror's knowledge of an instance's state: checked with Green API or told by webhook."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from greenapi import GreenAPIError
from instances.greenapi_factory import instance_client
from instances.models import Instance, StateChange

# States in which a phone is linked (getWaSettings then knows its number).
LINKED_STATES = frozenset({Instance.State.AUTHORIZED, Instance.State.YELLOW_CARD})


def state_record(
    *, instance: Instance, state: str, source: str, at: datetime | None = None
) -> bool:
    """Store a state observation; True when it changed (and went on the timeline)."""
    now = at or timezone.now()
    with transaction.atomic():
        locked = Instance.objects.select_for_update().get(pk=instance.pk)
        changed = locked.state != state
        fields = ["state_checked_at"]
        locked.state_checked_at = now
        if changed:
            StateChange.objects.create(
                instance=locked, state=state, previous_state=locked.state, source=source, at=now
            )
            locked.state, locked.state_changed_at = state, now
            fields += ["state", "state_changed_at"]
            if state not in LINKED_STATES and state != Instance.State.BLOCKED:
                locked.phone = ""
                fields.append("phone")
        locked.save(update_fields=fields)
    instance.refresh_from_db(fields=["state", "state_checked_at", "state_changed_at", "phone"])
    return changed


def instance_state_refresh(*, instance: Instance) -> str:
    """Ask Green API for the state (and the phone, once linked) and record it.

    Raises GreenAPIError when Green API cannot answer; the mirror keeps its last knowledge.
    """
    client = instance_client(instance)
    raw = client.get_state_instance()
    if raw is None:
        state = Instance.State.CREATING
    elif raw in Instance.State.values:
        state = raw
    else:  # a state this portal does not know yet: say "unknown" rather than guess
        state = Instance.State.UNKNOWN
    state_record(instance=instance, state=state, source=StateChange.Source.CHECK)
    if state in LINKED_STATES and not instance.phone:
        try:
            phone = client.get_wa_settings().phone
        except GreenAPIError:
            phone = ""  # the state is known; the number can wait for the next check
        if phone:
            Instance.objects.filter(pk=instance.pk).update(phone=phone)
            instance.phone = phone
    return state
