"""getInstances read as a stream: any size syncs, and a broken, truncated or runaway answer is
a clear sync error that applies nothing, whichever way the answer is decoded."""

from typing import Any

import pytest

from greenapi import CreateInstanceParams, listing
from instances.greenapi_factory import partner_client
from instances.models import Instance, SyncState
from instances.services import sync_mirror
from instances.services.sync import instances_sync
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


@pytest.fixture(params=["at once", "streamed"])
def decoding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both decoders: msgspec in one call, and ijson item by item (any answer over 0 bytes)."""
    if request.param == "streamed":
        monkeypatch.setattr(listing, "DECODE_AT_ONCE_BYTES", 0)
    # Small batches, so rows are written before a broken end of the answer is reached.
    monkeypatch.setattr(sync_mirror, "CREATE_BATCH_SIZE", 10)
    monkeypatch.setattr(sync_mirror, "BATCH_SIZE", 10)
    return str(request.param)


def mirrored_shops(count: int) -> set[int]:
    client = partner_client()
    ids = {
        client.create_instance(CreateInstanceParams(name=f"Shop {n}")).id_instance
        for n in range(count)
    }
    assert instances_sync().created == count
    return ids


def assert_nothing_applied(before: set[int], result: Any, message: str) -> None:
    assert result.ran
    assert message in result.error
    assert set(Instance.objects.values_list("pk", flat=True)) == before
    assert not Instance.objects.filter(missing_count__gt=0).exists()
    state = SyncState.get()
    assert (state.last_error, state.running_since) == (result.error, None)


def test_a_large_listing_is_mirrored_and_a_re_sync_writes_only_the_renamed(
    sandbox: SandboxControl, decoding: str
) -> None:
    real = mirrored_shops(1)
    sandbox.set_listing(300)

    first = instances_sync()
    sandbox.set_listing(300, renameEvery=100, nameSuffix="v2")
    again = instances_sync()

    assert (first.created, first.updated, first.error) == (300, 0, "")
    assert (again.created, again.updated, again.error) == (0, 3, "")
    assert Instance.objects.count() == 301
    assert Instance.objects.get(pk=1107000100).name == "Synthetic 100 v2"
    assert Instance.objects.get(pk=1107000101).name == "Synthetic 101"
    assert Instance.objects.filter(pk__in=real).count() == 1


def test_a_truncated_answer_applies_nothing(sandbox: SandboxControl, decoding: str) -> None:
    before = mirrored_shops(2)
    sandbox.set_listing(200)
    sandbox.add_fault("getInstances", "malformed", after=True, times=1)

    result = instances_sync()

    assert_nothing_applied(before, result, "broken or truncated JSON")


def test_a_wrong_item_late_in_the_answer_applies_nothing(
    sandbox: SandboxControl, decoding: str
) -> None:
    before = mirrored_shops(1)
    good = [
        {"idInstance": 1109000000 + n, "name": f"Fine {n}", "apiTokenInstance": f"{n:050x}"}
        for n in range(50)
    ]
    wrong = {"idInstance": 1109999999, "name": 5, "apiTokenInstance": "9" * 50}
    sandbox.add_fault("getInstances", "error200", body=[*good, wrong, *good[:3]], times=1)

    result = instances_sync()

    assert_nothing_applied(before, result, "instance[50].name")
    assert "9" * 50 not in result.error


def test_a_bad_time_in_a_new_item_applies_nothing(sandbox: SandboxControl, decoding: str) -> None:
    before = mirrored_shops(1)
    items = [
        {"idInstance": 1109000000 + n, "timeCreated": "2026-06-03T18:39:44"} for n in range(30)
    ]
    items[25]["timeCreated"] = "yesterday"
    sandbox.add_fault("getInstances", "error200", body=items, times=1)

    result = instances_sync()

    assert_nothing_applied(before, result, "timeCreated is not a date-time")


@pytest.mark.parametrize("body", [{"instances": []}, "null", "[1, 2", "[]]"])
def test_an_answer_that_is_no_array_of_instances_applies_nothing(
    sandbox: SandboxControl, decoding: str, body: object
) -> None:
    before = mirrored_shops(1)
    sandbox.add_fault("getInstances", "error200", body=body, times=1)

    result = instances_sync()

    assert_nothing_applied(before, result, "getInstances")


def test_a_runaway_answer_is_refused_by_its_size(
    sandbox: SandboxControl, settings: Any, decoding: str
) -> None:
    before = mirrored_shops(1)
    settings.GREEN_API_LISTING_MAX_BYTES = 20_000
    sandbox.set_listing(100)  # about 42 kB

    result = instances_sync()

    assert_nothing_applied(before, result, "larger than 20000 bytes")
