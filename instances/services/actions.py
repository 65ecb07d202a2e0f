"""Reboot, logout and an on-demand state check: one Green API call each."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from core.errors import ApplicationError
from greenapi import GreenAPIError, InstanceClient
from instances.greenapi_factory import instance_client
from instances.models import Instance, StateChange
from instances.services.errors import explain, refuse_if_deleted
from instances.services.state import instance_state_refresh, state_record

logger = logging.getLogger(__name__)


def instance_reboot(*, instance: Instance, user: User, request: HttpRequest | None = None) -> None:
    """Restart the instance; the mirror shows it starting until the next check."""
    _perform(
        instance=instance,
        user=user,
        request=request,
        action="instance.reboot",
        doing=_("reboot the instance"),
        call=InstanceClient.reboot,
        new_state=Instance.State.STARTING,
    )


def instance_logout(*, instance: Instance, user: User, request: HttpRequest | None = None) -> None:
    """Unlink the phone from the instance; the mirror shows it not linked."""
    _perform(
        instance=instance,
        user=user,
        request=request,
        action="instance.logout",
        doing=_("log the instance out"),
        call=InstanceClient.logout,
        new_state=Instance.State.NOT_AUTHORIZED,
    )


def _perform(
    *,
    instance: Instance,
    user: User,
    request: HttpRequest | None,
    action: str,
    doing: str,
    call: Callable[[InstanceClient], bool],
    new_state: str,
) -> None:
    refuse_if_deleted(instance, doing=doing)
    try:
        confirmed = call(instance_client(instance))
    except GreenAPIError as exc:
        logger.info("%s of instance %s failed: %s", action, instance.pk, exc.message)
        message = explain(exc, instance=instance, doing=doing)
    else:
        message = (
            ""
            if confirmed
            else _(
                "Could not %(doing)s: Green API answered that it did not. Try again in a minute."
            )
            % {"doing": doing}
        )
    if message:
        audit_record(
            action=action,
            request=request,
            actor=user,
            target=instance,
            result=AuditEvent.Result.FAILED,
            detail=message,
        )
        raise ApplicationError(message)
    state_record(instance=instance, state=new_state, source=StateChange.Source.ACTION)
    audit_record(action=action, request=request, actor=user, target=instance)


def instance_state_check(*, instance: Instance) -> str:
    """Ask Green API for the live state now; ApplicationError (mirror unchanged) if it cannot."""
    doing = _("check the state")
    refuse_if_deleted(instance, doing=doing)
    try:
        return instance_state_refresh(instance=instance)
    except GreenAPIError as exc:
        logger.info("State check of instance %s failed: %s", instance.pk, exc.message)
        raise ApplicationError(explain(exc, instance=instance, doing=doing)) from None
