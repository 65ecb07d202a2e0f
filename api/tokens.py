"""Issuing, checking and revoking API tokens (the services of api/models.py's ApiToken)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from accounts.permissions import Action, can
from accounts.tenancy import is_member
from api.models import ApiToken, Scope
from core.errors import ApplicationError

# Recognisable in a leaked log or a secret scanner; core/redaction.py removes them.
TOKEN_PREFIX = "ppat_"  # noqa: S105  (a prefix, not a secret)
DEFAULT_LIFETIME = timedelta(days=90)
LONGEST_LIFETIME = timedelta(days=365)
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length or 100
# Writing last-used time on every request would make each call a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)

# The actions a scope leads to (accounts/permissions.py); a role holding none of them could
# never use the scope. None: every role (no action of the matrix guards it yet).
SCOPE_ACTIONS: dict[str, tuple[Action, ...] | None] = {
    Scope.INSTANCES_READ: (Action.VIEW_INSTANCES,),
    Scope.INSTANCES_WRITE: (
        Action.CREATE_INSTANCE,
        Action.REBOOT_LOGOUT,
        Action.EDIT_SETTINGS,
    ),
    Scope.INSTANCES_DELETE: (Action.DELETE_INSTANCE,),
    Scope.INSTANCES_REVEAL: (Action.REVEAL_TOKEN,),
    Scope.ONBOARDING: (Action.ONBOARD,),
    Scope.EVENTS_MANAGE: None,
}


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_for(user: Any) -> list[str]:
    """The scopes the user's role can use at all, in Scope's order: the ones a page offers."""
    return [
        scope
        for scope in Scope.values
        if (actions := SCOPE_ACTIONS[scope]) is None or any(can(user, action) for action in actions)
    ]


def api_token_create(
    *,
    user: User,
    name: str,
    scopes: list[str],
    lifetime: timedelta = DEFAULT_LIFETIME,
    request: HttpRequest | None = None,
) -> IssuedToken:
    """A new token of `user` (who creates it), audited; its secret is in the answer only.

    Scopes beyond the user's role are not refused here: a token acts as its user, so the
    permission matrix refuses what the role may not do (the pages offer only `scopes_for`).
    """
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ApplicationError(
            _("Name the token in at most %(count)s characters.") % {"count": NAME_MAX_LENGTH}
        )
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ApplicationError(_("Choose at least one scope, from the listed ones."))
    if not timedelta(0) < lifetime <= LONGEST_LIFETIME:
        raise ApplicationError(_("A token expires within a year at most."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    chosen, now = sorted(set(scopes)), timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 4],
            token_hash=token_hash(secret),
            scopes=chosen,
            created_at=now,
            expires_at=now + lifetime,
        )
        audit_record(
            action="api_token.create",
            actor=user,
            request=request,
            target=token,
            reseller=user.reseller,
            # Never the secret: the scopes and the lifetime, in words the audit page translates.
            detail=f"scopes: {' '.join(chosen)}; {lifetime.days} days",
        )
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(
    *, token: ApiToken, actor: User | None = None, request: HttpRequest | None = None
) -> None:
    """Revoke the token now (its owner, or an admin); revoking it again changes nothing."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if locked.revoked_at is not None:
            token.revoked_at = locked.revoked_at
            return
        locked.revoked_at = token.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            action="api_token.revoke",
            actor=actor,
            request=request,
            target=locked,
            # The owner's tenant, so a reseller reads that an admin revoked its token.
            reseller=locked.user.reseller,
        )


def api_token_authenticate(secret: str, *, ip_address: str | None) -> ApiToken | None:
    """The usable token with this secret, its last use noted; None for any other secret."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user", "user__reseller")
        .filter(token_hash=token_hash(secret))
        .first()
    )
    if token is None or not is_member(token.user):
        return None
    now = timezone.now()
    if (
        token.last_used_at is None
        or now - token.last_used_at >= LAST_USED_RESOLUTION
        or (token.last_used_ip != ip_address)
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip_address)
        token.last_used_at, token.last_used_ip = now, ip_address
    return token
