"""Mirror getInstances into Instance rows, in bulk and never twice at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Field, Q
from django.utils import timezone

from greenapi import GreenAPIError, PartnerInstance, RateLimited
from instances.greenapi_factory import partner_client
from instances.models import Instance, SyncState
from instances.services.create import orders_settle_open
from instances.services.listing_guard import expected_in_listing, listing_refusal

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
    # A reverse relation (ForeignObjectRel) has no max_length.
    if isinstance(field, Field) and field.max_length and field.name in MIRRORED_FIELDS
}


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
    fetched_at = timezone.now()
    try:
        remote = partner_client().get_instances()
    except GreenAPIError as exc:
        _release_lock(error=exc.message)
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        return SyncResult(ran=True, error=exc.message, retry_after=retry_after)
    try:
        refusal = listing_refusal(remote, fetched_at=fetched_at)
        if refusal:
            _release_lock(error=refusal)
            return SyncResult(ran=True, refused=True, error=refusal)
        result = _apply(remote, fetched_at=fetched_at)
        orders_settle_open(remote)
    except BaseException:
        _release_lock(error="The sync stopped with an internal error.")
        raise
    _release_lock(error="")
    return result


def _apply(remote: list[PartnerInstance], *, fetched_at: datetime | None = None) -> SyncResult:
    now = timezone.now()
    remote_by_id = {item.id_instance: item for item in remote}
    with transaction.atomic():
        local = Instance.objects.in_bulk(field_name="pk")
        expected = set(
            expected_in_listing(fetched_at=fetched_at or now).values_list("pk", flat=True)
        )
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
            if row.missing_since is not None or row.missing_count:
                row.missing_since, row.missing_count = None, 0  # listed again
                changed += ["missing_since", "missing_count"]
            if changed:
                to_update.append(row)
                changed_fields.update(changed)
        # Absent from this answer: only `deleted: true` proves a deletion (docs/greenapi.md
        # §2.2), so a row is marked deleted only after several answers over the grace time.
        missing = [
            row
            for id_instance, row in local.items()
            if id_instance not in remote_by_id and id_instance in expected
        ]
        vanished = 0
        for row in missing:
            row.missing_since = row.missing_since or now
            row.missing_count += 1
            if _missing_long_enough(row, now):
                row.deleted = True
                row.time_deleted = row.time_deleted or now
                vanished += 1
        Instance.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            Instance.objects.bulk_update(to_update, sorted(changed_fields), batch_size=BATCH_SIZE)
        if missing:
            Instance.objects.bulk_update(
                missing,
                ["missing_since", "missing_count", "deleted", "time_deleted"],
                batch_size=BATCH_SIZE,
            )
    return SyncResult(
        ran=True,
        created=len(to_create),
        updated=len(to_update),
        missing=len(missing) - vanished,
        vanished=vanished,
    )


def _missing_long_enough(row: Instance, now: datetime) -> bool:
    """Absent from enough answers in a row, over enough time, to be taken as gone for good."""
    grace = timedelta(minutes=settings.SYNC_MISSING_GRACE_MINUTES)
    assert row.missing_since is not None
    return row.missing_count >= settings.SYNC_MISSING_ANSWERS and now - row.missing_since >= grace


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
