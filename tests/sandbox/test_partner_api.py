"""The partner API: createInstance, getInstances, deleteInstanceAccount (docs/greenapi.md §2)."""

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from tests.sandbox.conftest import FROZEN_AT, Wire

TIME_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
LISTING_FIELDS = {
    "idInstance": int,
    "name": str,
    "typeInstance": str,
    "typeAccount": str,
    "partnerUserUiid": str,
    "timeCreated": str,
    "timeDeleted": str,
    "apiTokenInstance": str,
    "deleted": bool,
    "tariff": str,
    "isFree": bool,
    "isPartner": bool,
    "expirationDate": str,
    "isExpired": bool,
}


def _listing(wire: Wire, id_instance: int) -> dict[str, Any]:
    response = wire.partner("getInstances", verb="GET")
    assert response.status_code == 200
    return next(item for item in response.json() if item["idInstance"] == id_instance)


def test_create_instance_returns_a_10_digit_id_a_50_hex_token_and_the_type(wire: Wire) -> None:
    response = wire.partner("createInstance", {"name": "Shop"})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"idInstance", "apiTokenInstance", "typeInstance"}
    assert isinstance(body["idInstance"], int)
    assert re.fullmatch(r"1101\d{6}", str(body["idInstance"]))
    assert re.fullmatch(r"[0-9a-f]{50}", body["apiTokenInstance"])
    assert body["typeInstance"] == "whatsapp"


@pytest.mark.parametrize(
    ("type_instance", "prefix"), [("whatsapp", "1101"), ("telegram", "4100"), ("v3", "3100")]
)
def test_legacy_type_instance_picks_the_messenger_and_its_id_pool(
    wire: Wire, type_instance: str, prefix: str
) -> None:
    created = wire.create(typeInstance=type_instance)

    assert created["typeInstance"] == type_instance
    assert str(created["idInstance"]).startswith(prefix)
    assert len(str(created["idInstance"])) == 10


def test_created_ids_and_tokens_are_unique(wire: Wire) -> None:
    created = [wire.create(name=f"n{i}") for i in range(5)]

    assert len({c["idInstance"] for c in created}) == 5
    assert len({c["apiTokenInstance"] for c in created}) == 5


def test_create_instance_without_any_parameter_is_code_400_inside_http_200(wire: Wire) -> None:
    url = f"{wire.base_url}/partner/createInstance/{wire.partner_token}"
    for data in [b"", b"{}", b'{"unknownOption": 1}', b"   "]:
        response = requests.post(
            url, data=data, headers={"Content-Type": "application/json"}, timeout=10
        )

        assert response.status_code == 200, data
        assert response.json()["code"] == 400, data
        assert response.json()["description"], data


INVALID_CREATE_BODIES = [
    b'{"stateWebhook": "true"}',
    b'{"stateWebhook": true}',
    b'{"incomingWebhook": "YES"}',
    b'{"delaySendMessagesMilliseconds": 499}',
    b'{"delaySendMessagesMilliseconds": 600001}',
    b'{"delaySendMessagesMilliseconds": "1000"}',
    b'{"delaySendMessagesMilliseconds": 1000.5}',
    b'{"typeInstance": "viber"}',
    b'{"webhookUrl": "ftp://example.com/hook"}',
    b'{"webhookUrl": 5}',
    b'{"webhookUrlToken": ["x"]}',
    b'{"name": 12}',
    b'{"name": "' + b"x" * 300 + b'"}',
    b'{"name": "unterminated',
    b"[1, 2]",
    b"\xff\xfe",
]


def test_create_instance_rejects_invalid_values_with_code_400(wire: Wire) -> None:
    url = f"{wire.base_url}/partner/createInstance/{wire.partner_token}"
    for data in INVALID_CREATE_BODIES:
        response = requests.post(url, data=data, timeout=10)

        assert response.status_code == 200, data
        body = response.json()
        assert body["code"] == 400, data
        assert isinstance(body["description"], str), data
        assert body["description"], data
    assert wire.partner("getInstances", verb="GET").json() == []


def test_create_instance_accepts_delay_bounds(wire: Wire) -> None:
    assert wire.create(delaySendMessagesMilliseconds=500)["idInstance"]
    assert wire.create(delaySendMessagesMilliseconds=600000)["idInstance"]


@pytest.mark.parametrize("method", ["createInstance", "getInstances", "deleteInstanceAccount"])
def test_wrong_partner_token_is_code_401_inside_http_200(wire: Wire, method: str) -> None:
    url = f"{wire.base_url}/partner/{method}/gac.00000000000000000000000000000000"
    response = requests.post(url, json={"name": "x", "idInstance": 1101000000}, timeout=10)

    assert response.status_code == 200
    assert response.json() == {"code": 401, "description": "Unauthorized"}


def test_partner_token_is_read_per_request(wire: Wire, settings: Any) -> None:
    settings.GREEN_API_PARTNER_TOKEN = "gac.ffffffffffffffffffffffffffffffff"

    old = wire.partner("getInstances", verb="GET")
    wire.partner_token = settings.GREEN_API_PARTNER_TOKEN
    new = wire.partner("getInstances", verb="GET")

    assert old.json() == {"code": 401, "description": "Unauthorized"}
    assert new.json() == []


def test_unknown_partner_method_is_a_plain_404(wire: Wire) -> None:
    response = wire.partner("getInstanceInfo", {"idInstance": 1})

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain")


def test_partner_method_names_are_case_insensitive(wire: Wire) -> None:
    created = wire.partner("CreateInstance", {"name": "Caps"}).json()
    listed = wire.partner("GETINSTANCES", verb="GET").json()
    deleted = wire.partner("DeleteInstanceAccount", {"idInstance": created["idInstance"]})

    assert [item["idInstance"] for item in listed] == [created["idInstance"]]
    assert deleted.json() == {"deleteInstanceAccount": True}


def test_create_instance_refuses_get(wire: Wire) -> None:
    response = wire.partner("createInstance", verb="GET")

    assert response.status_code == 405


def test_get_instances_lists_every_documented_field_with_exact_types(
    wire: Wire, clock: Any
) -> None:
    created = wire.create(typeInstance="whatsapp")  # no name

    item = _listing(wire, created["idInstance"])

    assert list(item) == list(LISTING_FIELDS)
    for name, expected_type in LISTING_FIELDS.items():
        assert type(item[name]) is expected_type, name
    assert item["name"] == f"Instance {created['idInstance']}"
    assert item["typeAccount"] == item["partnerUserUiid"] == ""
    assert item["timeCreated"] == FROZEN_AT.strftime("%Y-%m-%dT%H:%M:%S")
    assert item["timeDeleted"] == "0001-01-01T00:00:00"
    assert item["expirationDate"] == (FROZEN_AT + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert item["apiTokenInstance"] == created["apiTokenInstance"]
    assert (item["deleted"], item["isExpired"], item["isFree"], item["isPartner"]) == (
        False,
        False,
        False,
        True,
    )
    assert item["tariff"] == "PARTNER_23"


def test_timestamps_are_utc_without_zone_or_fractions(wire: Wire, clock: Any) -> None:
    clock.shift(0.75)  # fractions of a second must not leak into the format
    created = wire.create(name="fractions")

    item = _listing(wire, created["idInstance"])

    for name in ("timeCreated", "timeDeleted", "expirationDate"):
        assert TIME_FORMAT.fullmatch(item[name]), item[name]
    assert datetime.fromisoformat(item["timeCreated"]).tzinfo is None


def test_get_instances_is_one_unpaginated_array_and_accepts_post(wire: Wire) -> None:
    ids = {wire.create(name=f"n{i}")["idInstance"] for i in range(3)}

    by_get = wire.partner("getInstances", verb="GET").json()
    by_post = wire.partner("getInstances", verb="POST").json()

    assert {item["idInstance"] for item in by_get} == ids
    assert by_post == by_get


def test_deleted_instance_is_listed_with_time_deleted_for_90_days(wire: Wire, clock: Any) -> None:
    created = wire.create(name="short-lived")
    clock.shift(3600)

    response = wire.partner("deleteInstanceAccount", {"idInstance": created["idInstance"]})

    assert response.json() == {"deleteInstanceAccount": True}
    item = _listing(wire, created["idInstance"])
    assert item["deleted"] is True
    assert item["timeDeleted"] == (FROZEN_AT + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    clock.shift(timedelta(days=89))
    assert _listing(wire, created["idInstance"])["deleted"] is True
    clock.shift(timedelta(days=2))
    assert wire.partner("getInstances", verb="GET").json() == []


def test_deleting_twice_or_an_unknown_id_is_code_404_inside_http_200(wire: Wire) -> None:
    created = wire.create()
    wire.partner("deleteInstanceAccount", {"idInstance": created["idInstance"]})

    again = wire.partner("deleteInstanceAccount", {"idInstance": created["idInstance"]})
    unknown = wire.partner("deleteInstanceAccount", {"idInstance": 1101999999})
    huge = wire.partner("deleteInstanceAccount", {"idInstance": 10**30})

    for response in (again, unknown, huge):
        assert response.status_code == 200
        assert response.json() == {"code": 404, "description": "Not found"}


def test_delete_without_an_integer_id_is_code_400(wire: Wire) -> None:
    bodies: list[Any] = [None, {}, {"idInstance": "1101000000"}, {"idInstance": True}, [1]]
    for body in [*bodies, {"idInstance": 1.5}]:
        response = wire.partner("deleteInstanceAccount", body)

        assert response.status_code == 200, body
        assert response.json()["code"] == 400, body


def test_deleting_an_authorized_instance_leaves_the_phone_linked(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.set_state(instance["idInstance"], "authorized").raise_for_status()

    wire.partner("deleteInstanceAccount", {"idInstance": instance["idInstance"]})

    seen = sandbox.instance(instance["idInstance"])
    assert seen["deleted"] is True
    assert seen["deviceLinked"] is True


def test_logout_before_delete_unlinks_the_phone(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.set_state(instance["idInstance"], "authorized").raise_for_status()
    assert wire.call(instance, "logout").json() == {"isLogout": True}

    wire.partner("deleteInstanceAccount", {"idInstance": instance["idInstance"]})

    assert sandbox.instance(instance["idInstance"])["deviceLinked"] is False


@pytest.mark.parametrize("method", ["getStateInstance", "qr", "getSettings", "logout"])
def test_instance_methods_of_a_deleted_instance_answer_400_instance_is_deleted(
    wire: Wire, instance: dict[str, Any], method: str
) -> None:
    wire.partner("deleteInstanceAccount", {"idInstance": instance["idInstance"]})

    response = wire.call(instance, method)

    assert response.status_code == 400
    assert response.text == "Instance is deleted"
