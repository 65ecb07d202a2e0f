"""Create an instance exactly once: claim the form's key, call createInstance once, settle.

createInstance is billed daily, so a duplicate costs money. The order row with a UNIQUE key is
committed *before* Green API is called; a repeat of the same submit finds it and never calls
again. A call whose outcome is unknown (timeout after sending, 5xx, unreadable answer) is never
re-sent: the order waits as "pending" until getInstances shows the instance or time runs out.
A refusal can come after the work too, so one look at getInstances decides before it fails.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.audit import audit_record
from accounts.models import AuditEvent, Reseller, User
from accounts.permissions import can_create_instance_for
from core.errors import ApplicationError
from greenapi import CreateInstanceParams, GreenAPIError, PartnerInstance
from instances.greenapi_factory import partner_client
from instances.lifecycle import CREATED, ORDER_FAILED, lifecycle_send
from instances.models import CreateOrder, Instance
from instances.quota import quota_room, reseller_locked
from instances.services.listing_guard import CLOCK_SKEW
from instances.services.listing_scan import scan_for_orders
from instances.services.webhooks import params_with_portal_webhook

logger = logging.getLogger(__name__)

# An order still "claimed" after this long lost its process mid-call: settle it like "pending".
ABANDONED_CLAIM = timedelta(minutes=2)
# A pending order that getInstances has not shown after this long was never created.
SETTLE_GIVE_UP = timedelta(minutes=15)

ALREADY_SUBMITTED = gettext_lazy("This form was already submitted; reload the page to start again.")
STILL_CREATING = gettext_lazy(
    "Green API may be creating this instance right now; check again in a couple of minutes."
)
LIST_UNREADABLE = gettext_lazy(
    "Green API's list of instances could not be read just now, so the order stays open. "
    "Try again in a minute."
)
# Kept on the order in English (the worker settles orders too) and translated when shown:
# templates/instances/order.html passes the message through {% translate %}.
UNMATCHED_SETTLED = gettext_noop(
    "Green API lists an instance with this name, but it cannot be told apart from "
    "another order's; partner staff can assign it from the instance list."
)
NOT_LISTED = gettext_noop(
    "Green API never listed this instance, so it was not created and is not billed."
)
UNMATCHED_CHECKED = gettext_noop(
    "Green API lists an instance with this name, but it cannot be told apart from "
    "another order's; assign it from the instance list."
)


class QuotaFull(ApplicationError):
    """The reseller has no room for another instance."""

    def __init__(self, reseller: Reseller) -> None:
        super().__init__(
            _(
                "%(reseller)s already has its quota of %(quota)s instances (including orders "
                "still being created). Delete one or ask for a higher quota."
            )
            % {"reseller": reseller.name, "quota": reseller.instance_quota}
        )


def instance_create(
    *,
    user: User,
    key: uuid.UUID,
    reseller: Reseller | None,
    params: CreateInstanceParams,
    request: HttpRequest | None = None,
) -> CreateOrder:
    """Create one instance for this form key; the same user's repeated key gets the first order."""
    if not can_create_instance_for(user, reseller):
        raise PermissionDenied
    existing = CreateOrder.objects.filter(key=key).first()
    if existing is not None:
        return _own(existing, user)
    params, webhook_token_hash = params_with_portal_webhook(params)
    order, claimed = _claim(
        user=user, key=key, reseller=reseller, params=params, webhook_token_hash=webhook_token_hash
    )
    if not claimed:
        return _own(order, user)  # another request claimed this key first and makes the one call
    try:
        created = partner_client().create_instance(params)
    except GreenAPIError as exc:
        failure = exc
    else:
        return _complete(
            order,
            id_instance=created.id_instance,
            api_token=created.api_token,
            type_instance=created.type_instance,
            request=request,
        )
    if failure.status is None and not failure.outcome_unknown:
        # The connection was never made: nothing reached Green API, so nothing was created.
        return _fail(order, failure.message, CreateOrder.Reason.UNREACHABLE, request=request)
    reason = (
        CreateOrder.Reason.UNANSWERED if failure.outcome_unknown else CreateOrder.Reason.REFUSED
    )
    _finish(order, CreateOrder.Status.PENDING, failure.message, reason, settled=False)
    if failure.outcome_unknown:
        logger.warning("createInstance outcome unknown for order %s: %s", order.pk, failure.message)
        return order_settle(order, request=request)
    # Even a refusal (a 429, the "expired" text) can come after the work was done: one look at
    # the list tells, and only a look that shows no such instance makes the order fail.
    logger.warning("createInstance refused for order %s: %s", order.pk, failure.message)
    remote = _look(order)
    if remote is None:
        return order
    match = _match(order, remote)
    if match is not None:
        return _settled_from(order, match, request=request)
    if _candidates(order, remote):
        return order  # listed, but not told apart from another order's: it stays pending
    return _fail(order, failure.message, CreateOrder.Reason.REFUSED, request=request)


def _own(order: CreateOrder, user: User) -> CreateOrder:
    """The order of a repeated form key, if this user placed it; another's key learns nothing."""
    if order.requested_by_id != user.pk:
        raise ApplicationError(str(ALREADY_SUBMITTED))
    return order


def _claim(
    *,
    user: User,
    key: uuid.UUID,
    reseller: Reseller | None,
    params: CreateInstanceParams,
    webhook_token_hash: str,
) -> tuple[CreateOrder, bool]:
    """Commit the order row (after the quota check) before anything is sent to Green API.

    Returns the order and whether this call claimed it; only the claimer calls Green API. The
    digest of the portal's webhook token is committed with it, so whichever process settles the
    order can check the instance's webhooks.
    """
    with transaction.atomic():
        if reseller is not None:
            # The row lock serialises creates for one reseller, so the quota cannot be raced.
            locked = reseller_locked(reseller)
            # Whoever held the lock before us may have claimed this very key.
            existing = CreateOrder.objects.filter(key=key).first()
            if existing is not None:
                return existing, False
            if quota_room(locked) < 1:
                raise QuotaFull(locked)
        try:
            with transaction.atomic():
                order = CreateOrder.objects.create(
                    key=key,
                    name=params.name or "",
                    type_instance=params.type_instance or "",
                    reseller=reseller,
                    requested_by=user,
                    webhook_token_hash=webhook_token_hash,
                )
            return order, True
        except IntegrityError:
            pass
    return CreateOrder.objects.get(key=key), False


def _finish(
    order: CreateOrder, status: str, message: str, reason: str, *, settled: bool = True
) -> None:
    order.status = status
    order.message = message[:500]
    order.reason = reason
    order.settled_at = timezone.now() if settled else None
    order.save(update_fields=["status", "message", "reason", "settled_at"])


def _fail(
    order: CreateOrder, message: str, reason: str, *, request: HttpRequest | None
) -> CreateOrder:
    with transaction.atomic():
        _finish(order, CreateOrder.Status.FAILED, message, reason)
        _tell_failed(order)
    audit_record(
        action="instance.create",
        request=request,
        actor=order.requested_by,
        reseller=order.reseller,
        result=AuditEvent.Result.FAILED,
        detail=message,
    )
    return order


def _tell_failed(order: CreateOrder) -> None:
    """order.failed to the lifecycle's listeners; call in the transaction that fails it."""
    lifecycle_send(
        ORDER_FAILED,
        id_instance=None,
        reseller_id=order.reseller_id,
        at=order.settled_at or timezone.now(),
        extra={"order_id": order.pk, "name": order.name, "reason": order.reason},
    )


def _complete(
    order: CreateOrder,
    *,
    id_instance: int,
    api_token: str,
    type_instance: str,
    request: HttpRequest | None,
    remote: PartnerInstance | None = None,
) -> CreateOrder:
    """Record the created instance in the mirror with its owner, and close the order."""
    now = timezone.now()
    with transaction.atomic():
        fields: dict[str, Any] = {
            "api_token": api_token,
            "type_instance": type_instance,
            "reseller": order.reseller,
            "created_by": order.requested_by,
            # Mirrored fields written here, not from an answer: the next sync rewrites the row.
            "sync_fingerprint": "",
        }
        if remote is not None:
            fields |= {"name": remote.name, "time_created": remote.time_created}
        if order.webhook_token_hash:
            fields["webhook_token_hash"] = order.webhook_token_hash  # Green API now sends it
        instance, _ = Instance.objects.update_or_create(
            id_instance=id_instance,
            defaults=fields,
            create_defaults={
                **fields,
                "name": fields.get("name", order.name),
                "time_created": fields.get("time_created", now),
                "state": Instance.State.CREATING,
                "state_changed_at": now,
            },
        )
        order.instance = instance
        order.status = CreateOrder.Status.DONE
        order.settled_at = now
        order.message = ""
        order.reason = CreateOrder.Reason.NONE
        order.save(update_fields=["instance", "status", "settled_at", "message", "reason"])
        lifecycle_send(
            CREATED,
            id_instance=instance.pk,
            reseller_id=order.reseller_id,
            new_state=instance.state,
            at=now,
            extra={"order_id": order.pk},
        )
    audit_record(
        action="instance.create",
        request=request,
        actor=order.requested_by,
        target=instance,
        detail="settled from getInstances" if remote is not None else "",
    )
    return order


def order_settle(
    order: CreateOrder,
    *,
    remote: list[PartnerInstance] | None = None,
    request: HttpRequest | None = None,
) -> CreateOrder:
    """Settle an order whose createInstance outcome is unknown, without calling it again."""
    if not needs_settling(order, timezone.now()):
        return order
    if remote is None:
        remote = _look(order)
        if remote is None:
            return order
    match = _match(order, remote)
    if match is not None:
        return _settled_from(order, match, request=request)
    if timezone.now() - order.created_at > SETTLE_GIVE_UP:
        listed = any(item.name == order.name and not item.deleted for item in remote)
        with transaction.atomic():
            _finish(
                order,
                CreateOrder.Status.FAILED,
                UNMATCHED_SETTLED if listed else NOT_LISTED,
                CreateOrder.Reason.UNMATCHED if listed else CreateOrder.Reason.NOT_LISTED,
            )
            _tell_failed(order)
        audit_record(
            action="instance.create",
            request=request,
            actor=order.requested_by,
            reseller=order.reseller,
            result=AuditEvent.Result.FAILED,
            detail="not listed by Green API after the create timed out",
        )
    return order


def order_check_now(order: CreateOrder, *, actor: User, request: HttpRequest) -> CreateOrder:
    """Partner staff: settle an open order now, from a fresh getInstances answer.

    Listed and told apart: the order completes. Not listed: it closes as not created (and no
    longer holds a place of the reseller's quota), without waiting for SETTLE_GIVE_UP. An order
    whose create may still be under way, or a list that cannot be read, raises ApplicationError:
    closing on either could leave a billed instance nobody owns.
    """
    if not order.is_open:
        return order  # settled already: nothing to check
    if not needs_settling(order, timezone.now()):
        raise ApplicationError(str(STILL_CREATING))
    remote = _look(order)
    if remote is None:
        raise ApplicationError(str(LIST_UNREADABLE))
    match = _match(order, remote)
    if match is not None:
        return _settled_from(order, match, request=request)
    if _candidates(order, remote):
        reason, message = CreateOrder.Reason.UNMATCHED, UNMATCHED_CHECKED
    else:
        reason, message = (
            CreateOrder.Reason.CLOSED,
            # Kept as the staff member reads it: it names them.
            _(
                "Closed by %(actor)s after Green API's list showed no such instance: it was "
                "not created and is not billed."
            )
            % {"actor": actor},
        )
    # The worker may settle the same order meanwhile: only a still open order is closed here.
    with transaction.atomic():
        closed = (
            CreateOrder.objects.open()
            .filter(pk=order.pk)
            .update(
                status=CreateOrder.Status.FAILED,
                reason=reason,
                message=message,
                settled_at=timezone.now(),
            )
        )
        order.refresh_from_db()
        if closed:
            _tell_failed(order)
    if closed:
        audit_record(
            action="order.close",
            request=request,
            actor=actor,
            target=order,
            reseller=order.reseller,
            detail=str(reason.label),
        )
    return order


def _look(order: CreateOrder) -> list[PartnerInstance] | None:
    """The items of one getInstances answer that may settle this order, or None when there is
    no answer worth trusting."""
    fetched_at = timezone.now()
    try:
        remote, refusal = scan_for_orders(
            partner_client(), names={order.name}, fetched_at=fetched_at
        )
    except GreenAPIError as exc:
        logger.info("Order %s stays pending: %s", order.pk, exc.message)
        return None
    if refusal:
        logger.warning("Order %s stays pending: %s", order.pk, refusal)
        return None
    return remote


def _settled_from(
    order: CreateOrder, match: PartnerInstance, *, request: HttpRequest | None
) -> CreateOrder:
    return _complete(
        order,
        id_instance=match.id_instance,
        api_token=match.api_token,
        type_instance=match.type_instance,
        request=request,
        remote=match,
    )


def orders_settle_open(remote: list[PartnerInstance]) -> int:
    """Settle every open order against one getInstances answer; returns how many closed.

    `remote` must come from an answer the guard accepted (listing_guard.ListingTally).
    """
    now = timezone.now()
    closed = 0
    for order in CreateOrder.objects.open().select_related("reseller", "requested_by"):
        if needs_settling(order, now):
            closed += not order_settle(order, remote=remote).is_open
    return closed


def open_order_names() -> set[str]:
    """The names of the open orders, for listing_scan.may_settle_an_order."""
    return set(CreateOrder.objects.open().values_list("name", flat=True))


def needs_settling(order: CreateOrder, now: datetime) -> bool:
    """Is the order's outcome unknown: pending, or claimed by a request that never came back?"""
    if order.status == CreateOrder.Status.PENDING:
        return True
    return order.status == CreateOrder.Status.CLAIMED and now - order.created_at > ABANDONED_CLAIM


def _candidates(order: CreateOrder, remote: list[PartnerInstance]) -> list[PartnerInstance]:
    """Listed instances this order may have made: same name and messenger, made after it."""
    earliest = order.created_at - CLOCK_SKEW
    return [
        item
        for item in remote
        if item.name == order.name
        and not item.deleted
        and (not order.type_instance or item.type_instance == order.type_instance)
        and (item.time_created is None or item.time_created >= earliest)
    ]


def _match(order: CreateOrder, remote: list[PartnerInstance]) -> PartnerInstance | None:
    """The instance this order created: same name, made after the order, claimed by no one."""
    candidates = _candidates(order, remote)
    if not candidates:
        return None
    taken = set(
        Instance.objects.filter(pk__in=[item.id_instance for item in candidates])
        .exclude(created_by=None)
        .values_list("pk", flat=True)
    )
    free = [item for item in candidates if item.id_instance not in taken]
    rivals = (
        CreateOrder.objects.open()
        .filter(name=order.name, type_instance=order.type_instance)
        .exclude(pk=order.pk)
        .exists()
    )
    # Only an unambiguous match is safe: guessing could hand one reseller another's instance.
    if len(free) != 1 or rivals:
        return None
    return free[0]
