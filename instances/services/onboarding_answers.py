"""What the onboarding pages saw of an instance: one observation of its state or of its QR code.

Pollers of one instance share these through the cache (shared_calls.py), so they must pickle.
An observation is either what Green API answered (`StateSeen`, `QrCode`, `QrLinked`, ...) or
why it did not (`Failed`, with the reason from services/errors.py); never a mix of both.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.redaction import redact
from greenapi import GreenAPIError
from instances.services.errors import Outcome, Reason

POLL_SECONDS = 2
MAX_BACKOFF_SECONDS = 30


@dataclass(frozen=True)
class StateSeen:
    state: str  # an Instance.State value ("creating" while Green API answers null)


@dataclass(frozen=True)
class QrCode:
    png: bytes
    version: str  # a digest of the image: it changes when the code rotates
    first_seen: float  # when this server first saw this image (time.time())


@dataclass(frozen=True)
class QrLinked:
    """qr answered alreadyLogged: a phone is linked, whatever the last state check said."""


@dataclass(frozen=True)
class QrNeedsLogout:
    """qr refuses while an old login is held (docs/greenapi.md §3.2)."""


@dataclass(frozen=True)
class QrMessage:
    """An answer that is neither a code nor a known error: worded when shown (`qr_message`),
    in the reader's language, since every poller of the instance shares it."""

    kind: str
    message: str  # Green API's own text, as it came


@dataclass(frozen=True)
class Failed:
    reason: Reason  # sorted when the call failed; its text in the language of that request
    streak: int = 1  # failed calls in a row, for the backoff
    # The failure itself, so that each poller words it in its own language (reason_text).
    error: GreenAPIError | None = None

    @property
    def retrying(self) -> bool:
        return self.reason.outcome == Outcome.RETRY


Observation = StateSeen | QrCode | QrLinked | QrNeedsLogout | QrMessage | Failed


def failed_again(
    reason: Reason, previous: Observation | None, error: GreenAPIError | None = None
) -> Failed:
    """A failure, counting how many in a row so the pages back off."""
    streak = previous.streak + 1 if isinstance(previous, Failed) else 1
    return Failed(reason, streak, error)


def backoff(streak: int) -> float:
    """Seconds before asking again after `streak` failures in a row: 2, 4, 8, ... 30."""
    return float(min(POLL_SECONDS * 2 ** max(streak - 1, 0), MAX_BACKOFF_SECONDS))


def hold(observation: Observation, normal: float, retry_after: float | None = None) -> float:
    """How long an observation stands before the next call: longer after failures."""
    if not isinstance(observation, Failed) or not observation.retrying:
        return normal
    return max(backoff(observation.streak), retry_after or 0.0, normal)


def qr_message(kind: str, message: str) -> str:
    """A sentence for a qr answer that is neither a code nor a known error."""
    if kind == "already_registered":
        return _("This Telegram account is already registered with the instance.")
    if kind == "pending_password":
        return _(
            "The account asks for its two-step verification password. This portal cannot "
            "take it yet: finish linking in the Green API console."
        )
    # Upstream text is shown as is, so it must not carry a token (it can echo URLs).
    if not message:
        return _("Green API sent no QR code.")
    return _("Green API says: %(message)s") % {"message": redact(message[:200])}
