"""The mirror follows getInstances: in bulk, never twice at once, and calm when upstream fails."""

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest
import requests
import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from greenapi import NEVER, CreateInstanceParams
from greenapi.listing import ListedInstance
from instances.greenapi_factory import partner_client
from instances.models import CreateOrder, Instance, SyncState
from instances.services import sync, sync_mirror
from instances.services.create import CLOCK_SKEW, SETTLE_GIVE_UP
from instances.services.sync import instances_sync
from tests.support.sandbox import SandboxControl


def create_remote(name: str) -> int:
    return partner_client().create_instance(CreateInstanceParams(name=name)).id_instance


def mirrored(sandbox: SandboxControl, count: int) -> list[int]:
    """Create `count` instances in the emulator and mirror them; return their ids."""
    ids = [create_remote(f"Shop {n}") for n in range(count)]
    assert instances_sync().created == count
    return ids


def after_creation() -> datetime:
    """A moment when the instances just created are old enough to be missed from an answer."""
    return timezone.now() + CLOCK_SKEW + timedelta(minutes=1)


def wire_listing(sandbox: SandboxControl) -> list[dict[str, Any]]:
    """The emulator's getInstances answer, as sent on the wire."""
    url = f"{sandbox.base_url}/partner/getInstances/{sandbox.partner_token}"
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return response.json()


def answer_without(
    sandbox: SandboxControl, *ids: int, listing: list[dict[str, Any]] | None = None, **options: Any
) -> None:
    """Make getInstances answer without these instances, as if Green API had lost them."""
    listing = wire_listing(sandbox) if listing is None else listing
    body = [item for item in listing if item["idInstance"] not in ids]
    sandbox.add_fault("getInstances", "error200", body=body, **options)


@pytest.mark.usefixtures("greenapi_settings")
def test_sync_mirrors_every_field_and_encrypts_tokens(sandbox: SandboxControl) -> None:
    first = create_remote("Shop one")
    second = create_remote("Shop two")

    result = instances_sync()

    assert (result.ran, result.created, result.error) == (True, 2, "")
    remote = {item.id_instance: item for item in partner_client().get_instances()}
    for id_instance in (first, second):
        row = Instance.objects.get(pk=id_instance)
        item = remote[id_instance]
        assert row.name == item.name
        assert row.api_token == item.api_token
        assert row.time_created == item.time_created
        assert row.time_deleted is None
        assert (row.tariff, row.is_partner, row.is_expired) == ("PARTNER_23", True, False)
        assert row.reseller is None  # new remote instances arrive unassigned
    assert SyncState.get().last_success_at is not None


@pytest.mark.usefixtures("greenapi_settings")
def test_an_instance_listed_as_deleted_is_deleted_at_once(
    sandbox: SandboxControl, settings: Any
) -> None:
    settings.SYNC_MISSING_ANSWERS = 3
    id_instance = create_remote("Doomed")
    instances_sync()
    partner_client().delete_instance_account(id_instance)

    result = instances_sync()

    row = Instance.objects.get(pk=id_instance)
    listed = {item.id_instance: item for item in partner_client().get_instances()}[id_instance]
    assert (result.updated, result.vanished) == (1, 0)
    assert row.deleted is True
    assert row.time_deleted == listed.time_deleted
    assert row.missing_since is None


@pytest.mark.usefixtures("greenapi_settings")
def test_an_instance_missing_from_one_answer_is_marked_missing_not_deleted(
    sandbox: SandboxControl,
) -> None:
    ids = mirrored(sandbox, 6)
    gone = ids[0]
    with time_machine.travel(after_creation(), tick=False):
        answer_without(sandbox, gone, times=1)

        result = instances_sync()

        row = Instance.objects.get(pk=gone)
        assert (result.refused, result.missing, result.vanished) == (False, 1, 0)
        assert not row.deleted
        assert row.missing_since == timezone.now()
        assert row.missing_count == 1
    assert Instance.objects.filter(missing_since__isnull=True, deleted=False).count() == 5


@pytest.mark.usefixtures("greenapi_settings")
def test_an_instance_gone_from_answers_over_the_grace_time_is_deleted(
    sandbox: SandboxControl, settings: Any
) -> None:
    settings.SYNC_MISSING_ANSWERS = 3
    settings.SYNC_MISSING_GRACE_MINUTES = 60
    ids = mirrored(sandbox, 6)
    gone = ids[0]
    answer_without(sandbox, gone)
    with time_machine.travel(after_creation(), tick=False) as clock:
        first_missed = timezone.now()
        instances_sync()
        clock.shift(timedelta(hours=2))
        instances_sync()
        # Long enough, but missing from two answers only.
        assert not Instance.objects.get(pk=gone).deleted

        clock.shift(timedelta(minutes=1))
        result = instances_sync()

        row = Instance.objects.get(pk=gone)
        assert result.vanished == 1
        assert row.deleted
        assert row.time_deleted == timezone.now()
        assert row.missing_since == first_missed
    assert Instance.objects.filter(deleted=False).count() == 5


@pytest.mark.usefixtures("greenapi_settings")
def test_many_answers_within_the_grace_time_do_not_delete(
    sandbox: SandboxControl, settings: Any
) -> None:
    settings.SYNC_MISSING_ANSWERS = 3
    settings.SYNC_MISSING_GRACE_MINUTES = 60
    gone = mirrored(sandbox, 6)[0]
    answer_without(sandbox, gone)
    with time_machine.travel(after_creation(), tick=False) as clock:
        for _ in range(5):
            instances_sync()
            clock.shift(timedelta(minutes=10))

    row = Instance.objects.get(pk=gone)
    assert row.missing_count == 5
    assert not row.deleted


@pytest.mark.usefixtures("greenapi_settings")
def test_an_instance_listed_again_is_no_longer_missing(
    sandbox: SandboxControl, settings: Any
) -> None:
    settings.SYNC_MISSING_ANSWERS = 2
    settings.SYNC_MISSING_GRACE_MINUTES = 1
    ids = mirrored(sandbox, 6)
    listing = wire_listing(sandbox)  # before the faults: reading it would spend one
    answer_without(sandbox, ids[0], ids[1], listing=listing, times=1)
    answer_without(sandbox, ids[1], listing=listing, times=1)
    with time_machine.travel(after_creation(), tick=False) as clock:
        instances_sync()  # both missing once
        clock.shift(timedelta(minutes=2))
        instances_sync()  # ids[0] listed again; ids[1] missing twice, long enough: deleted
        assert Instance.objects.get(pk=ids[1]).deleted

        clock.shift(timedelta(minutes=2))
        instances_sync()  # both listed, alive

    for id_instance in ids[:2]:
        row = Instance.objects.get(pk=id_instance)
        assert (row.deleted, row.time_deleted) == (False, None)
        assert (row.missing_since, row.missing_count) == (None, 0)


@pytest.mark.usefixtures("greenapi_settings")
def test_an_empty_answer_once_changes_nothing_and_is_refused(sandbox: SandboxControl) -> None:
    mirrored(sandbox, 3)
    with time_machine.travel(after_creation(), tick=False):
        before = SyncState.get().last_success_at
        sandbox.add_fault("getInstances", "error200", body=[], times=1)

        result = instances_sync()

        assert result.refused
        assert "Green API listed 0 of 3 instances" in result.error
        assert not Instance.objects.filter(Q(deleted=True) | Q(missing_since__isnull=False))
        state = SyncState.get()
        assert (state.last_error, state.last_success_at) == (result.error, before)
        assert state.running_since is None  # the job that ran it logs why (instances/jobs.py)

        # The next, whole answer is applied and clears the notice.
        assert instances_sync().refused is False
        assert SyncState.get().last_error == ""


@pytest.mark.usefixtures("greenapi_settings")
def test_a_sharply_shrunk_answer_is_refused(sandbox: SandboxControl, settings: Any) -> None:
    settings.SYNC_SHRINK_MIN_INSTANCES = 5
    settings.SYNC_SHRINK_REFUSE_RATIO = 0.5
    mirrored(sandbox, 6)
    sandbox.add_fault("getInstances", "error200", body=wire_listing(sandbox)[:2], times=1)
    with time_machine.travel(after_creation(), tick=False):
        result = instances_sync()

    assert result.refused
    assert "Green API listed 2 of 6 instances" in result.error
    assert not Instance.objects.filter(Q(deleted=True) | Q(missing_since__isnull=False))


@pytest.mark.usefixtures("greenapi_settings")
def test_a_refused_answer_never_fails_an_open_order(sandbox: SandboxControl) -> None:
    mirrored(sandbox, 3)
    with time_machine.travel(after_creation(), tick=False):
        order = CreateOrder.objects.create(
            key=uuid.uuid4(), name="Lost shop", status=CreateOrder.Status.PENDING
        )
        CreateOrder.objects.filter(pk=order.pk).update(
            created_at=timezone.now() - SETTLE_GIVE_UP - timedelta(minutes=1)
        )
        sandbox.add_fault("getInstances", "error200", body=[], times=1)

        assert instances_sync().refused
        order.refresh_from_db()
        assert order.status == CreateOrder.Status.PENDING

        # A whole answer that does not list it settles it as not created.
        instances_sync()
        order.refresh_from_db()
        assert order.status == CreateOrder.Status.FAILED


@pytest.mark.usefixtures("greenapi_settings")
def test_unchanged_rows_are_not_rewritten(sandbox: SandboxControl) -> None:
    create_remote("Steady")
    instances_sync()

    result = instances_sync()

    assert (result.created, result.updated, result.vanished) == (0, 0, 0)


@pytest.mark.usefixtures("greenapi_settings")
def test_upstream_failure_keeps_the_mirror_and_records_the_reason(sandbox: SandboxControl) -> None:
    id_instance = create_remote("Survivor")
    instances_sync()
    sandbox.add_fault("getInstances", "http502")

    result = instances_sync()

    assert result.ran
    assert result.error
    assert Instance.objects.filter(pk=id_instance, deleted=False).exists()
    state = SyncState.get()
    assert state.last_error == result.error
    assert state.running_since is None


@pytest.mark.django_db
def test_a_second_sync_does_not_run_while_one_holds_the_lock() -> None:
    SyncState.objects.update_or_create(pk=1, defaults={"running_since": timezone.now()})

    assert instances_sync() == sync.SyncResult(ran=False)


@pytest.mark.usefixtures("greenapi_settings")
def test_a_dead_sync_lock_is_taken_over(sandbox: SandboxControl) -> None:
    stale = timezone.now() - sync.STALE_LOCK - timedelta(seconds=1)
    SyncState.objects.update_or_create(pk=1, defaults={"running_since": stale})

    assert instances_sync().ran is True


def fake_listing(count: int) -> list[ListedInstance]:
    """`count` getInstances items as the client yields them."""
    created = timezone.now().replace(microsecond=0)
    return [
        msgspec.convert(
            {
                "idInstance": 1101000000 + n,
                "name": f"Instance {n}",
                "typeInstance": "whatsapp",
                "typeAccount": "",
                "partnerUserUiid": "",
                "timeCreated": f"{created:%Y-%m-%dT%H:%M:%S}",
                "timeDeleted": NEVER,
                "apiTokenInstance": f"{n:050x}",
                "deleted": False,
                "tariff": "PARTNER_23",
                "isFree": False,
                "isPartner": True,
                "expirationDate": f"{created + timedelta(days=1):%Y-%m-%dT%H:%M:%S}",
                "isExpired": False,
            },
            ListedInstance,
        )
        for n in range(count)
    ]


def apply(listed: list[ListedInstance]) -> sync.SyncResult:
    result, _ = sync._apply(listed, fetched_at=timezone.now())
    return result


def queries_to_apply(listed: list[ListedInstance]) -> int:
    with CaptureQueriesContext(connection) as context:
        apply(listed)
    return len(context.captured_queries)


@pytest.mark.django_db
def test_sync_writes_in_batches_not_per_instance() -> None:
    small = queries_to_apply(fake_listing(10))
    Instance.objects.all().delete()
    rows = fake_listing(2000)
    large = queries_to_apply(rows)
    # Inserts go in batches: of BATCH_SIZE rows, or fewer where the database caps parameters
    # per statement (SQLite: 999), never one statement per instance.
    fields = [f for f in Instance._meta.concrete_fields]
    per_batch = min(sync_mirror.BATCH_SIZE, connection.ops.bulk_batch_size(fields, rows) or 2000)
    assert large - small <= math.ceil(len(rows) / per_batch)
    assert large < len(rows) / 20


@pytest.mark.django_db
def test_a_listing_without_tokens_keeps_the_stored_token() -> None:
    [item] = fake_listing(1)
    apply([item])
    stored = Instance.objects.get(pk=item.id_instance).api_token

    apply([msgspec.structs.replace(item, api_token_instance="", name="Renamed")])

    row = Instance.objects.get(pk=item.id_instance)
    assert row.api_token == stored
    assert row.name == "Renamed"


@pytest.mark.django_db
def test_overlong_upstream_text_is_cut_to_fit_the_column() -> None:
    [item] = fake_listing(1)

    apply([msgspec.structs.replace(item, name="n" * 300, tariff="T" * 100)])

    row = Instance.objects.get(pk=item.id_instance)
    assert row.name == "n" * 255
    assert row.tariff == "T" * 64
