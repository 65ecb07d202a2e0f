"""Turn Green API failures into sentences a partner's staff can act on."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.errors import ApplicationError
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

STILL_CREATING = "this instance is still being created: try again in a few minutes."


def is_new(instance: Instance) -> bool:
    """Created so recently that Green API may still be building it."""
    if instance.state == Instance.State.CREATING:
        return True
    created = instance.time_created
    return created is not None and timezone.now() - created < NEW_INSTANCE_WINDOW


def explain(error: GreenAPIError, *, instance: Instance, doing: str) -> str:
    """One plain sentence or two: what failed while `doing` ("reboot it"), and what to do."""
    return f"Could not {doing}: {_reason(error, instance)}"


def _reason(error: GreenAPIError, instance: Instance) -> str:
    maybe_done = (
        " It may have happened anyway: check the instance's state before trying again."
        if error.outcome_unknown
        else ""
    )
    if isinstance(error, InstanceExpired):
        if is_new(instance):
            return STILL_CREATING
        return (
            "Green API says this instance's account is expired. Renew it in the Green API "
            "console, then try again."
        )
    if isinstance(error, InstanceNotReady):
        return (
            "the instance is restarting. That can take up to 5 minutes: try again then. If it "
            "stays in 'starting' longer, reboot it."
        )
    if isinstance(error, InstanceNotAuthorized):
        return "no phone is linked to this instance. Link a phone first."
    if isinstance(error, InstanceDeleted | NotFound):
        return (
            "Green API does not know this instance any more (it may have been deleted in the "
            "Green API console). The instance list shows it as deleted after the next sync."
        )
    if isinstance(error, RateLimited):
        return "Green API is limiting requests to this instance. Wait a few seconds and try again."
    if isinstance(error, Unauthorized):
        if error.method in PARTNER_METHODS:
            return (
                "Green API refused the partner token. Ask an administrator to check the "
                "GREEN_API_PARTNER_TOKEN setting."
            )
        return (
            "Green API refused this instance's token. If the token was changed in the Green "
            "API console, wait for the next sync of the instance list, then try again."
        )
    if isinstance(error, UpstreamTimeout):
        return "Green API did not answer in time; try again in a minute." + maybe_done
    if isinstance(error, Unavailable):
        return "Green API is not answering; try again in a minute." + maybe_done
    if isinstance(error, QuotaExceeded):
        return error.message
    if isinstance(error, BadResponse):
        return (
            "Green API's answer could not be read. Try again in a minute; if it keeps "
            "happening, tell support." + maybe_done
        )
    if isinstance(error, BadRequest):
        return f"Green API refused the request. {error.message}"
    return error.message + maybe_done


def deleted_message(instance: Instance, *, doing: str) -> str:
    """Why nothing can be done to a deleted instance any more."""
    when = f" on {instance.time_deleted:%Y-%m-%d %H:%M} UTC" if instance.time_deleted else ""
    return f"Could not {doing}: this instance was deleted{when}. A deleted instance cannot change."


def refuse_if_deleted(instance: Instance, *, doing: str) -> None:
    """Raise ApplicationError for a deleted instance: Green API would only answer with errors."""
    if instance.deleted:
        raise ApplicationError(deleted_message(instance, doing=doing))
