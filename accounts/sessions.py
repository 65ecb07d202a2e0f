"""Starting and ending sessions: the session clock, login and logout events, forced logouts."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login

from accounts.audit import audit_record
from accounts.models import TOTPDevice, User

logger = logging.getLogger(__name__)

LOGIN_AT = "pp_login_at"
SEEN_AT = "pp_seen_at"
# Last activity is written at most this often, so not every request saves the session.
SEEN_RESOLUTION_SECONDS = 60


def session_start(*, request: HttpRequest, user: User, device: TOTPDevice | None = None) -> None:
    """Log `user` in (user.backend must be set), start the session clock, record login.success."""
    auth_login(request, user)
    if device is not None:
        otp_login(request, device)
    now = timezone.now().timestamp()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    audit_record(
        action="login.success",
        request=request,
        actor=user,
        target=user,
        detail="with a two-factor code" if device is not None else "",
    )


def session_end(*, request: HttpRequest, action: str = "logout", detail: str = "") -> None:
    """Record the logout (or expiry) and end the session."""
    user = request.user
    if user.is_authenticated:
        audit_record(action=action, request=request, actor=user, target=user, detail=detail)
    auth_logout(request)


def session_expiry_reason(session: SessionBase) -> str | None:
    """Why this logged-in session must end now ("idle", "absolute"), or None."""
    now = timezone.now().timestamp()
    login_at = session.get(LOGIN_AT)
    if login_at is None:
        # A session from before these limits existed: start its clock now.
        session[LOGIN_AT] = session[SEEN_AT] = now
        return None
    if now - login_at > settings.SESSION_MAX_HOURS * 3600:
        return "absolute"
    if now - session.get(SEEN_AT, login_at) > settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    if now - session.get(SEEN_AT, login_at) >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now
    return None


def sessions_end_for_users(user_ids: Iterable[int], *, keep_session_key: str = "") -> int:
    """Delete every stored session of these users (all but `keep_session_key`); return the count.

    The database session backends cannot be queried by user, so this decodes the unexpired
    sessions one by one: fine for a portal's few hundred sessions. With a cache-only session
    engine nothing is deleted here, and the users are still logged out on their next request,
    because the authentication backend refuses inactive users in get_user.
    """
    wanted = {str(user_id) for user_id in user_ids}
    if not wanted or not settings.SESSION_ENGINE.endswith(("backends.db", "backends.cached_db")):
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.exclude(session_key=keep_session_key).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) in wanted:
            # Through the store, so a cached_db engine forgets its cached copy too.
            store(session_key=session.session_key).delete()
            ended += 1
    logger.info("Ended %s sessions of %s users", ended, len(wanted))
    return ended
