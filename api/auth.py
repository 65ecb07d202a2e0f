"""Bearer tokens on the API: who calls (the token's user) and what they may ask (its scopes)."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from api.models import ApiToken
from api.problems import Problem
from api.tokens import api_token_authenticate
from core.ratelimit import rate_limit_wait


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`, for an operation that needs `scope` (None: any token,
    for the calls that only tell the token about itself).

    A bad, expired or revoked token, or a deactivated user, is the same 401 (no hint which);
    a good token without the scope is a 403 that names the scope. The request then acts as the
    token's user, so every tenancy and permission rule of the pages applies unchanged.

    Every call of an accepted token counts against its limit (API_RATE_LIMIT_PER_MINUTE, per
    token, in the shared cache); past it the answer is a 429 with Retry-After in seconds.
    """

    def __init__(self, scope: str | None) -> None:
        super().__init__()
        # The plain value: a Scope member's repr would name the enum in the problem's detail.
        self.scope = None if scope is None else str(scope)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_authenticate(token, ip_address=get_client_ip_address(request))
        if found is None:
            return None
        wait = rate_limit_wait(
            keys=[f"api-token:{found.pk}"], limit=settings.API_RATE_LIMIT_PER_MINUTE
        )
        if wait:
            raise Problem(
                429,
                "rate-limited",
                f"This token made more than {settings.API_RATE_LIMIT_PER_MINUTE} calls in a "
                f"minute; try again in {wait} s.",
                headers={"Retry-After": str(wait)},
            )
        if self.scope is not None and not found.allows(self.scope):
            raise Problem(
                403,
                "insufficient-scope",
                f"This call needs the {self.scope!r} scope.",
                scope=self.scope,
            )
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found


def _token_auth(auth: Any) -> TokenAuth | None:
    for each in auth if isinstance(auth, list | tuple) else [auth]:
        if isinstance(each, TokenAuth):
            return each
    return None


def scope_of(auth: Any) -> str | None:
    """The scope an operation's auth asks for (the tests' matrix reads it from the router)."""
    found = _token_auth(auth)
    return found.scope if found is not None else None


def needs_token(auth: Any) -> bool:
    """Whether an operation's auth is a TokenAuth (every operation's must be)."""
    return _token_auth(auth) is not None
