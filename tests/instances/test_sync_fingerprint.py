"""The sync compares fingerprints: every kept field that changes is written, nothing else is,
and an unchanged re-sync reads no token."""

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import crypto
from greenapi import NEVER
from greenapi.listing import ListedInstance
from instances.models import Instance
from instances.services import sync, sync_mirror

pytestmark = pytest.mark.django_db

BASE: dict[str, Any] = {
    "name": "Shop",
    "typeInstance": "whatsapp",
    "typeAccount": "",
    "partnerUserUiid": "",
    "timeCreated": "2026-06-03T18:39:44",
    "timeDeleted": NEVER,
    "deleted": False,
    "tariff": "PARTNER_23",
    "isFree": False,
    "isPartner": True,
    "expirationDate": "2026-06-04T18:39:44",
    "isExpired": False,
}

DELETED_AT = datetime(2026, 6, 5, 1, 2, 3, tzinfo=UTC)

# One change per kept wire field, and the row field and value it must give.
CHANGES = [
    ("name", "Renamed shop", "name", "Renamed shop"),
    ("typeInstance", "telegram", "type_instance", "telegram"),
    ("typeAccount", "business", "type_account", "business"),
    ("partnerUserUiid", "u-1", "partner_user_uiid", "u-1"),
    ("timeCreated", "2026-06-01T00:00:00", "time_created", datetime(2026, 6, 1, tzinfo=UTC)),
    (
        "timeDeleted",
        "2026-06-05T01:02:03",
        "time_deleted",
        datetime(2026, 6, 5, 1, 2, 3, tzinfo=UTC),
    ),
    ("apiTokenInstance", "f" * 50, "api_token", "f" * 50),
    ("deleted", True, "deleted", True),
    ("tariff", "PARTNER_24", "tariff", "PARTNER_24"),
    ("isFree", True, "is_free", True),
    ("isPartner", False, "is_partner", False),
    ("expirationDate", "2027-01-01T00:00:00", "expiration_date", datetime(2027, 1, 1, tzinfo=UTC)),
    ("isExpired", True, "is_expired", True),
]


def listed(n: int, **changes: Any) -> ListedInstance:
    wire = {**BASE, "idInstance": 1101000000 + n, "apiTokenInstance": f"{n:050x}", **changes}
    return msgspec.convert(wire, ListedInstance)


def listing(count: int, **changes_of: dict[str, Any]) -> list[ListedInstance]:
    return [listed(n, **changes_of.get(str(n), {})) for n in range(count)]


def apply(items: list[ListedInstance]) -> sync.SyncResult:
    result, _ = sync._apply(items, fetched_at=timezone.now())
    return result


@pytest.fixture
def decryptions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token decrypted while the test runs (by any row read)."""
    seen: list[str] = []
    real = crypto.decrypt

    def counting(ciphertext: str) -> str:
        seen.append(ciphertext)
        return real(ciphertext)

    monkeypatch.setattr(crypto, "decrypt", counting)
    return seen


def writes_to_instances(context: CaptureQueriesContext) -> list[str]:
    table = Instance._meta.db_table
    return [
        query["sql"]
        for query in context.captured_queries
        if table in query["sql"] and query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_an_unchanged_re_sync_writes_nothing_and_decrypts_no_token(
    decryptions: list[str],
) -> None:
    apply(listing(50))
    decryptions.clear()

    with CaptureQueriesContext(connection) as context:
        result = apply(listing(50))

    assert (result.created, result.updated) == (0, 0)
    assert writes_to_instances(context) == []
    assert decryptions == []


@pytest.mark.parametrize(("wire_field", "value", "row_field", "stored"), CHANGES)
def test_a_change_in_any_kept_field_is_written(
    wire_field: str, value: object, row_field: str, stored: object, decryptions: list[str]
) -> None:
    apply(listing(5))
    untouched = {row.pk: row.sync_fingerprint for row in Instance.objects.all()}
    decryptions.clear()

    result = apply(listing(5, **{"2": {wire_field: value}}))

    assert (result.created, result.updated) == (0, 1)
    assert decryptions == []  # the comparison reads no token
    changed = Instance.objects.get(pk=1101000002)
    assert getattr(changed, row_field) == stored
    assert changed.sync_fingerprint != untouched.pop(changed.pk)
    assert {row.pk: row.sync_fingerprint for row in Instance.objects.exclude(pk=changed.pk)} == (
        untouched
    )


def test_messenger_stands_for_a_missing_type_instance() -> None:
    apply(listing(1))

    apply([listed(0, typeInstance=None, messenger="telegram")])

    assert Instance.objects.get().type_instance == "telegram"


def test_fingerprints_are_keyed_by_the_secret_key(settings: Any) -> None:
    item = listed(0)
    first = sync_mirror.fingerprinter()(item)
    settings.SECRET_KEY = "another-" + "s" * 50

    assert sync_mirror.fingerprinter()(item) != first
    assert len(first) == 32


def test_a_row_written_outside_the_sync_is_rewritten_from_the_next_answer() -> None:
    apply(listing(2))
    # What the delete service does when its answer was lost: mark it deleted locally.
    Instance.objects.filter(pk=1101000000).update(deleted=True, sync_fingerprint="")

    result = apply(listing(2))

    assert result.updated == 1
    assert Instance.objects.get(pk=1101000000).deleted is False


def test_an_instance_listed_twice_in_one_answer_is_written_once() -> None:
    result = apply([listed(0), listed(0, name="Second copy"), listed(1)])

    assert result.created == 2
    assert Instance.objects.get(pk=1101000000).name == "Shop"
