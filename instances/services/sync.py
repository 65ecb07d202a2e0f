"""Mirror getInstances into Instance rows, in bulk and never twice at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from greenapi import GreenAPIError, RateLimited
from greenapi.listing import ListedInstance
from instances.greenapi_factory import listing_client
from instances.models import SyncState
from instances.services.create import open_order_names, orders_settle_open
from instances.services.sync_mirror import MirrorUpdate

# Kept in English (SyncState.last_error): the worker has no reader's language; pages translate it.
INTERNAL_ERROR = gettext_noop("The sync stopped with an internal error.")
# A sync that has not finished after this long is assumed dead and its lock is taken over.
STALE_LOCK = timedelta(minutes=5)


@dataclass(frozen=True)
class SyncResult:
    ran: bool  # False when another sync held the lock
    created: int = 0
    updated: int = 0
    missing: int = 0  # absent from this answer, kept until absent from several
    vanished: int = 0  # absent from enough answers for long enough: now marked deleted
    refused: bool = False  # the answer looked incomplete, so nothing was applied
    error: str = ""
    retry_after: float | None = None  # seconds, when Green API asked for a pause (429)


def _claim_lock() -> bool:
    """Take the sync lock with one conditional UPDATE, atomic on every database."""
    SyncState.get()
    now = timezone.now()
    claimed = SyncState.objects.filter(
        Q(running_since__isnull=True) | Q(running_since__lt=now - STALE_LOCK), pk=1
    ).update(running_since=now, last_attempt_at=now)
    return claimed == 1


def _release_lock(*, error: str) -> None:
    fields: dict[str, object] = {"running_since": None, "last_error": error[:500]}
    if not error:
        fields["last_success_at"] = timezone.now()
    SyncState.objects.filter(pk=1).update(**fields)


def instances_sync() -> SyncResult:
    """Pull getInstances and upsert the mirror; a concurrent call returns ran=False.

    Failures are returned, not logged: the caller (the worker's job, a command) says what
    happened in one line.
    """
    if not _claim_lock():
        return SyncResult(ran=False)
    try:
        result, update = _pull()
        if update is not None:
            orders_settle_open(update.order_candidates)
    except GreenAPIError as exc:
        # Raised by the call, or by a broken answer while it was read: nothing was applied.
        _release_lock(error=exc.message)
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        return SyncResult(ran=True, error=exc.message, retry_after=retry_after)
    except BaseException:
        _release_lock(error=INTERNAL_ERROR)
        raise
    _release_lock(error=result.error)
    return result


def _pull() -> tuple[SyncResult, MirrorUpdate | None]:
    fetched_at = timezone.now()
    with listing_client().instances_listing() as listed:
        return _apply(listed, fetched_at=fetched_at)


def _apply(
    listed: Iterable[ListedInstance], *, fetched_at: datetime
) -> tuple[SyncResult, MirrorUpdate | None]:
    """Read the answer into the mirror in one transaction, rolled back if it must not apply
    (a BadResponse from `listed`, or too much of the mirror missing)."""
    order_names = open_order_names()
    with (
        transaction.atomic(),
        MirrorUpdate(fetched_at=fetched_at, order_names=order_names) as update,
    ):
        for item in listed:
            update.add(item)
        refusal = update.tally.refusal()
        if refusal:
            transaction.set_rollback(True)
            return SyncResult(ran=True, refused=True, error=refusal), None
        update.finish()
        missing, vanished = update.mark_missing(now=timezone.now())
    result = SyncResult(
        ran=True,
        created=update.created,
        updated=update.updated,
        missing=missing,
        vanished=vanished,
    )
    return result, update
