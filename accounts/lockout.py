"""Hooks for django-axes: which counter a login attempt counts against, and the lockout page."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.selectors import user_for_login


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


def lockout_ends_at(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime:
    """When the lockout of this username and IP address ends."""
    last = AccessAttempt.objects.filter(
        username=lockout_username(request, credentials),
        ip_address=get_client_ip_address(request),
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + settings.AXES_COOLOFF_TIME


def is_locked_out(request: HttpRequest, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": username})


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
