"""The login lockout: an attempt is counted before its password or code is checked.

django-axes keeps its failure records, its lockout signal (the audit trail's login.locked and
login.blocked) and its lockout page, but the count that decides is the atomic claim of
core/attempts.py: axes' own count is read before the failures of parallel attempts are added.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.selectors import user_for_login
from core.attempts import (
    AttemptsExhausted,
    Claim,
    attempt_claim,
    attempt_release,
    attempts_locked_until,
    attempts_reset,
)

# The request attribute holding the claim of the login attempt being checked.
_CLAIM = "login_attempt_claim"


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The name a failure counts against (AXES_USERNAME_CALLABLE).

    A known account counts under its username however it was typed (username or e-mail, any
    case), so variants cannot multiply the allowed attempts. An unknown name counts under a
    hash of itself: axes stores and logs this value, and a mistyped password must not end up
    there in clear.
    """
    if credentials is not None:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "POST", {}).get("username")
    typed = str(typed or "")
    user = user_for_login(typed)
    if user is not None:
        return user.username
    digest = hashlib.sha256(typed.strip().lower().encode()).hexdigest()[:24]
    return f"?{digest}"


def _login_key(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    ip_address = get_client_ip_address(request)
    return f"login:{lockout_username(request, credentials)}:{ip_address}"


def login_attempt_claim(request: HttpRequest, credentials: dict[str, Any]) -> bool:
    """Count this password or code attempt before it is checked; False while locked out.

    A refused request is flagged as axes' own backend flags it: axes then records the
    attempt during the lockout and its middleware answers with the lockout page.
    """
    try:
        claim = attempt_claim(
            key=_login_key(request, credentials),
            limit=settings.AXES_FAILURE_LIMIT,
            window=settings.AXES_COOLOFF_TIME,
        )
    except AttemptsExhausted:
        request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' flag, not on HttpRequest
        return False
    setattr(request, _CLAIM, claim)
    return True


def login_attempt_release(request: HttpRequest) -> None:
    """A right password does not count towards the lockout; a wrong two-factor code will."""
    claim = getattr(request, _CLAIM, None)
    if claim is not None:
        attempt_release(claim)
        setattr(request, _CLAIM, None)


def _locked_until(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime | None:
    return attempts_locked_until(
        key=_login_key(request, credentials),
        limit=settings.AXES_FAILURE_LIMIT,
        window=settings.AXES_COOLOFF_TIME,
    )


def lockout_ends_at(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime:
    """When the lockout of this username and IP address ends."""
    return _locked_until(request, credentials) or timezone.now() + settings.AXES_COOLOFF_TIME


def is_locked_out(request: HttpRequest, username: str) -> bool:
    return _locked_until(request, {"username": username}) is not None


class LoginAttemptHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes has no type hints
    """Axes' database handler (AXES_HANDLER) counting by the claims of login_attempt_claim.

    The failure whose claim was the last one allowed starts the lockout, exactly once however
    many attempts ran in parallel; a successful login resets the claims with axes' records.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        claim: Claim | None = getattr(request, _CLAIM, None)
        if claim is not None:
            return claim.number
        failures: int = super().get_failures(request, credentials)
        return failures

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        if settings.AXES_RESET_ON_SUCCESS:
            attempts_reset(_login_key(request, {"username": user.get_username()}))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The lockout page (AXES_LOCKOUT_CALLABLE): HTTP 429 saying when to try again."""
    ends_at = lockout_ends_at(request, credentials)
    seconds = max(0, math.ceil((ends_at - timezone.now()).total_seconds()))
    response = render(
        request,
        "accounts/locked_out.html",
        {"ends_at": ends_at, "minutes": max(1, math.ceil(seconds / 60))},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
