"""Read and change an instance's settings (getSettings / setSettings, docs/greenapi.md §3.8-3.9)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Final

from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from core.errors import ApplicationError
from greenapi import GreenAPIError, InstanceSettings
from greenapi.params import FLAG_WIRE_NAMES
from instances.greenapi_factory import instance_client
from instances.models import Instance, StateChange
from instances.services.errors import explain, refuse_if_deleted
from instances.services.state import state_record
from instances.services.webhooks import webhook_token_follow_settings

logger = logging.getLogger(__name__)

TOKEN_KEY: Final = "webhookUrlToken"  # noqa: S105  (a setting's name, not a secret)
WRITABLE_KEYS: Final = frozenset(
    {"webhookUrl", TOKEN_KEY, "delaySendMessagesMilliseconds", *FLAG_WIRE_NAMES.values()}
)


def instance_settings_read(*, instance: Instance) -> InstanceSettings:
    """The instance's settings as Green API has them; ApplicationError when it cannot say."""
    doing = _("read the settings")
    refuse_if_deleted(instance, doing=doing)
    try:
        return instance_client(instance).get_settings()
    except GreenAPIError as exc:
        logger.info("getSettings of instance %s failed: %s", instance.pk, exc.message)
        raise ApplicationError(explain(exc, instance=instance, doing=doing)) from None


def instance_settings_save(
    *,
    instance: Instance,
    user: User,
    changes: Mapping[str, str | int],
    request: HttpRequest | None = None,
) -> None:
    """Send the changed settings (wire names) once; Green API restarts the instance for them."""
    doing = _("save the settings")
    unknown = set(changes) - WRITABLE_KEYS
    if not changes or unknown:
        raise ValueError(f"Not writable settings: {sorted(unknown) or 'none given'}")
    refuse_if_deleted(instance, doing=doing)
    detail = "changed " + settings_described(changes)
    try:
        confirmed = instance_client(instance).set_settings(changes)
    except GreenAPIError as exc:
        logger.info("setSettings of instance %s failed: %s", instance.pk, exc.message)
        message = explain(exc, instance=instance, doing=doing)
    else:
        message = (
            ""
            if confirmed
            else _("Could not %(doing)s: Green API did not confirm them.") % {"doing": doing}
        )
    if message:
        audit_record(
            action="instance.settings",
            request=request,
            actor=user,
            target=instance,
            result=AuditEvent.Result.FAILED,
            detail=f"{message} ({detail})",
        )
        raise ApplicationError(message)
    webhook_token_follow_settings(instance=instance, changes=changes)
    state_record(instance=instance, state=Instance.State.STARTING, source=StateChange.Source.ACTION)
    audit_record(
        action="instance.settings", request=request, actor=user, target=instance, detail=detail
    )


def settings_described(changes: Mapping[str, str | int]) -> str:
    """The changed settings' names, safe to show and log ("stateWebhook, webhookUrlToken
    (replaced)")."""
    return ", ".join(_described(key, value) for key, value in sorted(changes.items()))


def _described(key: str, value: str | int) -> str:
    # Names only: a webhook URL can carry credentials too, and the token always is one.
    if key == TOKEN_KEY:
        return f"{key} ({'replaced' if value else 'cleared'})"
    return key
