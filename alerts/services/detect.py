"""Turn transitions into alerts: read the new state changes, and look for stuck instances.

The job keeps a cursor over StateChange ids rather than hooking the callers of state_record:
every change is a row, whoever observed it. Ids are handed out before commit, so a change
committed late can sit below the cursor: each run reads LOOKBACK ids behind it again, and the
alert's unique key makes a second look at a change cost nothing. Two runs at once create each
alert once (the key), and its deliveries with it, in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from alerts.models import Alert, AlertCursor, AlertKind, AlertPreference, Delivery
from alerts.rules import WATCHED_STATES, may_recover, problem_of
from alerts.schedule import send_at
from instances.attention import STUCK_AFTER
from instances.models import Instance, StateChange

logger = logging.getLogger(__name__)

LOOKBACK = 500
BATCH = 2000
# Older news is not worth an e-mail (a backlog after a long outage, an imported history).
TOO_OLD = timedelta(days=1)


@dataclass(frozen=True)
class DetectResult:
    created: int = 0
    read: int = 0


def alerts_detect(*, now: datetime | None = None) -> DetectResult:
    """Create the alerts (and their deliveries) for new transitions; safe to run concurrently."""
    now = now or timezone.now()
    cursor, _ = AlertCursor.objects.get_or_create(pk=1)
    changes = list(
        StateChange.objects.filter(pk__gt=max(cursor.last_change_id - LOOKBACK, 0))
        .order_by("pk")
        .select_related("instance", "instance__reseller")
        .defer("instance__api_token")[:BATCH]  # encrypted, and no e-mail needs it
    )
    watched = [c for c in changes if c.state in WATCHED_STATES and _fresh(c, now)]
    # The look-back reads the same changes again and again: one query says which are done.
    done = set(
        Alert.objects.filter(key__in=[_change_key(c) for c in watched]).values_list(
            "key", flat=True
        )
    )
    created = 0
    for change in watched:
        if _change_key(change) not in done:
            created += _from_change(change, now=now)
    created += _stuck(now)
    if changes:
        last = changes[-1].pk
        AlertCursor.objects.filter(pk=1, last_change_id__lt=last).update(last_change_id=last)
    return DetectResult(created=created, read=len(changes))


def _fresh(change: StateChange, now: datetime) -> bool:
    return change.at >= now - TOO_OLD and not change.instance.deleted


def _change_key(change: StateChange) -> str:
    return f"sc:{change.pk}"


def _from_change(change: StateChange, *, now: datetime) -> int:
    key = _change_key(change)
    kind = problem_of(change.previous_state, change.state)
    if kind is None:
        if not may_recover(change.previous_state, change.state):
            return 0
        last = (
            Alert.objects.filter(instance_id=change.instance_id, since__lte=change.at)
            .order_by("-since", "-pk")
            .first()
        )
        if last is None or not last.is_problem:
            return 0  # nothing was wrong, as far as anyone was told
        kind = AlertKind.RECOVERED
    return alert_create(
        key=key, kind=kind, instance=change.instance, since=change.at, now=now, change=change
    )


def _stuck(now: datetime) -> int:
    """Instances starting (or being created) for longer than the attention list allows."""
    stuck = Instance.objects.filter(
        deleted=False,
        state__in=[Instance.State.STARTING, Instance.State.CREATING],
        state_changed_at__lt=now - STUCK_AFTER,
        state_changed_at__gte=now - TOO_OLD,
    ).select_related("reseller")
    by_key = {_stuck_key(row): row for row in stuck}
    known = set(Alert.objects.filter(key__in=by_key).values_list("key", flat=True))
    created = 0
    for key, row in by_key.items():
        if key not in known:
            assert row.state_changed_at is not None
            created += alert_create(
                key=key, kind=AlertKind.STUCK, instance=row, since=row.state_changed_at, now=now
            )
    return created


def _stuck_key(row: Instance) -> str:
    assert row.state_changed_at is not None
    return f"stuck:{row.pk}:{int(row.state_changed_at.timestamp())}"


def alert_create(
    *,
    key: str,
    kind: str,
    instance: Instance,
    since: datetime,
    now: datetime,
    change: StateChange | None = None,
) -> int:
    """Store one alert and a delivery per recipient; 0 when another run stored it first."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                key=key,
                kind=kind,
                instance=instance,
                reseller=instance.reseller,
                state_change=change,
                since=since,
                created_at=now,
            )
            Delivery.objects.bulk_create(_deliveries(alert, now))
    except IntegrityError:
        return 0
    logger.info("Alert %s: %s of instance %s", key, kind, instance.pk)
    return 1


def _deliveries(alert: Alert, now: datetime) -> list[Delivery]:
    """One delivery per address that should hear of `alert`: the reseller's contact, its users
    who opted in, and staff who opted in (an address once, the first way it qualifies)."""
    deliveries: dict[str, Delivery] = {}

    def add(email: str, audience: str, user: User | None, pref: AlertPreference | None) -> None:
        email = email.strip().lower()
        if email and email not in deliveries:
            at, digest = send_at(now, pref)
            deliveries[email] = Delivery(
                alert=alert,
                email=email,
                user=user,
                audience=audience,
                digest=digest,
                next_attempt_at=at,
                created_at=now,
            )

    reseller = alert.reseller
    if reseller is not None and reseller.is_active:
        add(reseller.contact_email, Delivery.Audience.CONTACT, None, None)
    for user in recipients_opted_in(alert.reseller_id):
        pref = user.alert_preference
        if pref.wants(alert.kind):
            audience = (
                Delivery.Audience.STAFF if user.is_staff_role else Delivery.Audience.RESELLER_USER
            )
            add(user.email, audience, user, pref)
    return list(deliveries.values())


def recipients_opted_in(reseller_id: int | None) -> list[User]:
    """Active users with an address who opted in: the reseller's own users, then staff."""
    users = (
        User.objects.filter(is_active=True, alert_preference__enabled=True)
        .exclude(email="")
        .select_related("alert_preference", "reseller")
    )
    own = (
        users.filter(role=User.Role.RESELLER, reseller_id=reseller_id, reseller__is_active=True)
        if reseller_id is not None
        else users.none()
    )
    staff = users.filter(role__in=[User.Role.ADMIN, User.Role.SUPPORT])
    return [*own.order_by("pk"), *staff.order_by("pk")]
