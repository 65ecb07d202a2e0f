"""Mirror getInstances into Instance rows, in bulk and never twice at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from greenapi import GreenAPIError, PartnerInstance
from instances.greenapi_factory import partner_client
from instances.models import Instance, SyncState
from instances.services.create import CLOCK_SKEW, orders_settle_open

logger = logging.getLogger(__name__)

# A sync that has not finished after this long is assumed dead and its lock is taken over.
STALE_LOCK = timedelta(minutes=5)
BATCH_SIZE = 500

# Instance fields that come from getInstances, mapped from the client's result attributes.
MIRRORED_FIELDS = (
    "name",
    "type_instance",
    "type_account",
    "partner_user_uiid",
    "time_created",
    "time_deleted",
    "api_token",
    "deleted",
    "tariff",
    "is_free",
    "is_partner",
    "expiration_date",
    "is_expired",
)


_MAX_LENGTHS = {
    field.name: field.max_length
    for field in Instance._meta.get_fields()
    if getattr(field, "max_length", None) and field.name in MIRRORED_FIELDS
}


@dataclass(frozen=True)
class SyncResult:
    ran: bool  # False when another sync held the lock
    created: int = 0
    updated: int = 0
    vanished: int = 0
    error: str = ""


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
    """Pull getInstances and upsert the mirror; a concurrent call returns ran=False."""
    if not _claim_lock():
        return SyncResult(ran=False)
    fetched_at = timezone.now()
    try:
        remote = partner_client().get_instances()
    except GreenAPIError as exc:
        logger.warning("Instance sync failed: %s", exc.message)
        _release_lock(error=exc.message)
        return SyncResult(ran=True, error=exc.message)
    try:
        result = _apply(remote, fetched_at=fetched_at)
        orders_settle_open(remote)
    except BaseException:
        _release_lock(error="The sync stopped with an internal error.")
        raise
    _release_lock(error="")
    return result


def _apply(remote: list[PartnerInstance], *, fetched_at: datetime | None = None) -> SyncResult:
    now = timezone.now()
    # A row created after the list was fetched is missing from it, not gone.
    vanish_before = (fetched_at or now) - CLOCK_SKEW
    remote_by_id = {item.id_instance: item for item in remote}
    with transaction.atomic():
        local = Instance.objects.in_bulk(field_name="pk")
        to_create: list[Instance] = []
        to_update: list[Instance] = []
        changed_fields: set[str] = set()
        for id_instance, item in remote_by_id.items():
            row = local.get(id_instance)
            if row is None:
                row = Instance(id_instance=id_instance)
                _copy(item, row)
                to_create.append(row)
                continue
            changed = _copy(item, row)
            if changed:
                to_update.append(row)
                changed_fields.update(changed)
        # Gone from the list (deleted more than 90 days ago, or never ours): keep as deleted.
        vanished = [
            row
            for id_instance, row in local.items()
            if id_instance not in remote_by_id
            and not row.deleted
            and (row.time_created is None or row.time_created < vanish_before)
        ]
        for row in vanished:
            row.deleted = True
            row.time_deleted = row.time_deleted or now
        Instance.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            Instance.objects.bulk_update(to_update, sorted(changed_fields), batch_size=BATCH_SIZE)
        if vanished:
            Instance.objects.bulk_update(
                vanished, ["deleted", "time_deleted"], batch_size=BATCH_SIZE
            )
    return SyncResult(
        ran=True, created=len(to_create), updated=len(to_update), vanished=len(vanished)
    )


def _copy(item: PartnerInstance, row: Instance) -> list[str]:
    """Copy the mirrored fields onto row; return the names that changed."""
    changed = []
    for field in MIRRORED_FIELDS:
        value = getattr(item, field)
        if field == "api_token" and not value:
            continue  # Green API may stop listing tokens (issue #815): keep the one we have
        if isinstance(value, str) and field in _MAX_LENGTHS:
            value = value[: _MAX_LENGTHS[field]]  # upstream text must not break a column
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed.append(field)
    return changed


def instances_sync_if_due() -> SyncState:
    """Refresh the mirror when it is stale; return how fresh it now is, for the page."""
    state = SyncState.get()
    if sync_is_due(state):
        instances_sync()
        state.refresh_from_db()
    return state


def sync_is_due(state: SyncState | None = None) -> bool:
    """Whether a page should refresh the mirror now (stale, and not just failed)."""
    state = state or SyncState.get()
    now = timezone.now()
    retry_after = timedelta(seconds=settings.INSTANCE_SYNC_RETRY_AFTER)
    if state.last_error and state.last_attempt_at and now - state.last_attempt_at < retry_after:
        return False
    if state.last_success_at is None:
        return True
    return now - state.last_success_at >= timedelta(seconds=settings.INSTANCE_SYNC_MAX_AGE)
