"""Every write to an emulated instance: locked, atomic, and announcing state changes."""

import secrets
import string
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from sandbox import outbox, webhooks
from sandbox.models import EmulatedInstance
from sandbox.state import (
    AUTH_CODE_TTL,
    LINKED_STATES,
    ScannedPayload,
    effective_state,
    payload_age,
    seconds_setting,
)
from sandbox.validation import DEFAULT_SETTINGS

# First four digits of the id per messenger, as the real pools (docs/greenapi.md §1.3).
ID_POOLS = {"whatsapp": 1101, "telegram": 4100, "v3": 3100}
DEFAULT_PHONE = 79001234567
_CODE_ALPHABET = string.ascii_uppercase + string.digits


class Refused(Exception):
    """A control or phone action that cannot apply; carries the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _change(
    id_instance: int,
    now: datetime,
    mutate: Callable[[EmulatedInstance], Any],
    *,
    announce: bool = True,
) -> EmulatedInstance:
    """Lock the row, apply `mutate`, save, and queue a webhook if the visible state moved.

    Timed restarts pass announce=False: their end is derived from the clock, not an event, so
    a "starting" webhook would never be followed by the state it returns to.
    """
    with transaction.atomic():
        instance = EmulatedInstance.objects.select_for_update().filter(pk=id_instance).first()
        if instance is None or instance.deleted_at is not None:
            raise Refused(404, "unknown instance")
        before = effective_state(instance, now)
        mutate(instance)
        instance.save()
        after = effective_state(instance, now)
        if announce and after is not None and after != before:
            webhooks.state_changed(instance, after, now)
        if after != before:
            outbox.pump(instance, now)  # a newly authorized phone sends what waited
    return instance


def _unlink(instance: EmulatedInstance, now: datetime) -> None:
    instance.state = "notAuthorized"
    instance.state_before_starting = ""
    instance.phone = None
    instance.device_linked = False
    _clear_code(instance)
    # A new QR session: codes shown before the logout must never link again.
    instance.qr_seed = secrets.token_hex(32)
    instance.qr_epoch = now


def _link(instance: EmulatedInstance, phone: int) -> None:
    instance.state = "authorized"
    instance.state_before_starting = ""
    instance.starting_until = None
    instance.phone = phone
    instance.device_linked = True
    _clear_code(instance)


def _clear_code(instance: EmulatedInstance) -> None:
    instance.auth_code = ""
    instance.auth_code_phone = None
    instance.auth_code_expires_at = None


def _require_not_authorized(instance: EmulatedInstance, now: datetime) -> None:
    state = effective_state(instance, now)
    if state != "notAuthorized":
        raise Refused(409, f"the instance is {state or 'still being created'}, not notAuthorized")


# --- partner API -----------------------------------------------------------------------------


def create_instance(
    *, settings_values: dict[str, Any], name: str, type_instance: str, now: datetime
) -> EmulatedInstance | None:
    """A new instance with a random unused id from its pool; None if no id could be claimed."""
    prefix = ID_POOLS[type_instance]
    for _attempt in range(50):
        candidate = prefix * 1_000_000 + secrets.randbelow(1_000_000)
        try:
            # The primary key is the lock: two creates racing for one id cannot both win.
            with transaction.atomic():
                return EmulatedInstance.objects.create(
                    id_instance=candidate,
                    api_token=secrets.token_hex(25),
                    type_instance=type_instance,
                    name=name or f"Instance {candidate}",
                    created_at=now,
                    settings={**DEFAULT_SETTINGS, **settings_values},
                    qr_seed=secrets.token_hex(32),
                    qr_epoch=now,
                )
        except IntegrityError:
            continue
    return None


def delete_instance(id_instance: int, now: datetime) -> bool:
    """Mark deleted; False if unknown or already deleted. The phone stays linked (§2.3)."""
    with transaction.atomic():
        instance = EmulatedInstance.objects.select_for_update().filter(pk=id_instance).first()
        if instance is None or instance.deleted_at is not None:
            return False
        instance.deleted_at = now
        instance.save(update_fields=["deleted_at"])
    return True


# --- instance API ----------------------------------------------------------------------------


def log_out(id_instance: int, now: datetime) -> None:
    _change(id_instance, now, lambda instance: _unlink(instance, now))


def reboot(id_instance: int, now: datetime) -> None:
    """Report `starting` for SANDBOX_REBOOT_SECONDS, then the state from before."""

    def mutate(instance: EmulatedInstance) -> None:
        if instance.state == "starting":  # an open-ended starting forced by the control API
            instance.state = instance.state_before_starting or "notAuthorized"
            instance.state_before_starting = ""
        instance.starting_until = now + seconds_setting("SANDBOX_REBOOT_SECONDS")

    _change(id_instance, now, mutate, announce=False)


def save_settings(id_instance: int, values: dict[str, Any], now: datetime) -> None:
    """Store settings; like upstream this restarts the instance (docs/greenapi.md §3.9)."""

    def mutate(instance: EmulatedInstance) -> None:
        instance.settings = {**DEFAULT_SETTINGS, **instance.settings, **values}
        instance.starting_until = now + seconds_setting("SANDBOX_REBOOT_SECONDS")

    _change(id_instance, now, mutate, announce=False)


def issue_auth_code(id_instance: int, phone: int, now: datetime) -> str | None:
    """A fresh pairing code for `phone`, or None when the instance is not waiting for one."""
    code: list[str] = []

    def mutate(instance: EmulatedInstance) -> None:
        if effective_state(instance, now) != "notAuthorized":
            return
        code.append("".join(secrets.choice(_CODE_ALPHABET) for _ in range(8)))
        instance.auth_code = code[0]
        instance.auth_code_phone = phone
        instance.auth_code_expires_at = now + AUTH_CODE_TTL

    _change(id_instance, now, mutate)
    return code[0] if code else None


# --- the virtual phone -----------------------------------------------------------------------


def link_by_qr(scanned: ScannedPayload, phone: int, now: datetime) -> EmulatedInstance:
    def mutate(instance: EmulatedInstance) -> None:
        age = payload_age(instance, scanned, now)
        if age == "unknown":
            raise Refused(404, "unknown QR code")
        _require_not_authorized(instance, now)
        if age == "stale":
            raise Refused(410, "this QR code has expired; scan the current one")
        _link(instance, phone)

    try:
        return _change(scanned.id_instance, now, mutate)
    except Refused as refused:
        if refused.status == 404:  # never reveal whether the id in a garbage code exists
            raise Refused(404, "unknown QR code") from refused
        raise


def link_by_code(id_instance: int, code: str, now: datetime) -> EmulatedInstance:
    def mutate(instance: EmulatedInstance) -> None:
        _require_not_authorized(instance, now)
        if not instance.auth_code or instance.auth_code_phone is None:
            raise Refused(400, "no pairing code was requested for this instance")
        typed = code.replace("-", "").replace(" ", "").upper()
        if not secrets.compare_digest(typed.encode(), instance.auth_code.encode()):
            raise Refused(400, "wrong pairing code")
        if instance.auth_code_expires_at is None or now >= instance.auth_code_expires_at:
            raise Refused(410, "the pairing code has expired; request a new one")
        _link(instance, instance.auth_code_phone)

    return _change(id_instance, now, mutate)


# --- control API -----------------------------------------------------------------------------


def force_state(
    id_instance: int,
    *,
    state: str | None,
    phone: int | None,
    seconds: float | None,
    is_expired: bool | None,
    now: datetime,
) -> EmulatedInstance:
    """Move an instance by fiat, as support or the messenger would."""

    def mutate(instance: EmulatedInstance) -> None:
        if state is not None and effective_state(instance, now) is None:
            raise Refused(409, "the instance is still being created")
        if is_expired is not None:
            instance.is_expired = is_expired
        if state is None:
            return
        if state == "starting":
            _start(instance, seconds, now)
            return
        instance.starting_until = None
        if state == "notAuthorized":
            _unlink(instance, now)
        elif state in LINKED_STATES:
            _link(instance, phone or instance.phone or DEFAULT_PHONE)
            instance.state = state
        else:  # blocked: the account is banned, the device link is left as it was
            instance.state = state
            instance.state_before_starting = ""

    timed_start = state == "starting" and seconds is not None
    return _change(id_instance, now, mutate, announce=not timed_start)


def _start(instance: EmulatedInstance, seconds: float | None, now: datetime) -> None:
    if seconds is not None:
        instance.starting_until = now + timedelta(seconds=seconds)
        return
    # Open-ended, like an instance stuck in starting (issue #513); a reboot ends it.
    if instance.state != "starting":
        instance.state_before_starting = instance.state
    instance.state = "starting"
    instance.starting_until = None
