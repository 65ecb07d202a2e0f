"""The mirror follows getInstances: in bulk, never twice at once, and calm when upstream fails."""

import dataclasses
import math
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from greenapi import CreateInstanceParams, PartnerInstance
from instances.greenapi_factory import partner_client
from instances.models import Instance, SyncState
from instances.services import sync
from instances.services.sync import instances_sync, sync_is_due


def create_remote(name: str) -> int:
    return partner_client().create_instance(CreateInstanceParams(name=name)).id_instance


@pytest.mark.usefixtures("greenapi_settings")
def test_sync_mirrors_every_field_and_encrypts_tokens(sandbox) -> None:  # type: ignore[no-untyped-def]
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
def test_remotely_deleted_instance_is_kept_as_deleted(sandbox) -> None:  # type: ignore[no-untyped-def]
    id_instance = create_remote("Doomed")
    instances_sync()
    partner_client().delete_instance_account(id_instance)

    result = instances_sync()

    row = Instance.objects.get(pk=id_instance)
    assert result.updated == 1
    assert row.deleted is True
    assert row.time_deleted is not None


@pytest.mark.usefixtures("greenapi_settings")
def test_instance_missing_from_the_list_is_marked_deleted_not_removed(sandbox) -> None:  # type: ignore[no-untyped-def]
    Instance.objects.create(id_instance=1101999999, name="Long gone", api_token="t" * 50)

    result = instances_sync()

    row = Instance.objects.get(pk=1101999999)
    assert result.vanished == 1
    assert row.deleted
    assert row.time_deleted is not None


@pytest.mark.usefixtures("greenapi_settings")
def test_unchanged_rows_are_not_rewritten(sandbox) -> None:  # type: ignore[no-untyped-def]
    create_remote("Steady")
    instances_sync()

    result = instances_sync()

    assert (result.created, result.updated, result.vanished) == (0, 0, 0)


@pytest.mark.usefixtures("greenapi_settings")
def test_upstream_failure_keeps_the_mirror_and_records_the_reason(sandbox) -> None:  # type: ignore[no-untyped-def]
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
def test_a_dead_sync_lock_is_taken_over(sandbox) -> None:  # type: ignore[no-untyped-def]
    stale = timezone.now() - sync.STALE_LOCK - timedelta(seconds=1)
    SyncState.objects.update_or_create(pk=1, defaults={"running_since": stale})

    assert instances_sync().ran is True


@pytest.mark.django_db
def test_sync_is_due_when_stale_but_not_right_after_a_failure(settings) -> None:  # type: ignore[no-untyped-def]
    settings.INSTANCE_SYNC_MAX_AGE = 60
    settings.INSTANCE_SYNC_RETRY_AFTER = 30
    now = timezone.now()
    assert sync_is_due()  # never synced
    SyncState.objects.filter(pk=1).update(last_success_at=now)
    assert not sync_is_due()
    SyncState.objects.filter(pk=1).update(last_success_at=now - timedelta(seconds=61))
    assert sync_is_due()
    SyncState.objects.filter(pk=1).update(last_attempt_at=now, last_error="Green API is down")
    assert not sync_is_due()


def fake_remote(count: int) -> list[PartnerInstance]:
    created = timezone.now().replace(microsecond=0)
    return [
        PartnerInstance(
            id_instance=1101000000 + n,
            name=f"Instance {n}",
            type_instance="whatsapp",
            type_account="",
            partner_user_uiid="",
            time_created=created,
            time_deleted=None,
            api_token=f"{n:050x}",
            deleted=False,
            tariff="PARTNER_23",
            is_free=False,
            is_partner=True,
            expiration_date=created + timedelta(days=1),
            is_expired=False,
        )
        for n in range(count)
    ]


def queries_to_apply(remote: list[PartnerInstance]) -> int:
    with CaptureQueriesContext(connection) as context:
        sync._apply(remote)
    return len(context.captured_queries)


@pytest.mark.django_db
def test_sync_writes_in_batches_not_per_instance() -> None:
    small = queries_to_apply(fake_remote(10))
    Instance.objects.all().delete()
    rows = fake_remote(2000)
    large = queries_to_apply(rows)
    # Inserts go in batches: of BATCH_SIZE rows, or fewer where the database caps parameters
    # per statement (SQLite: 999), never one statement per instance.
    fields = [f for f in Instance._meta.concrete_fields]
    per_batch = min(sync.BATCH_SIZE, connection.ops.bulk_batch_size(fields, rows) or 2000)
    assert large - small <= math.ceil(len(rows) / per_batch)
    assert large < len(rows) / 20


@pytest.mark.django_db
def test_a_listing_without_tokens_keeps_the_stored_token() -> None:
    [item] = fake_remote(1)
    sync._apply([item])
    stored = Instance.objects.get(pk=item.id_instance).api_token

    sync._apply([dataclasses.replace(item, api_token="", name="Renamed")])

    row = Instance.objects.get(pk=item.id_instance)
    assert row.api_token == stored
    assert row.name == "Renamed"


@pytest.mark.django_db
def test_overlong_upstream_text_is_cut_to_fit_the_column() -> None:
    [item] = fake_remote(1)

    sync._apply([dataclasses.replace(item, name="n" * 300, tariff="T" * 100)])

    row = Instance.objects.get(pk=item.id_instance)
    assert row.name == "n" * 255
    assert row.tariff == "T" * 64
