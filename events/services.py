"""Managing event endpoints: the only writers, for the pages and the API alike.

Each checks the permission matrix (Action.MANAGE_EVENTS) and the tenancy of what it touches,
and records one audit event. A secret leaves only in the return value of create and rotate,
for the page or the answer that shows it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Reseller
from accounts.permissions import Action, require
from accounts.tenancy import in_tenant, sees_all_tenants
from core.errors import ApplicationError
from events.models import KIND_CHOICES, TEST_KIND, Endpoint, EventDelivery
from events.payloads import event_body
from events.receivers import new_event_id, retry_window
from events.signing import secret_new
from events.targets import url_check

KINDS = frozenset(kind for kind, _label in KIND_CHOICES)


@dataclass(frozen=True)
class WithSecret:
    endpoint: Endpoint
    secret: str  # shown once


def _kinds(kinds: list[str]) -> list[str]:
    chosen = [kind for kind, _label in KIND_CHOICES if kind in set(kinds)]
    if not chosen or set(kinds) - KINDS:
        raise ApplicationError(_("Choose at least one event from the list."))
    return chosen


def _owner(user: Any, reseller: Reseller | None) -> Reseller | None:
    """Whose endpoint: a reseller user's own reseller always; staff choose (None: the partner)."""
    if not sees_all_tenants(user):
        return user.reseller  # type: ignore[no-any-return]
    if reseller is not None and not in_tenant(user, reseller.pk):
        raise PermissionDenied
    return reseller


def endpoint_create(
    *,
    user: Any,
    url: str,
    kinds: list[str],
    description: str = "",
    reseller: Reseller | None = None,
    request: HttpRequest | None = None,
) -> WithSecret:
    """Register an endpoint after checking where its URL leads; its secret is returned once."""
    require(user, Action.MANAGE_EVENTS)
    owner = _owner(user, reseller)
    chosen = _kinds(kinds)
    url_check(url)  # TargetRefused (an ApplicationError) says why not
    secret = secret_new()
    endpoint = Endpoint.objects.create(
        reseller=owner,
        url=url,
        description=description[:200],
        kinds=chosen,
        secret=secret,
        created_by=user,
    )
    _audit(
        action="events.endpoint_create",
        user=user,
        request=request,
        endpoint=endpoint,
        detail=", ".join(chosen),
    )
    return WithSecret(endpoint, secret)


def endpoint_kinds_update(
    *, user: Any, endpoint: Endpoint, kinds: list[str], request: HttpRequest | None = None
) -> Endpoint:
    """Choose which events the endpoint receives from now on."""
    _may(user, endpoint)
    endpoint.kinds = _kinds(kinds)
    endpoint.save(update_fields=["kinds"])
    _audit(
        action="events.endpoint_update",
        user=user,
        request=request,
        endpoint=endpoint,
        detail=", ".join(endpoint.kinds),
    )
    return endpoint


def endpoint_rotate(
    *, user: Any, endpoint: Endpoint, request: HttpRequest | None = None
) -> WithSecret:
    """A new secret; the old one still signs (beside it) for EVENTS_SECRET_GRACE_HOURS."""
    _may(user, endpoint)
    secret = secret_new()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + timedelta(
        hours=settings.EVENTS_SECRET_GRACE_HOURS
    )
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    _audit(
        action="events.endpoint_rotate", user=user, request=request, endpoint=endpoint, detail=""
    )
    return WithSecret(endpoint, secret)


def endpoint_enable(
    *, user: Any, endpoint: Endpoint, enabled: bool, request: HttpRequest | None = None
) -> Endpoint:
    """Stop or resume deliveries. Resumed, the waiting ones get a fresh retry window."""
    _may(user, endpoint)
    now = timezone.now()
    with transaction.atomic():
        endpoint.enabled = enabled
        endpoint.disabled_at = None if enabled else now
        endpoint.disabled_reason = "" if enabled else _("Disabled by %(user)s") % {"user": user}
        endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason"])
        if enabled:
            endpoint.deliveries.filter(status=EventDelivery.Status.PENDING).update(
                next_attempt_at=now, give_up_at=now + retry_window()
            )
    _audit(
        action="events.endpoint_enable" if enabled else "events.endpoint_disable",
        user=user,
        request=request,
        endpoint=endpoint,
        detail="",
    )
    return endpoint


def endpoint_delete(*, user: Any, endpoint: Endpoint, request: HttpRequest | None = None) -> None:
    """Delete the endpoint with its delivery log; nothing more is sent to it."""
    _may(user, endpoint)
    _audit(
        action="events.endpoint_delete", user=user, request=request, endpoint=endpoint, detail=""
    )
    endpoint.delete()


def endpoint_send_test(
    *, user: Any, endpoint: Endpoint, request: HttpRequest | None = None
) -> EventDelivery:
    """Queue a test event (type event.test) for the worker, whatever events are chosen."""
    _may(user, endpoint)
    now = timezone.now()
    event_id = new_event_id()
    delivery = EventDelivery.objects.create(
        endpoint=endpoint,
        event_id=event_id,
        kind=TEST_KIND,
        ordering_key=f"event:{event_id}",
        body=event_body(
            kind=TEST_KIND,
            at=now,
            id_instance=None,
            reseller_id=endpoint.reseller_id,
            extra={"test": True},
        ),
        next_attempt_at=now,
        give_up_at=now + retry_window(),
    )
    _audit(
        action="events.send_test", user=user, request=request, endpoint=endpoint, detail=event_id
    )
    return delivery


def delivery_redeliver(
    *, user: Any, delivery: EventDelivery, request: HttpRequest | None = None
) -> EventDelivery:
    """Send an event again: a new delivery of the same body and webhook-id, due now."""
    _may(user, delivery.endpoint)
    now = timezone.now()
    again = EventDelivery.objects.create(
        endpoint=delivery.endpoint,
        event_id=delivery.event_id,
        kind=delivery.kind,
        id_instance=delivery.id_instance,
        # Its own key: a repeat asked for by a person goes now, behind nothing.
        ordering_key=f"again:{new_event_id()}",
        body=delivery.body,
        next_attempt_at=now,
        give_up_at=now + retry_window(),
    )
    _audit(
        action="events.redeliver",
        user=user,
        request=request,
        endpoint=delivery.endpoint,
        detail=delivery.event_id,
    )
    return again


def _may(user: Any, endpoint: Endpoint) -> None:
    require(user, Action.MANAGE_EVENTS)
    if not in_tenant(user, endpoint.reseller_id):
        raise PermissionDenied


def _audit(
    *, action: str, user: Any, request: HttpRequest | None, endpoint: Endpoint, detail: str
) -> None:
    audit_record(
        action=action,
        actor=user,
        request=request,
        target=endpoint,
        reseller=endpoint.reseller,
        detail=detail,
    )
