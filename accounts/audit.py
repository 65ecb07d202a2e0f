"""The audit trail: one `audit_record` call per change, plus receivers for login signals.

The receivers are the one place this app reacts to signals: failed logins and lockouts are
only announced through Django's `user_login_failed` and django-axes' `user_locked_out`.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest

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
    - `request`: gives the IP address.
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
    )
    if target is not None:
        event.target_type = target._meta.model_name or ""
        event.target_id = str(target.pk)
        event.target_label = redact(str(target))[:255]
    event.save()
    return event


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
