"""Effective state and QR payloads, computed from stored facts and the current time.

Nothing here writes: the creation window, reboots and QR rotation are all derived from
timestamps, so they need no scheduler and follow time-machine in tests.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings

from sandbox.models import EmulatedInstance

STATES = ("notAuthorized", "authorized", "blocked", "yellowCard", "starting")
# States in which a phone is linked to the instance.
LINKED_STATES = ("authorized", "yellowCard")
QR_ROTATION = timedelta(seconds=20)  # upstream's; SANDBOX_QR_ROTATION_SECONDS overrides it
# A phone may still scan the previous code for a moment after it rotated.
QR_GRACE = timedelta(seconds=3)
AUTH_CODE_TTL = timedelta(seconds=150)
DELETED_RETENTION = timedelta(days=90)
GO_ZERO_TIME = "0001-01-01T00:00:00"

_PAYLOAD = re.compile(r"2@(?P<mac>[A-Za-z0-9_-]{40}),(?P<id>\d{1,19}),(?P<index>\d{1,12})")


def seconds_setting(name: str) -> timedelta:
    """A timing setting, read at call time so tests can override it."""
    return timedelta(seconds=float(getattr(settings, name)))


def ready_at(instance: EmulatedInstance) -> datetime:
    return instance.created_at + seconds_setting("SANDBOX_CREATE_SECONDS")


def effective_state(instance: EmulatedInstance, now: datetime) -> str | None:
    """What getStateInstance reports: None (the `null` body) while the instance is built."""
    if now < ready_at(instance):
        return None
    if instance.starting_until is not None and now < instance.starting_until:
        return "starting"
    return instance.state


def wid(instance: EmulatedInstance) -> str:
    return f"{instance.phone}@c.us" if instance.phone else ""


def format_time(moment: datetime) -> str:
    """Upstream's timestamp format: UTC, no zone, no fractions (docs/greenapi.md §2.2)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


# --- QR ------------------------------------------------------------------------------------


def qr_rotation() -> timedelta:
    """How often the code rotates: 20 s like upstream, shorter in tests that watch it rotate."""
    return timedelta(seconds=float(getattr(settings, "SANDBOX_QR_ROTATION_SECONDS", 20)))


def _qr_origin(instance: EmulatedInstance) -> datetime:
    return max(ready_at(instance), instance.qr_epoch)


def rotation_index(instance: EmulatedInstance, now: datetime) -> int:
    elapsed = now - _qr_origin(instance)
    return max(0, int(elapsed / qr_rotation()))


def _mac(instance: EmulatedInstance, index: int) -> str:
    digest = hmac.new(instance.qr_seed.encode(), str(index).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:40]


def qr_payload(instance: EmulatedInstance, index: int) -> str:
    """The text inside the QR image: unique per instance and rotation, never the token."""
    return f"2@{_mac(instance, index)},{instance.id_instance},{index}"


def current_qr_payload(instance: EmulatedInstance, now: datetime) -> str | None:
    if instance.deleted_at is not None or effective_state(instance, now) != "notAuthorized":
        return None
    return qr_payload(instance, rotation_index(instance, now))


@dataclass(frozen=True)
class ScannedPayload:
    id_instance: int
    index: int
    mac: str


def parse_qr_payload(text: str) -> ScannedPayload | None:
    match = _PAYLOAD.fullmatch(text)
    if match is None:
        return None
    return ScannedPayload(int(match["id"]), int(match["index"]), match["mac"])


def payload_age(instance: EmulatedInstance, scanned: ScannedPayload, now: datetime) -> str:
    """Classify a scanned code: fresh, stale (this session's, rotated away) or unknown."""
    if not hmac.compare_digest(scanned.mac, _mac(instance, scanned.index)):
        return "unknown"
    current = rotation_index(instance, now)
    if scanned.index == current:
        return "fresh"
    rotated_at = _qr_origin(instance) + qr_rotation() * current
    if scanned.index == current - 1 and now < rotated_at + QR_GRACE:
        return "fresh"
    return "stale" if scanned.index < current else "unknown"
