"""Onboarding: how close an instance is to a linked phone (docs/greenapi.md §2.6, §3.1, §3.2).

Pages poll `onboarding_check` about every 2 s. Green API's answers to getStateInstance and qr are
shared between all pollers through the cache (shared_calls.py), so however many pages are open
the server calls getStateInstance at most about once a second and qr at most once a second per
instance, within the published limits of 1 and 3 calls per second.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_record
from greenapi import GreenAPIError
from instances.greenapi_factory import instance_client
from instances.models import Instance, StateChange
from instances.services.onboarding_answers import (
    POLL_SECONDS,
    Answer,
    backoff,
    failure,
    hold,
    qr_message,
)
from instances.services.shared_calls import shared_call, shared_forget
from instances.services.state import LINKED_STATES, instance_state_refresh, state_record

if TYPE_CHECKING:
    from instances.models import OnboardingLink

logger = logging.getLogger(__name__)

# getStateInstance may be called once a second per instance; a little over keeps us under.
STATE_HOLD = 1.1
# qr may be called 3 times a second; once a second keeps a 20 s code fresh with room to spare.
QR_HOLD = 1.0
# The WhatsApp code rotates every 20 s (docs/greenapi.md §3.2).
QR_ROTATION_SECONDS = 20
# Green API needs up to about 5 minutes to build or restart an instance; then offer a reboot.
CREATION_PATIENCE = timedelta(minutes=5)
# How long a request with no shared answer yet waits for another request's call to finish.
SHARED_WAIT_SECONDS = 20.0

WHATSAPP = Instance.Type.WHATSAPP
# Telegram and MAX log in with a code sent to the phone, maybe a password (docs/greenapi.md §3.1),
# which this portal does not take yet.
PENDING_MESSAGES = {
    Instance.State.PENDING_CODE: "The messenger is waiting for the login code it sent to the "
    "phone. This portal cannot take that code yet: finish linking in the Green API console.",
    Instance.State.PENDING_PASSWORD: "The account asks for its two-step verification password. "
    "This portal cannot take it yet: finish linking in the Green API console.",
}
NEEDS_LOGOUT_HINT = "log out"  # qr's error "Instance has auth. You need to make log out"


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
    poll_seconds: int = POLL_SECONDS

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
        return self.messenger or "the messenger"

    @property
    def waiting_text(self) -> str:
        minutes, seconds = divmod(self.waiting_seconds, 60)
        return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"

    @property
    def phone_masked(self) -> str:
        """The last digits only, for pages without a login."""
        return f"…{self.phone[-4:]}" if self.phone else ""


def _key(kind: str, instance: Instance) -> str:
    return f"onboarding:{kind}:{instance.pk}"


def _linked_seen(
    instance: Instance, *, before: str, request: HttpRequest | None, link: OnboardingLink | None
) -> None:
    """Audit a link that this page saw happen (a customer link audits its own use)."""
    if link is None and before not in LINKED_STATES and instance.state in LINKED_STATES:
        audit_record(
            action="onboarding.linked",
            actor=request.user if request is not None else None,
            request=request,
            target=instance,
            detail="seen on the onboarding page",
        )


def _state_answer(
    instance: Instance, request: HttpRequest | None, link: OnboardingLink | None
) -> Answer | None:
    def fetch(previous: Answer | None) -> tuple[Answer, float]:
        instance.refresh_from_db(fields=["state", "phone", "state_changed_at"])
        before = instance.state
        try:
            state = instance_state_refresh(instance=instance)
        except GreenAPIError as error:
            logger.info("getStateInstance of %s failed: %s", instance.pk, error.message)
            answer = failure(error, instance, previous)
            return answer, hold(answer, error, STATE_HOLD)
        _linked_seen(instance, before=before, request=request, link=link)
        return Answer(kind=state), STATE_HOLD

    return shared_call(_key("state", instance), fetch, wait=SHARED_WAIT_SECONDS)


def _qr_answer(
    instance: Instance, request: HttpRequest | None, link: OnboardingLink | None
) -> Answer | None:
    def fetch(previous: Answer | None) -> tuple[Answer, float]:
        try:
            result = instance_client(instance).qr()
        except GreenAPIError as error:
            logger.info("qr of %s failed: %s", instance.pk, error.message)
            answer = failure(error, instance, previous)
            return answer, hold(answer, error, QR_HOLD)
        if result.is_qr_code and result.png_bytes:
            version = hashlib.sha256(result.png_bytes).hexdigest()[:16]
            same = previous is not None and previous.version == version
            first_seen = previous.first_seen if same and previous else time.time()
            answer = Answer(
                kind="code", png=result.png_bytes, version=version, first_seen=first_seen
            )
        elif result.is_already_logged:
            _record_linked(instance, request=request, link=link)
            answer = Answer(kind="linked")
        elif result.is_error and NEEDS_LOGOUT_HINT in result.message.lower():
            answer = Answer(kind="needs_logout", message=result.message)
        else:
            answer = Answer(kind="message", message=qr_message(result.type, result.message))
        return answer, QR_HOLD

    return shared_call(_key("qr", instance), fetch, wait=SHARED_WAIT_SECONDS)


def _record_linked(
    instance: Instance, *, request: HttpRequest | None, link: OnboardingLink | None
) -> None:
    """qr said alreadyLogged: the state check has not caught up yet, so record it now."""
    instance.refresh_from_db(fields=["state", "phone", "state_changed_at"])
    before = instance.state
    state_record(
        instance=instance, state=Instance.State.AUTHORIZED, source=StateChange.Source.CHECK
    )
    if not instance.phone:
        try:
            phone = instance_client(instance).get_wa_settings().phone
        except GreenAPIError:
            phone = ""  # the next state check fetches it
        if phone:
            Instance.objects.filter(pk=instance.pk).update(phone=phone)
            instance.phone = phone
    _linked_seen(instance, before=before, request=request, link=link)
    shared_forget(_key("state", instance))


def onboarding_check(
    *,
    instance: Instance,
    request: HttpRequest | None = None,
    link: OnboardingLink | None = None,
) -> Onboarding:
    """Where the instance is now: asks Green API (through the shared answers) and records it."""
    if instance.deleted:
        return _view(instance, Step.PROBLEM, message="This instance was deleted.")
    state = _state_answer(instance, request, link)
    instance.refresh_from_db(fields=["state", "phone", "state_changed_at"])
    if state is None:
        return _from_mirror(instance, "Still waiting for Green API's answer.", streak=1)
    if state.kind == "problem":
        return _view(instance, Step.PROBLEM, message=state.message)
    if state.kind == "trouble":
        return _from_mirror(instance, state.message, streak=state.streak)
    step = _step_for_state(state.kind)
    if step == Step.PROBLEM:
        return _view(instance, step, message=_problem_for_state(instance.state))
    if step != Step.READY:
        return _view(instance, step)
    if state.kind in PENDING_MESSAGES:
        return _view(instance, Step.READY, message=PENDING_MESSAGES[state.kind])
    return _with_qr(instance, _qr_answer(instance, request, link))


def _step_for_state(state: str) -> Step:
    if state in {"creating", "starting", Instance.State.CREATING, Instance.State.STARTING}:
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
        return "The messenger has banned this account. No phone can be linked to it now."
    if state == Instance.State.SUSPENDED:
        return "Sending is suspended for this account for a while. Try again later."
    return (
        "Green API reports a state this portal does not know. Check the instance in the "
        "Green API console."
    )


def _with_qr(instance: Instance, qr: Answer | None) -> Onboarding:
    if qr is None:
        return _view(instance, Step.READY, message="Fetching the QR code…")
    if qr.kind == "code":
        age = time.time() - qr.first_seen
        rotates_in = max(0, math.ceil(QR_ROTATION_SECONDS - age))
        return _view(instance, Step.READY, qr_version=qr.version, rotates_in=rotates_in)
    if qr.kind == "linked":
        instance.refresh_from_db(fields=["state", "phone", "state_changed_at"])
        return _view(instance, Step.LINKED)
    if qr.kind in {"creating", "starting"}:
        return _view(instance, Step.CREATING)
    if qr.kind == "needs_logout":
        return _view(
            instance,
            Step.READY,
            offer_logout=True,
            message="Green API still holds an old login for this instance, so it shows no QR "
            "code. Log the instance out, then link the phone again.",
        )
    if qr.kind == "problem":
        return _view(instance, Step.PROBLEM, message=qr.message)
    if qr.kind == "trouble":
        view = _view(instance, Step.READY, message=qr.message)
        return replace(view, poll_seconds=math.ceil(backoff(qr.streak)))
    return _view(instance, Step.READY, message=qr.message)


def _from_mirror(instance: Instance, message: str, *, streak: int) -> Onboarding:
    """Green API did not answer: keep showing the last known step, say so calmly, back off."""
    step = _step_for_state(instance.state or Instance.State.CREATING)
    if step == Step.PROBLEM:
        step = Step.READY
    view = _view(instance, step, message=message)
    return replace(view, poll_seconds=math.ceil(backoff(streak)))


def _view(instance: Instance, step: Step, **fields: object) -> Onboarding:
    view = Onboarding(
        step=step,
        state=instance.state,
        messenger=instance.type_instance,
        **fields,  # type: ignore[arg-type]
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


def onboarding_qr_png(
    *, instance: Instance, request: HttpRequest | None = None, link: OnboardingLink | None = None
) -> bytes | None:
    """The current QR image (PNG), shared with every poller; None when there is none now."""
    if instance.deleted:
        return None
    answer = _qr_answer(instance, request, link)
    if answer is None or answer.kind != "code":
        return None
    return answer.png


def onboarding_forget(*, instance: Instance) -> None:
    """Forget the shared answers, after a logout or reboot changed what Green API will say."""
    shared_forget(_key("state", instance))
    shared_forget(_key("qr", instance))
