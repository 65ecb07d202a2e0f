"""Selector for an instance's timeline: state changes and audit events, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.models import AuditEvent
from instances.models import Instance, StateChange

if TYPE_CHECKING:
    from accounts.models import User

TIMELINE_LENGTH = 50
# An audit event's result other than "ok", in words, after its title: "Instance deleted (failed)".
_RESULTS = {
    "denied": pgettext_lazy("audit result", "denied"),
    "failed": pgettext_lazy("audit result", "failed"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    title: str
    detail: str = ""
    who: str = ""
    result: str = "ok"  # an AuditEvent result; state changes are always "ok"
    result_label: str = ""  # the result in words, shown when it is not "ok"


def instance_timeline(
    *, user: User, instance: Instance, limit: int = TIMELINE_LENGTH
) -> list[TimelineEntry]:
    """The last `limit` state changes and audit events of the instance, in two queries.

    Audit events are scoped like the audit log: a reseller user sees only their reseller's,
    so an instance moved between resellers does not show one tenant's people to the other.
    """
    changes = StateChange.objects.filter(instance=instance).order_by("-at", "-id")[:limit]
    events = (
        AuditEvent.objects.visible_to(user)
        .filter(target_type=Instance._meta.model_name, target_id=str(instance.pk))
        .order_by("-created_at", "-id")[:limit]
    )
    entries = [_from_change(change) for change in changes]
    entries += [
        TimelineEntry(
            at=event.created_at,
            title=event.action_label,
            detail=event.detail,
            who=event.actor_username,
            result=event.result,
            result_label=str(_RESULTS.get(event.result, event.result)),
        )
        for event in events
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def _from_change(change: StateChange) -> TimelineEntry:
    before = change.get_previous_state_display()
    return TimelineEntry(
        at=change.at,
        title=_("State: %(before)s → %(after)s")
        % {"before": before, "after": change.get_state_display()},
        detail=str(change.get_source_display()),
    )
