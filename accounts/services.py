"""Changes to people and tenancy. Each service is atomic and writes exactly one audit event."""

from __future__ import annotations

import logging
from decimal import Decimal
from smtplib import SMTPException

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.audit import assign_changes, audit_record
from accounts.models import Reseller, User
from accounts.sessions import sessions_end_for_users

logger = logging.getLogger(__name__)


def reseller_create(
    *,
    actor: User,
    request: HttpRequest | None = None,
    name: str,
    contact_email: str = "",
    instance_quota: int = 10,
    day_price: Decimal | None = None,
    is_active: bool = True,
) -> Reseller:
    with transaction.atomic():
        reseller = Reseller.objects.create(
            name=name,
            contact_email=contact_email,
            instance_quota=instance_quota,
            day_price=day_price,
            is_active=is_active,
        )
        audit_record(action="reseller.create", request=request, actor=actor, target=reseller)
    return reseller


def reseller_update(
    *,
    actor: User,
    request: HttpRequest | None = None,
    reseller: Reseller,
    name: str,
    contact_email: str,
    instance_quota: int,
    is_active: bool,
    day_price: Decimal | None,
) -> Reseller:
    """Edit a reseller; switching it off ends its users' sessions at once."""
    with transaction.atomic():
        reseller = Reseller.objects.select_for_update().get(pk=reseller.pk)
        was_active = reseller.is_active
        changed = assign_changes(
            reseller,
            {
                "name": name,
                "contact_email": contact_email,
                "instance_quota": instance_quota,
                "day_price": day_price,
                "is_active": is_active,
            },
        )
        reseller.save()
        if was_active and not is_active:
            sessions_end_for_users(reseller.users.values_list("pk", flat=True))
        audit_record(
            action="reseller.update",
            request=request,
            actor=actor,
            target=reseller,
            detail="changed: " + ", ".join(changed) if changed else "no changes",
        )
    return reseller


def reseller_deactivate(
    *, actor: User, request: HttpRequest | None = None, reseller: Reseller
) -> Reseller:
    """Switch a reseller off: its users can no longer log in, and their sessions end now.

    The users keep their own active flag, so switching the reseller back on restores them.
    """
    with transaction.atomic():
        reseller = Reseller.objects.select_for_update().get(pk=reseller.pk)
        reseller.is_active = False
        reseller.save(update_fields=["is_active"])
        ended = sessions_end_for_users(reseller.users.values_list("pk", flat=True))
        audit_record(
            action="reseller.deactivate",
            request=request,
            actor=actor,
            target=reseller,
            detail=f"{ended} sessions ended",
        )
    return reseller


def user_create(
    *,
    actor: User,
    request: HttpRequest,
    username: str,
    email: str,
    role: str,
    reseller: Reseller | None,
    first_name: str = "",
    last_name: str = "",
) -> tuple[User, bool]:
    """Create a user without a password and e-mail them a link to choose one.

    Returns the user and whether the invitation e-mail went out.
    """
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            reseller=reseller if role == User.Role.RESELLER else None,
        )
        user.set_unusable_password()
        user.save()
        audit_record(
            action="user.create",
            request=request,
            actor=actor,
            target=user,
            detail=f"role {role}, invitation e-mailed",
        )
    return user, _send_password_link(request=request, user=user, invitation=True)


def user_update(
    *,
    actor: User,
    request: HttpRequest | None = None,
    user: User,
    username: str,
    email: str,
    role: str,
    reseller: Reseller | None,
    first_name: str = "",
    last_name: str = "",
    is_active: bool = True,
) -> User:
    """Edit a user; deactivating them ends their sessions at once."""
    if user.pk == actor.pk and (role != actor.role or not is_active):
        raise ValidationError(_("You cannot change your own role or deactivate yourself."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        was_active = user.is_active
        changed = assign_changes(
            user,
            {
                "username": username,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "role": role,
                "reseller_id": reseller.pk if reseller and role == User.Role.RESELLER else None,
                "is_active": is_active,
            },
        )
        user.save()
        if was_active and not is_active:
            sessions_end_for_users([user.pk])
        audit_record(
            action="user.update",
            request=request,
            actor=actor,
            target=user,
            detail="changed: " + ", ".join(changed) if changed else "no changes",
        )
    return user


def user_deactivate(*, actor: User, request: HttpRequest | None = None, user: User) -> User:
    """Deactivate a user and end all their sessions at once."""
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = sessions_end_for_users([user.pk])
        audit_record(
            action="user.deactivate",
            request=request,
            actor=actor,
            target=user,
            detail=f"{ended} sessions ended",
        )
    return user


def password_reset_send(*, actor: User, request: HttpRequest, user: User) -> bool:
    """E-mail `user` a link to set a new password; return whether the e-mail went out."""
    sent = _send_password_link(request=request, user=user, invitation=False)
    audit_record(
        action="user.password_reset_send",
        request=request,
        actor=actor,
        target=user,
        result="ok" if sent else "failed",
        detail="link e-mailed" if sent else "e-mail could not be sent",
    )
    return sent


def password_change(*, request: HttpRequest, form: PasswordChangeForm) -> User:
    """Save a new password for the logged-in user; their other sessions end, this one stays."""
    with transaction.atomic():
        user = form.save()
        audit_record(action="password.change", request=request, actor=user, target=user)
    update_session_auth_hash(request, user)
    return user


def password_reset_complete(*, request: HttpRequest, form: SetPasswordForm[User]) -> User:
    """Save the password chosen through an e-mailed link (every session of the user ends)."""
    with transaction.atomic():
        user = form.save()
        audit_record(action="password.reset", request=request, actor=user, target=user)
    return user


def _send_password_link(*, request: HttpRequest, user: User, invitation: bool) -> bool:
    if not user.email:
        return False
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "url": request.build_absolute_uri(path), "invitation": invitation}
    subject = render_to_string("accounts/email/password_link_subject.txt", context).strip()
    body = render_to_string("accounts/email/password_link_body.txt", context)
    try:
        send_mail(subject, body, None, [user.email])
    except (SMTPException, OSError):
        # The link is a secret: log only that sending failed, never the message.
        logger.warning("Could not send a password e-mail to user %s", user.pk, exc_info=True)
        return False
    return True


def user_language_set(*, user: User, language: str) -> None:
    """The language the user's pages speak, on any browser. Not audited: a reading preference."""
    user.language = language
    user.save(update_fields=["language"])


def user_time_zone_set(*, request: HttpRequest, user: User, time_zone: str) -> None:
    """The zone the user's pages show times in ("" for the partner's)."""
    with transaction.atomic():
        user.time_zone = time_zone
        user.save(update_fields=["time_zone"])
        audit_record(
            action="account.time_zone",
            request=request,
            actor=user,
            target=user,
            detail=time_zone or "the partner's",
        )
