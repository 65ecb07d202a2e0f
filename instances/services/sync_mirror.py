"""Apply one getInstances answer to the mirror as it streams by, writing only what changed.

Each row keeps a keyed digest of the item it was last written from (`sync_fingerprint`). An item
whose digest matches is skipped: no row is read and no token decrypted. Only new and changed
items are converted (`ListedInstance.parsed`) and written, in batches. Memory holds the ids and
digests of the mirror, a batch of rows, and nothing of the answer already seen.

The caller runs this inside one transaction, and the update as a context manager within it (new
rows stream into one open COPY on PostgreSQL, which an error must end first); it rolls the
transaction back when the answer turns out broken or incomplete at its end, so nothing is ever
half-applied.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Field, Q

from greenapi import PartnerInstance
from greenapi.listing import ListedInstance
from instances.models import Instance
from instances.services import sync_bulk, sync_writes
from instances.services.listing_guard import ListingTally, expected_condition
from instances.services.listing_scan import may_settle_an_order

BATCH_SIZE = 500
CREATE_BATCH_SIZE = 2000  # new rows prepared and sent at once

# Instance fields that come from getInstances, named as the client's PartnerInstance attributes.
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
_WITHOUT_TOKEN = tuple(field for field in MIRRORED_FIELDS if field != "api_token")
_CREATED = ("id_instance", *MIRRORED_FIELDS, "sync_fingerprint")

_MAX_LENGTHS: dict[str, int] = {
    field.name: field.max_length
    for field in Instance._meta.get_fields()
    # A reverse relation (ForeignObjectRel) has no max_length.
    if isinstance(field, Field) and field.max_length and field.name in MIRRORED_FIELDS
}

_values_of = operator.attrgetter(*MIRRORED_FIELDS)
_TRIMMED = [(MIRRORED_FIELDS.index(name), length) for name, length in _MAX_LENGTHS.items()]
_TOKEN = MIRRORED_FIELDS.index("api_token")

# Marks an id already handled in this answer (in place of its digest, so no extra set is kept).
_LISTED = "listed"


def fingerprinter() -> Callable[[ListedInstance], str]:
    """The digest of an item's wire fields, keyed by a secret.

    Keyed, because the item holds the instance's token: the database keeps no plain hash of it.
    A new SECRET_KEY changes every digest, which only costs one full rewrite.
    """
    key = hashlib.blake2b(
        settings.SECRET_KEY.encode(), digest_size=32, person=b"sync-fingerprint"
    ).digest()
    keyed = hashlib.blake2b(key=key, digest_size=16)

    def fingerprint(item: ListedInstance) -> str:
        digest = keyed.copy()
        digest.update(item.encoded())
        return digest.hexdigest()

    return fingerprint


class MirrorUpdate:
    """One answer's changes to the mirror, written in batches as its items come."""

    def __init__(self, *, fetched_at: datetime, order_names: set[str]) -> None:
        rows = Instance.objects.annotate(
            expected=_flag(expected_condition(fetched_at=fetched_at)),
            relisted=_flag(Q(missing_since__isnull=False) | Q(missing_count__gt=0)),
        ).values_list("pk", "sync_fingerprint", "expected", "relisted")
        self._known: dict[int, str] = {}
        expected: set[int] = set()
        for pk, fingerprint, is_expected, relisted in rows.iterator(chunk_size=10_000):
            # A row missing from earlier answers is rewritten when listed again, which clears
            # its missing marks: an empty digest never matches.
            self._known[pk] = "" if relisted else fingerprint
            if is_expected:
                expected.add(pk)
        self._mirrored = len(self._known)
        self._indexes = sync_bulk.DeferredIndexes()
        self._bulk_considered = False
        self.tally = ListingTally(expected)
        self._fingerprint = fingerprinter()
        self._order_names = order_names
        self.order_candidates: list[PartnerInstance] = []
        self._to_create: list[sync_writes.Row] = []
        self._inserter = sync_writes.Inserter(_CREATED)
        self._to_update: dict[bool, list[sync_writes.Row]] = {True: [], False: []}  # token or not
        self.created = 0
        self.updated = 0

    def add(self, item: ListedInstance) -> None:
        pk = item.id_instance
        known = self._known.get(pk)
        if known is _LISTED:
            return  # listed twice in one answer: the first one counts
        self.tally.listed(pk)
        self._known[pk] = _LISTED
        if may_settle_an_order(item, self._order_names):
            self.order_candidates.append(item.parsed())
        fingerprint = self._fingerprint(item)
        if known == fingerprint:
            return
        remote = item.parsed()
        values = _mirrored(remote)
        if known is None:
            self._to_create.append([pk, *values, fingerprint])
            if len(self._to_create) >= CREATE_BATCH_SIZE:
                self._flush_creates()
            return
        # Green API may stop listing tokens (issue #815): keep the one the row has.
        has_token = bool(remote.api_token)
        if not has_token:
            del values[_TOKEN]
        batch = self._to_update[has_token]
        batch.append([*values, fingerprint, pk])
        if len(batch) >= BATCH_SIZE:
            self._flush_updates()

    def finish(self) -> None:
        """Write what is still batched (call once the whole answer was read)."""
        self._flush_creates()
        self._flush_updates()
        self._inserter.pause()
        self._indexes.rebuild()

    def __enter__(self) -> MirrorUpdate:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._inserter.__exit__(kind, error, traceback)

    def mark_missing(self, *, now: datetime) -> tuple[int, int]:
        """Count the expected rows this answer left out; (missing, vanished now).

        Only `deleted: true` proves a deletion (docs/greenapi.md §2.2), so a row is marked
        deleted only after several answers over the grace time.
        """
        unlisted = sorted(self.tally.unlisted)
        missing = vanished = 0
        for start in range(0, len(unlisted), BATCH_SIZE):
            rows = list(
                Instance.objects.filter(pk__in=unlisted[start : start + BATCH_SIZE]).only(
                    "pk", "missing_since", "missing_count", "deleted", "time_deleted"
                )
            )
            for row in rows:
                row.missing_since = row.missing_since or now
                row.missing_count += 1
                if _missing_long_enough(row, now):
                    row.deleted = True
                    row.time_deleted = row.time_deleted or now
                    vanished += 1
            Instance.objects.bulk_update(
                rows,
                ["missing_since", "missing_count", "deleted", "time_deleted"],
            )
            missing += len(rows)
        return missing - vanished, vanished

    def _flush_creates(self) -> None:
        if not self._bulk_considered and sync_bulk.worth_it(
            mirrored=self._mirrored, new=self.created + len(self._to_create)
        ):
            self._bulk_considered = True  # one try: a busy table keeps the ordinary path
            self._inserter.pause()
            self._indexes.drop()
        self._inserter.write(self._to_create)
        self.created += len(self._to_create)
        self._to_create = []

    def _flush_updates(self) -> None:
        if any(self._to_update.values()):
            self._inserter.pause()  # the UPDATE needs the connection
        for has_token, rows in self._to_update.items():
            fields = MIRRORED_FIELDS if has_token else _WITHOUT_TOKEN
            # Listed again: no longer missing.
            sync_writes.update(
                rows,
                [*fields, "sync_fingerprint"],
                fixed={"missing_since": None, "missing_count": 0},
            )
            self.updated += len(rows)
            self._to_update[has_token] = []


def _flag(condition: Q) -> ExpressionWrapper[Q]:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _mirrored(remote: PartnerInstance) -> list[Any]:
    """The MIRRORED_FIELDS of one item, in order, upstream text cut to fit its column."""
    values = list(_values_of(remote))
    for index, length in _TRIMMED:
        if len(values[index]) > length:
            values[index] = values[index][:length]  # upstream text must not break a column
    return values


def _missing_long_enough(row: Instance, now: datetime) -> bool:
    """Absent from enough answers in a row, over enough time, to be taken as gone for good."""
    grace = timedelta(minutes=settings.SYNC_MISSING_GRACE_MINUTES)
    assert row.missing_since is not None
    return row.missing_count >= settings.SYNC_MISSING_ANSWERS and now - row.missing_since >= grace
