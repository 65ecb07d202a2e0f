"""Green API's answers to state and qr, and its failures, reduced to what onboarding shows.

An `Answer` is what the pollers of one instance share through the cache, so it must pickle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from core.redaction import redact
from greenapi import (
    BadResponse,
    GreenAPIError,
    InstanceDeleted,
    InstanceExpired,
    InstanceNotReady,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from instances.models import Instance

POLL_SECONDS = 2
MAX_BACKOFF_SECONDS = 30
# "Expired" right after a create means "not ready yet"; after this long it means expired.
NEW_INSTANCE_WINDOW = timedelta(minutes=15)
BUSY = "Green API is busy right now. The page keeps trying by itself."
DOWN = "Green API is not answering at the moment. The page keeps trying by itself."
UNREADABLE = "Green API's answer could not be read. The page keeps trying by itself."


@dataclass(frozen=True)
class Answer:
    """One shared Green API answer (state or qr), reduced to what the pages need. Pickles."""

    kind: str  # state: the state value; qr: "code", "linked", "needs_logout", "message"; or
    # "creating", "starting", "trouble" (try again later), "problem" (a person must act)
    message: str = ""
    png: bytes | None = None
    version: str = ""  # a digest of the QR image: it changes when the code rotates
    first_seen: float = 0.0  # when this server first saw this image
    streak: int = 0  # failed calls in a row, for the backoff


def backoff(streak: int) -> float:
    """Seconds before asking again after `streak` failures in a row: 2, 4, 8, ... 30."""
    return float(min(POLL_SECONDS * 2 ** max(streak - 1, 0), MAX_BACKOFF_SECONDS))


def is_new(instance: Instance) -> bool:
    """Created so recently that Green API may still be building it."""
    created = instance.time_created
    return created is None or timezone.now() - created < NEW_INSTANCE_WINDOW


def failure(error: GreenAPIError, instance: Instance, previous: Answer | None) -> Answer:
    """Sort a failed call: not ready yet, try again later, or a person must act."""
    if isinstance(error, InstanceExpired):
        if is_new(instance):
            return Answer(kind="creating")
        return Answer(
            kind="problem",
            message="Green API says this instance's account has expired. Renew it in the "
            "Green API console; linking a phone works again after that.",
        )
    if isinstance(error, InstanceNotReady):
        return Answer(kind="starting")
    streak = (previous.streak if previous else 0) + 1
    if isinstance(error, RateLimited):
        return Answer(kind="trouble", message=BUSY, streak=streak)
    if isinstance(error, Unavailable):
        return Answer(kind="trouble", message=DOWN, streak=streak)
    if isinstance(error, InstanceDeleted | NotFound):
        return Answer(
            kind="problem",
            message="Green API does not know this instance any more; it may have been deleted.",
        )
    if isinstance(error, Unauthorized):
        return Answer(
            kind="problem",
            message="Green API refused this instance's token. If it was changed in the Green "
            "API console, wait for the next sync of the instance list.",
        )
    if isinstance(error, BadResponse):
        return Answer(kind="trouble", message=UNREADABLE, streak=streak)
    return Answer(kind="problem", message=error.message)


def hold(answer: Answer, error: GreenAPIError | None, normal: float) -> float:
    """How long an answer stands before the next call: longer after failures."""
    if answer.kind != "trouble":
        return normal
    retry_after = getattr(error, "retry_after", None) or 0.0
    return max(backoff(answer.streak), float(retry_after), normal)


def qr_message(kind: str, message: str) -> str:
    """A sentence for a qr answer that is neither a code nor a known error."""
    if kind == "already_registered":
        return "This Telegram account is already registered with the instance."
    if kind == "pending_password":
        return (
            "The account asks for its two-step verification password. This portal cannot "
            "take it yet: finish linking in the Green API console."
        )
    # Upstream text is shown as is, so it must not carry a token (it can echo URLs).
    return f"Green API says: {redact(message[:200])}" if message else "Green API sent no QR code."
