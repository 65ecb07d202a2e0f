"""Delete an instance without leaving a customer's phone linked (docs/greenapi.md §2.3).

Deleting does not unlink the phone, so a linked instance is logged out first, and a failed
logout stops the delete. deleteInstanceAccount is sent once: when it fails or its answer is
lost, the partner list says whether it happened. The mirror row is kept, marked deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from core.errors import ApplicationError
from greenapi import (
    GreenAPIError,
    InstanceClient,
    InstanceDeleted,
    InstanceNotAuthorized,
    NotFound,
    PartnerClient,
    PartnerInstance,
)
from instances.greenapi_factory import TokenMissing, instance_client, partner_client
from instances.lifecycle import DELETED, lifecycle_send
from instances.models import Instance, StateChange
from instances.services.errors import explain
from instances.services.state import state_from_wire, state_record

logger = logging.getLogger(__name__)

DOING = gettext_noop("delete the instance")
# States in which no phone can be linked; in every other one, log out before deleting.
UNLINKED_STATES = frozenset({Instance.State.NOT_AUTHORIZED, Instance.State.CREATING})
# A claim older than this was left by a request that died: a delete ends within the action
# deadline (GREEN_API_ACTION_DEADLINE), and gunicorn kills a worker after 30 s.
CLAIM_STALE_AFTER = timedelta(minutes=2)
BEING_DELETED = gettext_lazy(
    "This instance is being deleted by someone else right now, so nothing was sent to Green "
    "API. Reload its page in a minute to see the result."
)


@dataclass(frozen=True)
class DeleteResult:
    logged_out: bool  # a phone was logged out first
    already_gone: bool  # Green API had deleted it before we asked
    message: str


class _Gone(Exception):
    """Green API no longer knows the instance: nothing to log out, nothing left to delete."""


class _CannotUnlink(Exception):
    """Whether a phone is linked could not be checked, or its logout failed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


KEEP = gettext_lazy(
    "The instance was not deleted: deleting it now could leave the customer's phone linked. "
    "Try again once Green API answers, or tick the box to delete it anyway."
)
LEFT_LINKED = gettext_lazy(
    "Its phone could not be logged out: ask the customer to remove it in WhatsApp under "
    "Settings → Linked devices."
)


def instance_delete(
    *,
    instance: Instance,
    user: User,
    request: HttpRequest | None = None,
    skip_unreachable_logout: bool = False,
) -> DeleteResult:
    """Log out a linked phone, delete the instance at Green API, mark the mirror deleted.

    When the phone cannot be checked or logged out (an expired instance answers nothing, a
    token may be missing), the delete stops, unless the user chose `skip_unreachable_logout`
    knowing that the customer must then unlink the phone themselves.
    """
    claimed_at = None if instance.deleted else _claim(instance)
    if claimed_at is None:
        instance.refresh_from_db(fields=["deleted", "time_deleted"])
        if not instance.deleted:
            _fail(instance, user, request, str(BEING_DELETED))
        _audit(instance, user, request, detail="already deleted; nothing sent to Green API")
        return DeleteResult(
            False, True, _("%(instance)s was already deleted.") % {"instance": instance}
        )
    try:
        return _delete_claimed(instance, user, request, skip_unreachable_logout)
    finally:
        # A success has cleared the claim already; after a failure, the next try may claim it.
        Instance.objects.filter(pk=instance.pk, delete_started_at=claimed_at).update(
            delete_started_at=None
        )


def _claim(instance: Instance) -> datetime | None:
    """Mark the row as being deleted (committed before any call), or None if another request
    holds it or it is deleted: one delete at a time."""
    now = timezone.now()
    claimed = (
        Instance.objects.filter(pk=instance.pk, deleted=False)
        .filter(
            Q(delete_started_at__isnull=True) | Q(delete_started_at__lt=now - CLAIM_STALE_AFTER)
        )
        .update(delete_started_at=now)
    )
    return now if claimed else None


def _delete_claimed(
    instance: Instance,
    user: User,
    request: HttpRequest | None,
    skip_unreachable_logout: bool,
) -> DeleteResult:
    logged_out = left_linked = False
    try:
        logged_out = _unlink(instance)
    except _Gone:
        pass  # deleteInstanceAccount will confirm it with a "not found"
    except _CannotUnlink as problem:
        if not skip_unreachable_logout:
            _fail(instance, user, request, f"{problem.message} {KEEP}")
        left_linked = True
    already_gone, deleted_at = _delete_upstream(instance, user, request, logged_out=logged_out)
    _mark_deleted(instance, deleted_at)
    named = {"instance": instance}
    if already_gone:
        message = (
            _("%(instance)s was already deleted at Green API; the portal now shows it deleted.")
            % named
        )
    elif logged_out:
        message = _("%(instance)s was deleted. Its phone was logged out first.") % named
    else:
        message = _("%(instance)s was deleted.") % named
    if left_linked:
        message = f"{message} {LEFT_LINKED}"
    _audit(
        instance,
        user,
        request,
        detail=("logged out, then " if logged_out else "")
        + ("not logged out (unreachable), " if left_linked else "")
        + ("already deleted at Green API" if already_gone else "deleted"),
    )
    return DeleteResult(logged_out, already_gone, message)


def _unlink(instance: Instance) -> bool:
    """Log out the phone if one may be linked; True when a logout was done."""
    try:
        client = instance_client(instance)
    except TokenMissing as exc:
        raise _CannotUnlink(exc.message) from None
    if not _may_be_linked(client, instance):
        return False
    _log_out(client, instance)
    return True


def _may_be_linked(client: InstanceClient, instance: Instance) -> bool:
    """Ask Green API for the live state: the mirror may be minutes old."""
    try:
        raw = client.get_state_instance()
    except (InstanceDeleted, NotFound):
        raise _Gone from None
    except GreenAPIError as exc:
        logger.info("Delete of %s: getStateInstance failed: %s", instance.pk, exc.message)
        raise _CannotUnlink(
            explain(exc, instance=instance, doing=_("check whether a phone is linked"))
        ) from None
    state = state_from_wire(raw)
    # What we just learned goes on the timeline, so the logout that follows reads right.
    state_record(instance=instance, state=state, source=StateChange.Source.CHECK)
    return state not in UNLINKED_STATES  # a state this portal does not know may be linked


def _log_out(client: InstanceClient, instance: Instance) -> None:
    try:
        confirmed = client.logout()
    except InstanceNotAuthorized:
        confirmed = True  # nothing was linked after all
    except (InstanceDeleted, NotFound):
        raise _Gone from None
    except GreenAPIError as exc:
        logger.info("Delete of %s: logout failed: %s", instance.pk, exc.message)
        raise _CannotUnlink(explain(exc, instance=instance, doing=_("log out the phone"))) from None
    if not confirmed:
        raise _CannotUnlink(_("Green API did not confirm logging out the phone."))
    state_record(
        instance=instance, state=Instance.State.NOT_AUTHORIZED, source=StateChange.Source.ACTION
    )


def _delete_upstream(
    instance: Instance, user: User, request: HttpRequest | None, *, logged_out: bool
) -> tuple[bool, datetime | None]:
    """Send deleteInstanceAccount once, settle a failure from getInstances; (already gone,
    Green API's deletion time if known)."""
    partner = partner_client()
    try:
        partner.delete_instance_account(instance.pk)
    except NotFound:
        return True, None
    except GreenAPIError as exc:
        error = exc
    else:
        return False, None
    logger.info("Delete of %s: deleteInstanceAccount failed: %s", instance.pk, error.message)
    # Even a refusal (a 429, the "expired" text) can come after the work was done, and a lost
    # answer hides it: one look at the list settles it, instead of sending the delete again.
    try:
        remote = _listed(partner, instance.pk)
    except GreenAPIError as exc:
        logger.info("Delete of %s: getInstances failed too: %s", instance.pk, exc.message)
        _fail(instance, user, request, _unsettled(error, instance))
    if remote is not None and remote.deleted:
        return False, remote.time_deleted
    if remote is None:
        # Deleted instances stay listed for 3 months (docs/greenapi.md §2.2): an answer without
        # this one at all is incomplete, and proves nothing either way.
        _fail(instance, user, request, _unsettled(error, instance))
    if not error.outcome_unknown:
        not_deleted = (
            _("The phone was logged out, but the instance was not deleted.")
            if logged_out
            else _("The instance was not deleted.")
        )
        _fail(
            instance,
            user,
            request,
            f"{explain(error, instance=instance, doing=_(DOING))} {not_deleted}",
        )
    if logged_out:
        lost = _(
            "Green API's answer to the delete was lost, and its instance list still shows the "
            "instance as active. The phone was logged out, but the instance has not been "
            "deleted yet: wait a minute and try again (if Green API finishes the delete "
            "meanwhile, trying again only confirms it)."
        )
    else:
        lost = _(
            "Green API's answer to the delete was lost, and its instance list still shows the "
            "instance as active. The instance has not been deleted yet: wait a minute and try "
            "again (if Green API finishes the delete meanwhile, trying again only confirms it)."
        )
    _fail(instance, user, request, lost)


def _listed(partner: PartnerClient, id_instance: int) -> PartnerInstance | None:
    """This instance as one whole getInstances answer lists it, read as a stream."""
    found = None
    with partner.instances_listing() as listed:
        for item in listed:  # to the end: a broken answer proves nothing
            if item.id_instance == id_instance:
                found = item
    return None if found is None else found.parsed()


def _unsettled(error: GreenAPIError, instance: Instance) -> str:
    """The delete failed or its answer was lost, and the list that would tell is unreadable."""
    if error.outcome_unknown:
        return _(
            "Green API's answer to the delete was lost, and its instance list could not be "
            "read to check whether it happened. Wait a minute and open the instance list: if it "
            "shows this instance as deleted, it is; otherwise delete it again."
        )
    unreadable = _(
        "Green API's instance list could not be read to check whether it happened. Wait a "
        "minute and open the instance list: if it shows this instance as deleted, it is; "
        "otherwise delete it again."
    )
    return f"{explain(error, instance=instance, doing=_(DOING))} {unreadable}"


def _mark_deleted(instance: Instance, deleted_at: datetime | None) -> None:
    instance.deleted = True
    instance.time_deleted = deleted_at or timezone.now()
    # sync_fingerprint: the next sync rewrites the row from Green API's answer, whatever it says.
    changes = {
        "deleted": True,
        "time_deleted": instance.time_deleted,
        "delete_started_at": None,
        "sync_fingerprint": "",
    }
    with transaction.atomic():
        marked = Instance.objects.filter(pk=instance.pk, deleted=False).update(**changes)
        if not marked:
            Instance.objects.filter(pk=instance.pk).update(**changes)
        else:  # told once, however many requests saw it go
            lifecycle_send(
                DELETED,
                id_instance=instance.pk,
                reseller_id=instance.reseller_id,
                old_state=instance.state,
                at=instance.time_deleted,
            )


def _fail(instance: Instance, user: User, request: HttpRequest | None, message: str) -> NoReturn:
    _audit(instance, user, request, detail=message, result=AuditEvent.Result.FAILED)
    raise ApplicationError(message)


def _audit(
    instance: Instance,
    user: User,
    request: HttpRequest | None,
    *,
    detail: str,
    result: str = AuditEvent.Result.OK,
) -> None:
    audit_record(
        action="instance.delete",
        request=request,
        actor=user,
        target=instance,
        result=result,
        detail=detail,
    )
