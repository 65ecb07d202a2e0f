"""Green API's webhooks to the portal (docs/greenapi.md §3.13): states as they change.

When PUBLIC_BASE_URL is set, an instance created without a webhook URL of its own gets the
portal's, with a token of its own (services/create.py). A webhook counts only with that
instance's token. `stateInstanceChanged` goes through the one state writer, `quotaExceeded` and
`deviceInfo` are kept on the instance, `outgoingMessageStatus` updates a portal test message
(services/send_check.py), every other type is answered and dropped. Each event is
one indexed write (by primary key) and makes no outgoing call; a repeated event changes nothing
and an older one never overwrites what is known.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q

from core.crypto import token_digest, token_matches
from core.rows import row_read
from greenapi import CreateInstanceParams
from greenapi.webhooks import (
    DeviceInfo,
    MalformedWebhook,
    OutgoingMessageStatus,
    QuotaExceeded,
    StateInstanceChanged,
    Webhook,
    parse_webhook,
)
from instances.models import LINKED_STATES, Instance, StateChange
from instances.services.send_check import instance_test_message_status_record
from instances.services.state import STATE_FIELDS, state_from_wire, state_record

logger = logging.getLogger(__name__)

# A webhook's timestamp is in whole seconds: the change happened somewhere in that second.
_SECOND: Final = timedelta(seconds=1) - timedelta(microseconds=1)


class Outcome(StrEnum):
    APPLIED = "applied"  # the state was recorded (changed, or confirmed as it was)
    RECORDED = "recorded"  # quota or device news was kept
    STALE = "stale"  # older than what is known, or quota/device news already kept: no change
    IGNORED = "ignored"  # a type the portal does not use, or a deleted instance
    UNKNOWN_INSTANCE = "unknown instance"
    UNAUTHORIZED = "unauthorized"
    MALFORMED = "malformed"
    UNAVAILABLE = "unavailable"  # the database failed: Green API should try again


@dataclass(frozen=True, slots=True)
class Receipt:
    outcome: Outcome
    changed: bool = False


def portal_webhook_url() -> str:
    """The webhook URL Green API is given for the portal, or "" when PUBLIC_BASE_URL is unset."""
    base: str = settings.PUBLIC_BASE_URL
    return f"{base}{settings.GREEN_API_WEBHOOK_PATH}" if base else ""


def params_with_portal_webhook(params: CreateInstanceParams) -> tuple[CreateInstanceParams, str]:
    """The create's parameters with the portal's webhook, and the digest of its fresh token to
    keep ("" for none): the token itself leaves only in the parameters, for Green API.

    Only when PUBLIC_BASE_URL is set and the customer gave no webhook URL of their own (or gave
    the portal's, which works only with the portal's token). A customer's own URL is kept, and
    that instance's state then comes from polling.
    """
    url = portal_webhook_url()
    if not url or (params.webhook_url and params.webhook_url != url):
        return params, ""
    token = secrets.token_urlsafe(32)
    with_webhook = replace(params, webhook_url=url, webhook_url_token=token, state_webhook=True)
    return with_webhook, token_digest(token)


def webhook_token_follow_settings(*, instance: Instance, changes: Mapping[str, str | int]) -> None:
    """Keep the stored token true after setSettings changed the webhook URL or token.

    A URL that is no longer the portal's takes the portal's trust with it; a new token while
    the URL is the portal's is the one Green API will send from now on.
    """
    portal = portal_webhook_url()
    if "webhookUrl" in changes and changes["webhookUrl"] != portal:
        digest = ""
    elif "webhookUrlToken" in changes and (
        changes.get("webhookUrl") == portal
        or ("webhookUrl" not in changes and instance.webhook_token_hash)
    ):
        token = str(changes["webhookUrlToken"])
        digest = token_digest(token) if token else ""
    else:
        return
    if digest != instance.webhook_token_hash:
        Instance.objects.filter(pk=instance.pk).update(webhook_token_hash=digest)
        instance.webhook_token_hash = digest


def webhook_receive(*, authorization: str, body: bytes) -> Receipt:
    """Authenticate and apply one webhook; the outcome decides the HTTP answer."""
    token = _bearer(authorization)
    if not token:
        return Receipt(Outcome.UNAUTHORIZED)
    try:
        webhook = parse_webhook(body)
    except MalformedWebhook as error:
        logger.info("Green API webhook refused as malformed: %s", error)
        return Receipt(Outcome.MALFORMED)
    try:
        return _receive(webhook, token)
    except DatabaseError as error:
        logger.warning(
            "Webhook for instance %s not stored, the database failed: %s",
            webhook.id_instance,
            type(error).__name__,
        )
        return Receipt(Outcome.UNAVAILABLE)


def _bearer(authorization: str) -> str:
    # Green API's own receivers strip "Bearer "; the exact form is unconfirmed (docs/greenapi.md
    # §3.13, §7), so a bare token is accepted too.
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return rest.strip()
    return authorization.strip()


def _receive(webhook: Webhook, token: str) -> Receipt:
    # One read brings what the check and the state writer need.
    fields = ("webhook_token_hash", "deleted", *STATE_FIELDS)
    instance = row_read(Instance, pk=webhook.id_instance, fields=fields)
    if instance is None:
        # 200, so Green API stops retrying: an order not settled yet, or not ours at all.
        logger.info(
            "Green API webhook %.40r for unknown instance %s ignored",
            webhook.type_webhook,
            webhook.id_instance,
        )
        return Receipt(Outcome.UNKNOWN_INSTANCE)
    if not token_matches(token, instance.webhook_token_hash):
        logger.warning(
            "Green API webhook for instance %s refused: wrong token", webhook.id_instance
        )
        return Receipt(Outcome.UNAUTHORIZED)
    if instance.deleted:
        return Receipt(Outcome.IGNORED)
    if isinstance(webhook, StateInstanceChanged):
        return _state_changed(instance, webhook)
    if isinstance(webhook, QuotaExceeded):
        return _keep(instance, webhook.timestamp, quota_exceeded=webhook.quota)
    if isinstance(webhook, DeviceInfo):
        return _keep(instance, webhook.timestamp, device_info=webhook.device)
    if isinstance(webhook, OutgoingMessageStatus):
        return _message_status(instance, webhook)
    return Receipt(Outcome.IGNORED)


def _message_status(instance: Instance, webhook: OutgoingMessageStatus) -> Receipt:
    """A portal test message's status; statuses of the customer's own messages are ignored."""
    changed = instance_test_message_status_record(
        instance=instance,
        id_message=webhook.id_message,
        status=webhook.status,
        description=webhook.description,
    )
    if changed is None:
        return Receipt(Outcome.IGNORED)
    return Receipt(Outcome.RECORDED if changed else Outcome.STALE, changed=changed)


def _state_changed(instance: Instance, webhook: StateInstanceChanged) -> Receipt:
    # The end of the webhook's second: a poll earlier in that second saw the state before the
    # change, and must not outrank it.
    at = webhook.timestamp + _SECOND
    state = state_from_wire(webhook.state_instance)
    changed = state_record(instance=instance, state=state, source=StateChange.Source.WEBHOOK, at=at)
    if instance.state_checked_at != at:
        return Receipt(Outcome.STALE)
    phone = webhook.phone
    if state in LINKED_STATES and phone and phone != instance.phone:
        # Once per linking. Should it fail, the state stands; a retry or the next poll adds it.
        Instance.objects.filter(pk=instance.pk, state=state).update(phone=phone)
    if changed:
        logger.info("Instance %s is now %s (Green API webhook)", instance.pk, state or "unknown")
    return Receipt(Outcome.APPLIED, changed=changed)


def _keep(instance: Instance, at: datetime, **news: dict[str, str | int | float]) -> Receipt:
    """Store quota or device news unless newer news of the same kind is already stored."""
    (field, value), *_ = news.items()
    stamp = f"{field}_at"
    kept = (
        Instance.objects.filter(pk=instance.pk)
        .filter(Q(**{f"{stamp}__isnull": True}) | Q(**{f"{stamp}__lt": at}))
        .update(**{field: value, stamp: at})
    )
    return Receipt(Outcome.RECORDED if kept else Outcome.STALE)
