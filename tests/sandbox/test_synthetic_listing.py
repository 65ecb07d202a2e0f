"""The control API's synthetic listing: getInstances lists N made-up instances after the real
ones, streamed in the documented wire format."""

from typing import Any

import pytest

from tests.sandbox.conftest import Wire


def listing(wire: Wire) -> list[dict[str, Any]]:
    response = wire.partner("getInstances", verb="GET")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def test_synthetic_instances_follow_the_real_ones_in_the_wire_format(
    wire: Wire, instance: dict[str, Any]
) -> None:
    response = wire.control("POST", "/control/listing", json={"count": 3})
    assert response.json() == {"count": 3, "renameEvery": 0, "nameSuffix": ""}

    real, *synthetic = listing(wire)

    assert real["idInstance"] == instance["idInstance"]
    assert [item["idInstance"] for item in synthetic] == [1107000000, 1107000001, 1107000002]
    assert set(synthetic[0]) == set(real)  # every §2.2 field, as a real instance has
    assert synthetic[1]["name"] == "Synthetic 1"
    assert len(synthetic[1]["apiTokenInstance"]) == 50
    assert (synthetic[1]["deleted"], synthetic[1]["timeDeleted"]) == (False, "0001-01-01T00:00:00")


def test_every_nth_synthetic_instance_can_be_renamed(wire: Wire) -> None:
    wire.control(
        "POST", "/control/listing", json={"count": 6, "renameEvery": 3, "nameSuffix": 'é"2'}
    )

    names = [item["name"] for item in listing(wire)]

    renamed = 'é"2'
    assert names == [
        f"Synthetic 0 {renamed}",
        "Synthetic 1",
        "Synthetic 2",
        f"Synthetic 3 {renamed}",
        "Synthetic 4",
        "Synthetic 5",
    ]


def test_deleting_the_listing_leaves_only_the_real_instances(
    wire: Wire, instance: dict[str, Any]
) -> None:
    wire.control("POST", "/control/listing", json={"count": 5})

    assert wire.control("DELETE", "/control/listing").json()["count"] == 0
    assert [item["idInstance"] for item in listing(wire)] == [instance["idInstance"]]


@pytest.mark.parametrize(
    "body",
    [
        {"count": -1},
        {"count": 2_000_001},
        {"count": True},
        {"count": "10"},
        {"count": 1, "renameEvery": -2},
        {"count": 1, "nameSuffix": "x" * 33},
        {"count": 1, "nameSuffix": "a\nb"},
        {"count": 1, "size": 3},
    ],
)
def test_a_bad_listing_spec_is_refused(wire: Wire, body: dict[str, Any]) -> None:
    response = wire.control("POST", "/control/listing", json=body)

    assert response.status_code == 400
    assert response.json()["error"]
    assert wire.control("GET", "/control/listing").json()["count"] == 0
