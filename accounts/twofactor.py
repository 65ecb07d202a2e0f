"""TOTP two-factor authentication: setup, the login step, and turning it off."""

from __future__ import annotations

import secrets
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login

from accounts.audit import TWO_FACTOR_SENDER, audit_record
from accounts.lockout import login_attempt_claim
from accounts.models import TOTPDevice, User
from accounts.sessions import sessions_end_for_users
from core.qr import qr_data_uri

# The password step is remembered this long while the code is asked for.
PENDING_SECONDS = 300
_PENDING = "pp_2fa_pending"


def device_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if two-factor login is on for them."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device_for(user: User) -> TOTPDevice | None:
    """The authenticator being set up (not yet confirmed with a code), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def pending_login_start(*, request: HttpRequest, user: User, next_url: str) -> None:
    """Remember that the password was right; the session is not logged in yet."""
    request.session[_PENDING] = {
        "user_id": user.pk,
        "backend": user.backend,  # set by authenticate()
        "at": timezone.now().timestamp(),
        "next": next_url,
    }


def pending_login(request: HttpRequest) -> tuple[User, str] | None:
    """The user (with .backend set) and next URL of a password step still waiting for a code."""
    pending = request.session.get(_PENDING)
    if not pending or timezone.now().timestamp() - pending["at"] > PENDING_SECONDS:
        return None
    user = User.objects.select_related("reseller").filter(pk=pending["user_id"]).first()
    if user is None:
        return None
    user.backend = pending["backend"]
    return user, pending["next"]


def login_code_verify(*, request: HttpRequest, user: User, token: str) -> TOTPDevice | None:
    """Check the login code. A wrong one counts as a failed login towards the lockout.

    The attempt is counted before the code is checked; during a lockout no code is checked
    and the request is flagged for the lockout page (accounts/lockout.py).
    """
    credentials = {"username": user.username}
    if login_attempt_claim(request, credentials):
        with transaction.atomic():
            device = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
            if device is not None and device.verify_token(token):
                request.session.pop(_PENDING, None)
                return device
    user_login_failed.send(sender=TWO_FACTOR_SENDER, credentials=credentials, request=request)
    return None


def totp_setup_start(*, request: HttpRequest, user: User) -> TOTPDevice:
    """Create a fresh unconfirmed authenticator with a new random secret."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False, key=secrets.token_hex(20)
        )
        audit_record(action="totp.setup_start", request=request, actor=user, target=user)
    return device


def totp_setup_confirm(*, request: HttpRequest, user: User, device: TOTPDevice, token: str) -> bool:
    """Turn two-factor login on once the app shows a right code; end the user's other sessions."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(token):
            return False
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(action="totp.enable", request=request, actor=user, target=user)
    otp_login(request, device)
    # Sessions opened without a code must not outlive the switch to two-factor login.
    sessions_end_for_users([user.pk], keep_session_key=request.session.session_key or "")
    return True


def totp_disable(*, request: HttpRequest, user: User, token: str) -> bool:
    """Turn two-factor login off, given a current code."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None or not device.verify_token(token):
            return False
        TOTPDevice.objects.filter(user=user).delete()
        audit_record(action="totp.disable", request=request, actor=user, target=user)
    return True


def two_factor_required(user: User) -> bool:
    return settings.REQUIRE_ADMIN_2FA and user.role == User.Role.ADMIN


def provisioning_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI an authenticator app reads. Only ever rendered into the QR image."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = quote(f"{issuer}:{device.user.get_username()}")
    params = urlencode(
        {
            "secret": b32encode(device.bin_key).decode(),
            "issuer": issuer,
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{label}?{params}"


def setup_qr_data_uri(device: TOTPDevice) -> str:
    """The setup QR code as an inline PNG, generated here: the secret never travels in a URL."""
    return qr_data_uri(provisioning_uri(device), box_size=6)


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32 groups of four, for typing into an app by hand during setup."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
