"""Show an instance's API token to someone who has just typed their password again."""

from __future__ import annotations

import math
from typing import Final

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from accounts.permissions import Action, require
from core.attempts import AttemptsExhausted, attempt_claim, attempt_release
from core.errors import ApplicationError
from instances.models import Instance
from instances.services.errors import refuse_if_deleted

ACTION: Final = "instance.token_reveal"
WRONG_PASSWORD: Final = "wrong password"  # noqa: S105  (an audit detail, not a secret)
LOCKED: Final = "refused: too many wrong passwords"


class RevealRefused(ApplicationError):
    """The password was wrong, or wrong too often lately (`locked`)."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


def instance_token_reveal(
    *, instance: Instance, user: User, password: str, request: HttpRequest | None = None
) -> str:
    """The instance's apiTokenInstance if `password` is the user's own; every try is audited.

    Each try is counted before the password is checked (core/attempts.py), so the limit holds
    for parallel tries and across server processes: after LOGIN_FAILURE_LIMIT wrong passwords,
    reveals are refused until LOGIN_COOLOFF_MINUTES after the last one. A right password does
    not count. The login lockout is not touched.
    """
    _revealable(instance)
    cooloff = settings.AXES_COOLOFF_TIME
    try:
        claim = attempt_claim(
            key=f"token_reveal:{user.pk}", limit=settings.AXES_FAILURE_LIMIT, window=cooloff
        )
    except AttemptsExhausted:
        _denied(instance, user, request, LOCKED)
        minutes = math.ceil(cooloff.total_seconds() / 60)
        raise RevealRefused(
            ngettext(
                "The password was wrong too many times. Try again in up to %(minutes)s minute.",
                "The password was wrong too many times. Try again in up to %(minutes)s minutes.",
                minutes,
            )
            % {"minutes": minutes},
            locked=True,
        ) from None
    if not user.check_password(password):
        _denied(instance, user, request, WRONG_PASSWORD)
        raise RevealRefused(_("That is not your password. Type the password you log in with."))
    attempt_release(claim)
    audit_record(action=ACTION, request=request, actor=user, target=instance)
    return instance.api_token


def instance_token_reveal_by_api(
    *, instance: Instance, user: User, request: HttpRequest | None = None
) -> str:
    """The instance's apiTokenInstance for an API token with the reveal scope, which stands in
    for the typed password; the role must hold REVEAL_TOKEN, and it is audited like the page."""
    require(user, Action.REVEAL_TOKEN, instance)
    _revealable(instance)
    audit_record(action=ACTION, request=request, actor=user, target=instance)
    return instance.api_token


def _revealable(instance: Instance) -> None:
    refuse_if_deleted(instance, doing=_("show the API token"))
    if not instance.api_token:
        raise ApplicationError(
            _(
                "No API token is stored for this instance yet. It arrives with the next sync of "
                "the instance list: try again in a few minutes."
            )
        )


def _denied(instance: Instance, user: User, request: HttpRequest | None, detail: str) -> None:
    audit_record(
        action=ACTION,
        request=request,
        actor=user,
        target=instance,
        result=AuditEvent.Result.DENIED,
        detail=detail,
    )
