"""Turn Green API failures into sentences a partner's staff can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.templatetags.clock import when
from greenapi import (
    BadRequest,
    BadResponse,
    GreenAPIError,
    InstanceDeleted,
    InstanceExpired,
    InstanceNotAuthorized,
    InstanceNotReady,
    NotFound,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamTimeout,
)
from greenapi.replies import PARTNER_METHODS
from instances.models import Instance

# Green API needs up to about 5 minutes to build an instance, and answers "expired" meanwhile
# (docs/greenapi.md §2.1); allow some slack before an "expired" answer is taken at its word.
NEW_INSTANCE_WINDOW = timedelta(minutes=15)

STILL_CREATING = gettext_lazy("This instance is still being created: try again in a few minutes.")


def is_new(instance: Instance) -> bool:
    """Created so recently that Green API may still be building it."""
    if instance.state == Instance.State.CREATING:
        return True
    created = instance.time_created
    return created is not None and timezone.now() - created < NEW_INSTANCE_WINDOW


class Outcome(StrEnum):
    """What a failed call means for the person waiting on it."""

    NOT_READY = "not_ready"  # the instance is being built or restarted: wait, it comes by itself
    RETRY = "retry"  # Green API is busy, down or garbled: the same call may work in a minute
    ACT = "act"  # a person must do something first (renew, link, fix a setting)


@dataclass(frozen=True)
class Reason:
    """Why a Green API call failed, sorted for people: the one mapping from errors to words.

    `text` is complete sentences for ACT; for NOT_READY and RETRY it names the cause only, and
    each page adds its own advice ("try again in a minute", "the page keeps trying").
    """

    outcome: Outcome
    text: str
    restarting: bool = False  # NOT_READY: restarting rather than being created


def reason_for(error: GreenAPIError, instance: Instance) -> Reason:
    """Sort a failed call on `instance` (docs/greenapi.md §4.1 lists the answers)."""
    if isinstance(error, InstanceExpired):
        if is_new(instance):
            return Reason(Outcome.NOT_READY, _("This instance is still being created."))
        return Reason(
            Outcome.ACT,
            _(
                "Green API says this instance's account is expired. Renew it in the Green API "
                "console, then try again."
            ),
        )
    if isinstance(error, InstanceNotReady):
        return Reason(Outcome.NOT_READY, _("The instance is restarting."), restarting=True)
    if isinstance(error, RateLimited):
        return Reason(Outcome.RETRY, _("Green API is busy right now."))
    if isinstance(error, UpstreamTimeout):
        return Reason(Outcome.RETRY, _("Green API did not answer in time."))
    if isinstance(error, Unavailable):
        return Reason(Outcome.RETRY, _("Green API is not answering."))
    if isinstance(error, BadResponse):
        return Reason(Outcome.RETRY, _("Green API's answer could not be read."))
    return Reason(Outcome.ACT, _what_to_do(error))


def _what_to_do(error: GreenAPIError) -> str:
    if isinstance(error, InstanceNotAuthorized):
        return _("No phone is linked to this instance. Link a phone first.")
    if isinstance(error, InstanceDeleted | NotFound):
        return _(
            "Green API does not know this instance any more (it may have been deleted in the "
            "Green API console). The instance list shows it as deleted after the next sync."
        )
    if isinstance(error, Unauthorized):
        if error.method in PARTNER_METHODS:
            return _(
                "Green API refused the partner token. Ask an administrator to check the "
                "GREEN_API_PARTNER_TOKEN setting."
            )
        return _(
            "Green API refused this instance's token. If the token was changed in the Green "
            "API console, wait for the next sync of the instance list, then try again."
        )
    if isinstance(error, QuotaExceeded):
        return error.message
    if isinstance(error, BadRequest):
        return _("Green API refused the request. %(message)s") % {"message": error.message}
    return error.message


def explain(error: GreenAPIError, *, instance: Instance, doing: str) -> str:
    """One plain sentence or two: what failed while `doing` ("reboot it"), and what to do."""
    reason = reason_for(error, instance)
    words = {"doing": doing, "reason": reason.text}
    if reason.outcome == Outcome.ACT:
        return _("Could not %(doing)s: %(reason)s") % words
    if reason.outcome == Outcome.NOT_READY:
        if reason.restarting:
            return (
                _(
                    "Could not %(doing)s: %(reason)s That can take up to 5 minutes: try again "
                    "then. If it stays in 'starting' longer, reboot it."
                )
                % words
            )
        return _("Could not %(doing)s: %(reason)s Try again in a few minutes.") % words
    if error.outcome_unknown:
        return (
            _(
                "Could not %(doing)s: %(reason)s Try again in a minute. It may have happened "
                "anyway: check the instance's state before trying again."
            )
            % words
        )
    return _("Could not %(doing)s: %(reason)s Try again in a minute.") % words


def deleted_message(instance: Instance, *, doing: str) -> str:
    """Why nothing can be done to a deleted instance any more."""
    if instance.time_deleted:
        return _(
            "Could not %(doing)s: this instance was deleted on %(when)s. A deleted instance "
            "cannot change."
        ) % {"doing": doing, "when": when(instance.time_deleted)}
    return _(
        "Could not %(doing)s: this instance was deleted. A deleted instance cannot change."
    ) % {"doing": doing}


def refuse_if_deleted(instance: Instance, *, doing: str) -> None:
    """Raise ApplicationError for a deleted instance: Green API would only answer with errors."""
    if instance.deleted:
        raise ApplicationError(deleted_message(instance, doing=doing))
