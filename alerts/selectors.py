"""Reading alerts: the deliveries of one instance, as its page lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from accounts.models import User
from alerts.models import Delivery
from instances.models import Instance

SHOWN = 20


@dataclass(frozen=True)
class DeliveryRow:
    at: datetime
    kind: str
    to: str
    status: str
    attempts: int
    error: str


def deliveries_of(*, user: User, instance: Instance) -> list[DeliveryRow]:
    """The latest deliveries of the instance's alerts that `user` may see (their tenant's).

    Staff addresses are partner business: a reseller user sees "Partner staff" in their place,
    and SMTP errors are shown to staff only.
    """
    rows = (
        Delivery.objects.visible_to(user)
        .filter(alert__instance=instance)
        .select_related("alert")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    staff = user.is_staff_role
    return [
        DeliveryRow(
            at=row.sent_at or row.next_attempt_at,
            kind=row.alert.get_kind_display(),
            to=row.email
            if staff or row.audience != Delivery.Audience.STAFF
            else str(Delivery.Audience.STAFF.label),
            status=_status(row),
            attempts=row.attempts,
            error=row.last_error if staff else "",
        )
        for row in rows
    ]


def _status(row: Delivery) -> str:
    status = row.get_status_display()
    if row.digest:
        return _("%(status)s (digest)") % {"status": status}
    return status
