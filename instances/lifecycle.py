"""Lifecycle signals: what happened to an instance or an order, for whoever listens.

The instances app says what happened and knows nothing of who listens (the events app sends
them to the resellers' systems: events/receivers.py). Each signal is sent inside the
transaction that records the change, so a listener that writes rows in it writes them exactly
when the change is committed: never for a change rolled back, never missing for one kept.
"""

from __future__ import annotations

from datetime import datetime

from django.dispatch import Signal

# kind: one of KINDS; id_instance (None for an order that made none), reseller_id (None for the
# partner's own), old_state / new_state ("" when not a state change), at, and `extra`: a small
# dict of the kind's own facts (an order's id and reason, a customer link's id). Never a token.
lifecycle_event = Signal()

CREATED = "instance.created"
DELETED = "instance.deleted"
STATE_CHANGED = "instance.state_changed"
LINKED = "instance.linked"
LOGGED_OUT = "instance.logged_out"
LINK_USED = "customer_link.used"
ORDER_FAILED = "order.failed"
KINDS = (CREATED, DELETED, STATE_CHANGED, LINKED, LOGGED_OUT, LINK_USED, ORDER_FAILED)

_AUTHORIZED, _NOT_AUTHORIZED = "authorized", "notAuthorized"


def lifecycle_send(
    kind: str,
    *,
    id_instance: int | None,
    reseller_id: int | None,
    at: datetime,
    old_state: str = "",
    new_state: str = "",
    extra: dict[str, object] | None = None,
) -> None:
    """Tell the listeners; call inside the transaction that records what happened."""
    lifecycle_event.send(
        sender=kind,
        kind=kind,
        id_instance=id_instance,
        reseller_id=reseller_id,
        old_state=old_state,
        new_state=new_state,
        at=at,
        extra=extra or {},
    )


def state_change_send(
    *, id_instance: int, reseller_id: int | None, old_state: str, new_state: str, at: datetime
) -> None:
    """A state change, and what it means: linked (now authorized), logged out (authorized, now
    not authorized)."""
    kinds = [STATE_CHANGED]
    if new_state == _AUTHORIZED:
        kinds.append(LINKED)
    elif old_state == _AUTHORIZED and new_state == _NOT_AUTHORIZED:
        kinds.append(LOGGED_OUT)
    for kind in kinds:
        lifecycle_send(
            kind,
            id_instance=id_instance,
            reseller_id=reseller_id,
            old_state=old_state,
            new_state=new_state,
            at=at,
        )
