"""The mirror's knowledge of an instance's state: checked with Green API or told by webhook."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from greenapi import GreenAPIError, InstanceClient
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


def state_from_wire(raw: str | None) -> str:
    """The mirror's state for getStateInstance's answer (docs/greenapi.md §3.1)."""
    if raw is None:
        return Instance.State.CREATING  # null while Green API builds the instance
    if raw in Instance.State.values:
        return raw
    return Instance.State.UNKNOWN  # a state this portal does not know yet: say so, not guess


def state_observe(
    *, instance: Instance, state: str, source: str, client: InstanceClient | None = None
) -> bool:
    """Record a state someone observed, and the linked phone's number when first known.

    The one way observations reach the mirror (a state check, the onboarding poll, an action):
    idempotent, so two watchers of one linking record it once. True when the state changed.
    """
    changed = state_record(instance=instance, state=state, source=source)
    if state in LINKED_STATES and not instance.phone:
        try:
            phone = (client or instance_client(instance)).get_wa_settings().phone
        except GreenAPIError:
            phone = ""  # the state is known; the number can wait for the next check
        if phone:
            Instance.objects.filter(pk=instance.pk).update(phone=phone)
            instance.phone = phone
    return changed


def instance_state_refresh(*, instance: Instance) -> str:
    """Ask Green API for the state (and the phone, once linked) and record it.

    Raises GreenAPIError when Green API cannot answer; the mirror keeps its last knowledge.
    """
    client = instance_client(instance)
    state = state_from_wire(client.get_state_instance())
    state_observe(instance=instance, state=state, source=StateChange.Source.CHECK, client=client)
    return state
