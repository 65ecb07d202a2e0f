"""The audit trail: one `audit_record` call per change, plus receivers for login signals.

The receivers are the one place this app reacts to signals: failed logins and lockouts are
only announced through Django's `user_login_failed` and django-axes' `user_locked_out`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import npgettext, pgettext, pgettext_lazy

from accounts.audit_actions import AUDIT_ACTIONS
from accounts.backends import user_may_log_in
from accounts.models import AuditEvent, Reseller, User
from accounts.selectors import user_for_login
from core.redaction import redact

# The sender that marks a wrong two-factor code (see accounts/twofactor.py).
TWO_FACTOR_SENDER = "accounts.twofactor"


def audit_record(
    *,
    action: str,
    actor: Any,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    result: str = AuditEvent.Result.OK,
    detail: str = "",
    reseller: Reseller | None = None,
) -> AuditEvent:
    """Write one audit event and return it.

    - `action`: a short slug, `<noun>.<verb>`: "login.failed", "user.create", "instance.delete",
      declared with its sentence in `accounts.audit_actions.AUDIT_ACTIONS` (ValueError if not).
    - `actor`: the `User` who acted; `None` or an anonymous user for nobody (a customer on a
      link, a background job). Always given: whoever happens to be logged in on a request is not
      necessarily the one who acted (another tenant's user opening a customer link is a visitor).
      Its username, role and reseller are copied, so the event outlives later edits.
    - `request`: gives the IP address, and the name of the API token it came with, if any
      (`request.api_token`, set by the API's authentication; read by duck typing, since this
      app knows nothing of the API).
    - `target`: the model instance acted on; its type, primary key and `str()` are kept.
    - `result`: "ok", "denied" (refused by a rule) or "failed" (tried and did not work).
    - `detail`: a short human note. Never pass a secret; Green API tokens are redacted anyway.
    - `reseller`: the tenant the event belongs to. Default: the target's reseller (or the
      target itself when it is a Reseller), else the actor's. Reseller users read only events
      of their own reseller; events with none are for staff only.
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"Undeclared audit action {action!r}: add it to AUDIT_ACTIONS.")
    if actor is not None and not actor.is_authenticated:
        actor = None
    if reseller is None:
        reseller = _tenant_of(target, actor)
    event = AuditEvent(
        action=action,
        result=result,
        detail=redact(detail)[:255],
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        actor_role=actor.role if actor else "",
        actor_reseller_id=actor.reseller_id if actor else None,
        reseller=reseller,
        ip_address=get_client_ip_address(request) if request is not None else None,
        via_token=_token_name(request),
    )
    if target is not None:
        event.target_type = target._meta.model_name or ""
        event.target_id = str(target.pk)
        event.target_label = redact(str(target))[:255]
    event.save()
    return event


def _token_name(request: HttpRequest | None) -> str:
    token = getattr(request, "api_token", None)
    name = getattr(token, "name", "")
    return redact(name)[:100] if isinstance(name, str) else ""


def _tenant_of(target: models.Model | None, actor: User | None) -> Reseller | None:
    if isinstance(target, Reseller):
        return target
    if target is not None and getattr(target, "reseller_id", None) is not None:
        owner: Reseller | None = target.reseller  # type: ignore[attr-defined]  # has reseller_id
        return owner
    if actor is not None and actor.reseller_id is not None:
        return actor.reseller
    return None


@receiver(user_login_failed, dispatch_uid="accounts.audit.login_failed")
def _record_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None:
        return
    # An attempt refused because of a running lockout is recorded by _record_lockout.
    # Axes flags it before any handler runs; a fresh lockout also sets the failure count.
    if getattr(request, "axes_locked_out", False) and (
        getattr(request, "axes_failures_since_start", None) is None
    ):
        return
    user = user_for_login(str(credentials.get("username") or ""))
    if sender == TWO_FACTOR_SENDER:
        detail = "wrong two-factor code"
    elif user is None:
        # The typed name is not kept: people sometimes type their password there.
        detail = "unknown username"
    elif not user_may_log_in(user):
        detail = "account or reseller inactive"
    else:
        detail = "wrong password"
    audit_record(
        action="login.failed",
        request=request,
        actor=None,
        target=user,
        result=AuditEvent.Result.FAILED,
        detail=detail,
    )


@receiver(user_locked_out, dispatch_uid="accounts.audit.locked_out")
def _record_lockout(
    sender: Any, request: HttpRequest, username: str | None = None, **kwargs: Any
) -> None:
    user = User.objects.select_related("reseller").filter(username=username or "").first()
    fresh = getattr(request, "axes_failures_since_start", None) is not None
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    audit_record(
        action="login.locked" if fresh else "login.blocked",
        request=request,
        actor=None,
        target=user,
        result=AuditEvent.Result.DENIED,
        detail=(
            f"locked for {minutes} min after {settings.AXES_FAILURE_LIMIT} failures"
            if fresh
            else "attempt during a lockout"
        ),
    )


def assign_changes(obj: object, values: dict[str, object]) -> list[str]:
    """Set the changed attributes and name them, for an audit detail (names only: values may
    be personal)."""
    changed = []
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed.append(field)
    return changed


# --- Reading events in the reader's language --------------------------------------------------
# Events keep English (and codes) in the database: exports and searches read them as written.
# Pages translate what this app writes when they show it; other notes show as they were kept.

_TARGET_TYPES: dict[str, Promise] = {
    "user": pgettext_lazy("audit target", "user"),
    "reseller": pgettext_lazy("audit target", "reseller"),
    "instance": pgettext_lazy("audit target", "instance"),
    "bulkjob": pgettext_lazy("audit target", "bulk job"),
    "createorder": pgettext_lazy("audit target", "create order"),
    "apitoken": pgettext_lazy("audit target", "API token"),
}

# The notes written word for word by this app (accounts/), as kept -> as read.
_DETAILS: dict[str, Promise] = {
    "no changes": pgettext_lazy("audit detail", "no changes"),
    "link e-mailed": pgettext_lazy("audit detail", "link e-mailed"),
    "e-mail could not be sent": pgettext_lazy("audit detail", "e-mail could not be sent"),
    "wrong two-factor code": pgettext_lazy("audit detail", "wrong two-factor code"),
    "unknown username": pgettext_lazy("audit detail", "unknown username"),
    "account or reseller inactive": pgettext_lazy("audit detail", "account or reseller inactive"),
    "wrong password": pgettext_lazy("audit detail", "wrong password"),
    "attempt during a lockout": pgettext_lazy("audit detail", "attempt during a lockout"),
    "with a two-factor code": pgettext_lazy("audit detail", "with a two-factor code"),
    "the partner's": pgettext_lazy("audit detail: time zone", "the partner's"),
    "idle": pgettext_lazy("audit detail: session", "idle for too long"),
    "absolute": pgettext_lazy("audit detail: session", "open for too long"),
}

# Field names in "changed: ..." notes (accounts/services.py, accounts/branding.py).
_FIELDS: dict[str, Promise] = {
    "name": pgettext_lazy("changed field", "name"),
    "contact_email": pgettext_lazy("changed field", "contact e-mail"),
    "instance_quota": pgettext_lazy("changed field", "instance quota"),
    "day_price": pgettext_lazy("changed field", "price per day"),
    "is_active": pgettext_lazy("changed field", "active"),
    "username": pgettext_lazy("changed field", "username"),
    "email": pgettext_lazy("changed field", "e-mail"),
    "first_name": pgettext_lazy("changed field", "first name"),
    "last_name": pgettext_lazy("changed field", "last name"),
    "role": pgettext_lazy("changed field", "role"),
    "reseller_id": pgettext_lazy("changed field", "reseller"),
    "display_name": pgettext_lazy("changed field", "display name"),
    "support_phone": pgettext_lazy("changed field", "support phone"),
    "support_email": pgettext_lazy("changed field", "support e-mail"),
    "support_url": pgettext_lazy("changed field", "messenger link"),
    "logo": pgettext_lazy("changed field", "logo"),
    "logo removed": pgettext_lazy("changed field", "logo removed"),
}

_SESSIONS_ENDED = re.compile(r"(\d+) sessions ended")
_LOCKED = re.compile(r"locked for (\d+) min after (\d+) failures")
_NEW_USER = re.compile(r"role (\w+), invitation e-mailed")
# api/tokens.py: "scopes: instances:read onboarding; 90 days" (scope codes read the same in
# every language).
_NEW_API_TOKEN = re.compile(r"scopes: ([a-z:_ ]+); (\d+) days")


def audit_role_label(role: str) -> str:
    """A role code kept on an event, as the reader names it."""
    return str(User.Role(role).label) if role in User.Role.values else role


def audit_detail_label(detail: str) -> str:
    """An event's note in the reader's language, when this app wrote it; else as it was kept."""
    if detail in _DETAILS:
        return str(_DETAILS[detail])
    if detail.startswith("changed: "):
        names = detail.removeprefix("changed: ").split(", ")
        if all(name in _FIELDS for name in names):
            fields = ", ".join(str(_FIELDS[name]) for name in names)
            return pgettext("audit detail", "changed: %(fields)s") % {"fields": fields}
    if match := _SESSIONS_ENDED.fullmatch(detail):
        count = int(match[1])
        return npgettext(
            "audit detail", "%(count)s session ended", "%(count)s sessions ended", count
        ) % {"count": count}
    if match := _LOCKED.fullmatch(detail):
        minutes, failures = int(match[1]), int(match[2])
        return pgettext(
            "audit detail", "locked for %(minutes)s min after %(failures)s failures"
        ) % {"minutes": minutes, "failures": failures}
    if (match := _NEW_USER.fullmatch(detail)) and match[1] in User.Role.values:
        return pgettext("audit detail", "role: %(role)s, invitation e-mailed") % {
            "role": audit_role_label(match[1])
        }
    if match := _NEW_API_TOKEN.fullmatch(detail):
        days = int(match[2])
        return npgettext(
            "audit detail",
            "scopes: %(scopes)s; valid for %(days)s day",
            "scopes: %(scopes)s; valid for %(days)s days",
            days,
        ) % {"scopes": match[1], "days": days}
    return detail


def with_labels(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events, each with its role, target type and note as the reader reads them."""
    rows = list(events)
    for event in rows:
        event.actor_role_label = audit_role_label(event.actor_role)  # type: ignore[attr-defined]
        label = _TARGET_TYPES.get(event.target_type)
        event.target_type_label = str(label) if label else event.target_type  # type: ignore[attr-defined]
        event.detail_label = audit_detail_label(event.detail)  # type: ignore[attr-defined]
    return rows
