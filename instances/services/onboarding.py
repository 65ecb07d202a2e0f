"""Onboarding: how close an instance is to a linked phone (docs/greenapi.md §2.6, §3.1, §3.2).

Pages poll `onboarding_check` about every 2 s, and about every second while the instance is
being created or starting, so that its QR code shows within about a second of it being ready.
Green API's answers to getStateInstance and qr are shared between all pollers through the
cache (shared_calls.py), so however many pages are open
the server calls getStateInstance at most about once a second and qr at most once every
QR_HOLD (3 s) per instance, within the published limits of 1 and 3 calls per second. While a QR
code shows, qr alone answers the poll: its answer tells the state as well.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, TypedDict, Unpack

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from greenapi import GreenAPIError
from instances.greenapi_factory import instance_client
from instances.models import LINKED_STATES, Instance, StateChange
from instances.services.errors import Outcome, reason_for
from instances.services.onboarding_answers import (
    POLL_SECONDS,
    Failed,
    Observation,
    QrCode,
    QrLinked,
    QrMessage,
    QrNeedsLogout,
    StateSeen,
    backoff,
    failed_again,
    hold,
    qr_message,
)
from instances.services.shared_calls import (
    shared_call,
    shared_forget,
    shared_holds_for,
    shared_latest,
)
from instances.services.state import instance_state_refresh, state_observe

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

logger = logging.getLogger(__name__)

# getStateInstance may be called once a second per instance; a little over keeps us under.
STATE_HOLD = 1.1
# How long one qr answer serves every poller of an instance. Green API allows 3 calls a second
# and advises one about every 2 s; a code lives 20 s. A hold a little longer than the pages' 2 s
# poll means a tab's every other poll calls, not every poll: half the upstream calls (issue 10,
# 500 open tabs). The price: without webhooks a linked phone shows at worst QR_HOLD + POLL_SECONDS
# = 5 s after the scan (3 s with a 1 s hold), or sooner through the stateInstanceChanged webhook
# or the worker's 5 s state check of onboarding instances. Never under 1 s (the rate limit goal).
QR_HOLD = 3.0
# While an instance is created or starts, a page asks again when the shared state answer may be
# replaced (at most STATE_HOLD away), so the poll that follows readiness is at most about a
# second late and shows the QR code in the same answer; never sooner than this, so that pages
# waiting on another request's call do not spin.
READY_POLL_MIN = 0.25
# The WhatsApp code rotates every 20 s (docs/greenapi.md §3.2).
QR_ROTATION_SECONDS = 20
# Green API needs up to about 5 minutes to build or restart an instance; then offer a reboot.
CREATION_PATIENCE = timedelta(minutes=5)
# How long a request with no shared answer yet waits for another request's call to finish.
SHARED_WAIT_SECONDS = 20.0

WHATSAPP = Instance.Type.WHATSAPP
# Telegram and MAX log in with a code sent to the phone, maybe a password (docs/greenapi.md §3.1),
# which this portal does not take yet.
PENDING_MESSAGES: dict[str, _StrPromise] = {
    Instance.State.PENDING_CODE: gettext_lazy(
        "The messenger is waiting for the login code it sent to the phone. This portal cannot "
        "take that code yet: finish linking in the Green API console."
    ),
    Instance.State.PENDING_PASSWORD: gettext_lazy(
        "The account asks for its two-step verification password. This portal cannot take it "
        "yet: finish linking in the Green API console."
    ),
}
NEEDS_LOGOUT_HINT = "log out"  # qr's error "Instance has auth. You need to make log out"


def _keeps_trying(reason: str) -> str:
    return _("%(reason)s The page keeps trying by itself.") % {"reason": reason}


class Step(StrEnum):
    CREATING = "creating"
    READY = "ready"
    LINKED = "linked"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Onboarding:
    """Where an instance is on the way to a linked phone, for the onboarding pages."""

    step: Step
    state: str
    messenger: str
    message: str = ""  # what happened, calmly, when something is in the way
    qr_version: str = ""  # set when a QR code can be shown
    rotates_in: int | None = None
    offer_logout: bool = False
    offer_reboot: bool = False
    waiting_seconds: int = 0
    phone: str = ""
    poll_seconds: float = POLL_SECONDS

    @property
    def polling(self) -> bool:
        return self.step != Step.LINKED

    @property
    def pairing_by_code(self) -> bool:
        return self.messenger == WHATSAPP

    @property
    def messenger_name(self) -> str:
        if self.messenger in Instance.Type.values:
            return str(Instance.Type(self.messenger).label)
        return self.messenger or _("the messenger")

    @property
    def waiting_text(self) -> str:
        return duration_text(self.waiting_seconds)

    @property
    def phone_masked(self) -> str:
        """The last digits only, for pages without a login."""
        return f"…{self.phone[-4:]}" if self.phone else ""


def duration_text(seconds: int) -> str:
    """ "1 min 05 s", "42 s": as static/js/onboarding.js writes them while they tick."""
    minutes, rest = divmod(max(0, seconds), 60)
    if minutes:
        return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": f"{rest:02d}"}
    return _("%(seconds)s s") % {"seconds": rest}


def _key(kind: str, instance: Instance) -> str:
    return f"onboarding:{kind}:{instance.pk}"


def _observe_state(instance: Instance) -> Observation | None:
    """getStateInstance, shared by every poller; what it shows is recorded once, here."""

    def fetch(previous: Observation | None) -> tuple[Observation, float]:
        try:
            state = instance_state_refresh(instance=instance)
        except GreenAPIError as error:
            logger.info("getStateInstance of %s failed: %s", instance.pk, error.message)
            seen: Observation = failed_again(reason_for(error, instance), previous, error)
            return seen, hold(seen, STATE_HOLD, getattr(error, "retry_after", None))
        return StateSeen(state), STATE_HOLD

    return shared_call(_key("state", instance), fetch, wait=SHARED_WAIT_SECONDS)


def _observe_qr(instance: Instance) -> Observation | None:
    """qr, shared by every poller. alreadyLogged is a state observation too: recorded here."""

    def fetch(previous: Observation | None) -> tuple[Observation, float]:
        try:
            client = instance_client(instance)
            result = client.qr()
        except GreenAPIError as error:
            logger.info("qr of %s failed: %s", instance.pk, error.message)
            seen: Observation = failed_again(reason_for(error, instance), previous, error)
            return seen, hold(seen, QR_HOLD, getattr(error, "retry_after", None))
        if result.is_qr_code and result.png_bytes:
            version = hashlib.sha256(result.png_bytes).hexdigest()[:16]
            if isinstance(previous, QrCode) and previous.version == version:
                first_seen = previous.first_seen  # the same code keeps its first sighting
            else:
                first_seen = time.time()
            return QrCode(result.png_bytes, version, first_seen), QR_HOLD
        if result.is_already_logged:
            # The state check has not caught up yet: record what qr knows, once.
            state_observe(
                instance=instance,
                state=Instance.State.AUTHORIZED,
                source=StateChange.Source.CHECK,
                client=client,
            )
            shared_forget(_key("state", instance))
            return QrLinked(), QR_HOLD
        if result.is_error and NEEDS_LOGOUT_HINT in result.message.lower():
            return QrNeedsLogout(), QR_HOLD
        return QrMessage(result.type, result.message), QR_HOLD

    return shared_call(_key("qr", instance), fetch, wait=SHARED_WAIT_SECONDS)


def onboarding_check(*, instance: Instance) -> Onboarding:
    """Where the instance is now: one shared look at its state (and its QR code when ready)."""
    if instance.deleted:
        return _view(instance, Step.PROBLEM, message=_("This instance was deleted."))
    if instance.state == Instance.State.NOT_AUTHORIZED and instance.type_instance == WHATSAPP:
        # Waiting for a phone, WhatsApp's qr is the state check too: a code means still
        # notAuthorized, alreadyLogged a linked phone (recorded by _observe_qr), so a tab costs
        # one call a poll. (Telegram's and MAX's answers in their pending states are unconfirmed.)
        qr = _observe_qr(instance)
        if isinstance(qr, QrCode | QrLinked):
            return _with_qr(instance, qr)
        # A restart, a ban or a failure the mirror does not know of yet: ask for the state.
    state = _observe_state(instance)
    if isinstance(state, StateSeen) and _mirror_behind(instance, state.state):
        instance.refresh_from_db(fields=["state", "phone", "state_changed_at"])
    if state is None:
        return _from_mirror(instance, _("Still waiting for Green API's answer."), streak=1)
    if isinstance(state, Failed):
        return _after_failure(instance, state)
    assert isinstance(state, StateSeen)
    step = _step_for_state(state.state)
    if step == Step.PROBLEM:
        return _view(instance, step, message=_problem_for_state(instance.state))
    if step == Step.CREATING:
        return _soon_ready(_view(instance, step), instance)
    if step != Step.READY:
        return _view(instance, step)
    if state.state in PENDING_MESSAGES:
        return _view(instance, Step.READY, message=str(PENDING_MESSAGES[state.state]))
    return _with_qr(instance, _observe_qr(instance))


def _soon_ready(view: Onboarding, instance: Instance) -> Onboarding:
    """Ask again as soon as getStateInstance may be called again (READY_POLL_MIN)."""
    wait = max(READY_POLL_MIN, shared_holds_for(_key("state", instance)))
    return replace(view, poll_seconds=round(min(wait, POLL_SECONDS), 2))


def _mirror_behind(instance: Instance, state: str) -> bool:
    """Whether another request recorded news since this one read the instance's row."""
    return instance.state != state or (state in LINKED_STATES and not instance.phone)


def _reason_text(failed: Failed, instance: Instance) -> str:
    """Why the shared call failed, in this request's language (another request may have made
    the call, in another language)."""
    if failed.error is None:
        return failed.reason.text
    return reason_for(failed.error, instance).text


def _after_failure(instance: Instance, failed: Failed) -> Onboarding:
    """A failed state check: wait for a new instance, keep the last step in trouble, or stop."""
    reason = failed.reason
    if reason.outcome == Outcome.NOT_READY:
        return _soon_ready(_view(instance, Step.CREATING), instance)
    text = _reason_text(failed, instance)
    if reason.outcome == Outcome.RETRY:
        return _from_mirror(instance, _keeps_trying(text), streak=failed.streak)
    return _view(instance, Step.PROBLEM, message=text)


def _step_for_state(state: str) -> Step:
    if state in {Instance.State.CREATING, Instance.State.STARTING}:
        return Step.CREATING
    if state in LINKED_STATES or state == Instance.State.SLEEP_MODE:
        return Step.LINKED
    if state in {
        Instance.State.NOT_AUTHORIZED,
        Instance.State.PENDING_CODE,
        Instance.State.PENDING_PASSWORD,
    }:
        return Step.READY
    return Step.PROBLEM


def _problem_for_state(state: str) -> str:
    if state == Instance.State.BLOCKED:
        return _("The messenger has banned this account. No phone can be linked to it now.")
    if state == Instance.State.SUSPENDED:
        return _("Sending is suspended for this account for a while. Try again later.")
    return _(
        "Green API reports a state this portal does not know. Check the instance in the "
        "Green API console."
    )


def _with_qr(instance: Instance, qr: Observation | None) -> Onboarding:
    if qr is None:
        return _view(instance, Step.READY, message=_("Fetching the QR code…"))
    if isinstance(qr, QrCode):
        age = time.time() - qr.first_seen
        rotates_in = max(0, math.ceil(QR_ROTATION_SECONDS - age))
        return _view(instance, Step.READY, qr_version=qr.version, rotates_in=rotates_in)
    if isinstance(qr, QrLinked):
        instance.refresh_from_db(fields=["state", "phone", "state_changed_at"])
        return _view(instance, Step.LINKED)
    if isinstance(qr, QrNeedsLogout):
        return _view(
            instance,
            Step.READY,
            offer_logout=True,
            message=_(
                "Green API still holds an old login for this instance, so it shows no QR "
                "code. Log the instance out, then link the phone again."
            ),
        )
    if isinstance(qr, Failed):
        if qr.reason.outcome == Outcome.NOT_READY:
            return _view(instance, Step.CREATING)
        if qr.reason.outcome == Outcome.ACT:
            return _view(instance, Step.PROBLEM, message=_reason_text(qr, instance))
        view = _view(instance, Step.READY, message=_keeps_trying(_reason_text(qr, instance)))
        return replace(view, poll_seconds=math.ceil(backoff(qr.streak)))
    assert isinstance(qr, QrMessage)
    return _view(instance, Step.READY, message=qr_message(qr.kind, qr.message))


def _from_mirror(instance: Instance, message: str, *, streak: int) -> Onboarding:
    """Green API did not answer: keep showing the last known step, say so calmly, back off."""
    step = _step_for_state(instance.state or Instance.State.CREATING)
    if step == Step.PROBLEM:
        step = Step.READY
    view = _view(instance, step, message=message)
    return replace(view, poll_seconds=math.ceil(backoff(streak)))


class _ViewFields(TypedDict, total=False):
    """What a caller of `_view` may set on the Onboarding besides the step."""

    message: str
    qr_version: str
    rotates_in: int | None
    offer_logout: bool


def _view(instance: Instance, step: Step, **fields: Unpack[_ViewFields]) -> Onboarding:
    view = Onboarding(
        step=step,
        state=instance.state,
        messenger=instance.type_instance,
        **fields,
    )
    if step == Step.LINKED:
        return replace(view, phone=instance.phone)
    if step == Step.CREATING:
        since = instance.time_created
        if instance.state == Instance.State.STARTING and instance.state_changed_at:
            since = instance.state_changed_at
        waited = timezone.now() - since if since else timedelta(0)
        return replace(
            view,
            waiting_seconds=max(0, int(waited.total_seconds())),
            offer_reboot=waited >= CREATION_PATIENCE,
        )
    return view


@dataclass(frozen=True)
class QrImage:
    png: bytes
    named: bool  # the very code the caller's version named: the same URL always shows it


def onboarding_qr_png(*, instance: Instance, version: str = "") -> QrImage | None:
    """The QR image (PNG) a poll named by `version`, else the current one; None when none.

    The version comes from a poll that just read the shared answer, so the image is served from
    that answer as it is, without a new call even when its hold has passed: the page asks for
    the image right after each new code, and a second qr call for it would double the calls.
    """
    if instance.deleted:
        return None
    latest = shared_latest(_key("qr", instance)) if version else None
    if isinstance(latest, QrCode) and latest.version == version:
        return QrImage(latest.png, named=True)
    qr = _observe_qr(instance)
    return QrImage(qr.png, named=qr.version == version) if isinstance(qr, QrCode) else None


def onboarding_forget(*, instance: Instance) -> None:
    """Forget the shared answers, after a logout or reboot changed what Green API will say."""
    shared_forget(_key("state", instance))
    shared_forget(_key("qr", instance))
