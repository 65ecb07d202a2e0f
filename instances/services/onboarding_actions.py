"""What a person does on the onboarding page: ask for a pairing code, log out and retry, reboot."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from core.errors import ApplicationError
from greenapi import BadRequest, GreenAPIError
from instances.greenapi_factory import instance_client
from instances.models import Instance
from instances.services.actions import instance_logout, instance_reboot
from instances.services.errors import Outcome, reason_for
from instances.services.onboarding import onboarding_forget

if TYPE_CHECKING:
    from instances.models import OnboardingLink

logger = logging.getLogger(__name__)

# A pairing code is valid for about 2.5 minutes (docs/greenapi.md §3.5).
CODE_VALIDITY = timedelta(seconds=150)
CODE_SPACING_SECONDS = 3


@dataclass(frozen=True)
class PairingCode:
    code: str  # 8 characters, shown as ABCD-EFGH
    expires_at: datetime

    @property
    def display(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}" if len(self.code) == 8 else self.code


def _masked(phone_number: int) -> str:
    return "…" + str(phone_number)[-4:]


def onboarding_pairing_code(
    *,
    instance: Instance,
    phone_number: int,
    user: User | None,
    request: HttpRequest | None = None,
    link: OnboardingLink | None = None,
) -> PairingCode:
    """Ask Green API for a code to type on the phone (WhatsApp only); raise ApplicationError."""
    if instance.type_instance != Instance.Type.WHATSAPP:
        raise ApplicationError(
            _("Linking with a phone number works only for WhatsApp. Scan the QR code instead.")
        )
    if instance.deleted:
        raise ApplicationError(_("This instance was deleted."))
    detail = f"for {_masked(phone_number)}" + (" through a customer link" if link else "")
    # One code at a time per instance: a double click or a busy customer link would only
    # draw Green API's rate limit, and each new code voids the one before.
    if not cache.add(f"onboarding:code:{instance.pk}", 1, timeout=CODE_SPACING_SECONDS):
        raise ApplicationError(
            _("A code was asked for a moment ago. Wait a few seconds, then ask again.")
        )
    try:
        answer = instance_client(instance).get_authorization_code(phone_number)
    except GreenAPIError as error:
        logger.info("getAuthorizationCode of %s failed: %s", instance.pk, error.message)
        failure: GreenAPIError | None = error
    else:
        if answer.status and answer.code:
            audit_record(
                action="onboarding.pairing_code",
                actor=user,
                request=request,
                target=instance,
                detail=detail,
            )
            return PairingCode(code=answer.code, expires_at=timezone.now() + CODE_VALIDITY)
        failure = None
    with translation.override("en"):  # the audit log is English, whoever reads the page
        logged = _explain(failure, instance)
    audit_record(
        action="onboarding.pairing_code",
        actor=user,
        request=request,
        target=instance,
        result=AuditEvent.Result.FAILED,
        detail=f"{detail}: {logged}",
    )
    raise ApplicationError(_explain(failure, instance))


def _explain(error: GreenAPIError | None, instance: Instance) -> str:
    """Why no code came (None: Green API answered without one), in the active language."""
    if error is None:
        return _(
            "Green API could not make a code just now. Check that the instance is not linked "
            "already, wait a few seconds and ask again."
        )
    reason = reason_for(error, instance)
    if reason.outcome == Outcome.NOT_READY:
        return _("The instance is not ready yet. Wait until the QR code shows, then ask again.")
    if reason.outcome == Outcome.RETRY:
        return _("%(reason)s Wait a few seconds and ask again.") % {"reason": reason.text}
    if isinstance(error, BadRequest):
        return _("Green API refused this phone number. Check it and ask again.")
    return reason.text


def onboarding_logout(
    *, instance: Instance, user: User, request: HttpRequest | None = None
) -> None:
    """Log out stale login data so a fresh QR code appears; raises ApplicationError."""
    try:
        instance_logout(instance=instance, user=user, request=request)
    finally:
        onboarding_forget(instance=instance)


def onboarding_reboot(
    *, instance: Instance, user: User, request: HttpRequest | None = None
) -> None:
    """Reboot an instance that has been starting too long; raises ApplicationError."""
    try:
        instance_reboot(instance=instance, user=user, request=request)
    finally:
        onboarding_forget(instance=instance)
