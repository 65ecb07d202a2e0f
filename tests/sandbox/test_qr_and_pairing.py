"""Linking a phone: QR codes that rotate every 20 s, the virtual phone, pairing codes."""

import base64
import io
import re
from typing import Any

import pytest
import qrcode
import zxingcpp
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from sandbox.qrimage import BORDER, MASK_PATTERN, TARGET_PIXELS, qr_png_base64
from tests.sandbox.conftest import Wire


def _decoded_qr(wire: Wire, instance: dict[str, Any]) -> str:
    body = wire.call(instance, "qr").json()
    assert body["type"] == "qrCode"
    image = Image.open(io.BytesIO(base64.b64decode(body["message"])))
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    return results[0].text


def _payload(sandbox: Any, instance: dict[str, Any]) -> str:
    return sandbox.instance(instance["idInstance"])["currentQrPayload"]


def test_the_qr_image_decodes_to_the_current_payload(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    decoded = _decoded_qr(wire, instance)

    assert decoded == _payload(sandbox, instance)
    assert instance["apiTokenInstance"] not in decoded
    assert str(instance["idInstance"]) in decoded


def test_the_payload_changes_every_20_seconds(
    clock: Any, wire: Wire, instance: dict[str, Any]
) -> None:
    first = _decoded_qr(wire, instance)
    clock.shift(19.9)
    same = _decoded_qr(wire, instance)
    clock.shift(0.1)
    second = _decoded_qr(wire, instance)
    clock.shift(20)
    third = _decoded_qr(wire, instance)

    assert first == same
    assert len({first, second, third}) == 3


def test_payloads_differ_between_instances(wire: Wire, sandbox: Any) -> None:
    one, two = wire.create(name="one"), wire.create(name="two")

    assert _payload(sandbox, one) != _payload(sandbox, two)


def test_scanning_the_current_payload_authorizes_the_instance(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    response = sandbox.scan(_decoded_qr(wire, instance), phone_number=79112223344)

    assert response.status_code == 200
    assert response.json() == {"idInstance": instance["idInstance"], "stateInstance": "authorized"}
    assert wire.state(instance) == "authorized"
    assert wire.call(instance, "getSettings").json()["wid"] == "79112223344@c.us"
    seen = sandbox.instance(instance["idInstance"])
    assert (seen["phone"], seen["deviceLinked"], seen["currentQrPayload"]) == (
        79112223344,
        True,
        None,
    )


def test_the_previous_payload_is_accepted_for_3_seconds_after_rotation(
    clock: Any, wire: Wire, sandbox: Any
) -> None:
    first, second = wire.create(name="a"), wire.create(name="b")
    old_first, old_second = _payload(sandbox, first), _payload(sandbox, second)
    clock.shift(22.9)

    assert sandbox.scan(old_first).status_code == 200
    clock.shift(0.1)
    assert sandbox.scan(old_second).status_code == 410


def test_a_payload_older_than_one_rotation_is_refused_as_stale(
    clock: Any, wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    old = _payload(sandbox, instance)
    clock.shift(40)

    response = sandbox.scan(old)

    assert response.status_code == 410
    assert "error" in response.json()
    assert wire.state(instance) == "notAuthorized"


def test_codes_shown_before_a_logout_never_link_again(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    old = _payload(sandbox, instance)
    wire.call(instance, "logout")

    assert sandbox.scan(old).status_code == 404


def test_scanning_an_unknown_code_is_404(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    forged = "2@" + "A" * 40 + f",{instance['idInstance']},0"  # a real id, a wrong MAC
    for payload in ["garbage", forged, "2@" + "A" * 40 + ",1101000000,0", "2@\u03a9,1,1"]:
        response = sandbox.scan(payload)

        assert response.status_code == 404, payload
        assert response.json() == {"error": "unknown QR code"}, payload
    assert wire.state(instance) == "notAuthorized"


def test_scanning_an_authorized_instance_is_409(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    payload = _payload(sandbox, instance)
    assert sandbox.scan(payload).status_code == 200

    assert sandbox.scan(payload).status_code == 409


def test_scan_without_payload_or_phone_or_with_a_broken_body_is_400(wire: Wire) -> None:
    bodies = [{}, {"payload": "x"}, {"phoneNumber": 79001234567}, {"payload": 5, "phoneNumber": 1}]
    bodies.append({"payload": "", "phoneNumber": 79001234567})
    for body in bodies:
        response = wire.control("POST", "/phone/scan", json=body)

        assert response.status_code == 400, body
        assert response.json()["error"], body
    assert wire.control("POST", "/phone/scan", data=b"{nope").status_code == 400


def _code(wire: Wire, instance: dict[str, Any], phone: int = 79005554433) -> dict[str, Any]:
    response = wire.call(instance, "getAuthorizationCode", "POST", json={"phoneNumber": phone})
    assert response.status_code == 200
    return response.json()


def test_get_authorization_code_returns_an_8_character_code(
    wire: Wire, instance: dict[str, Any]
) -> None:
    body = _code(wire, instance)

    assert list(body) == ["status", "code"]
    assert body["status"] is True
    assert re.fullmatch(r"[A-Z0-9]{8}", body["code"])


def test_pairing_links_the_phone_that_asked_for_the_code(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    code = _code(wire, instance, phone=79005554433)["code"]

    response = sandbox.pair(instance["idInstance"], code)

    assert response.status_code == 200
    assert response.json()["stateInstance"] == "authorized"
    assert wire.call(instance, "getWaSettings").json()["phone"] == "79005554433"


def test_pairing_accepts_the_code_as_whatsapp_shows_it(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    code = _code(wire, instance)["code"]

    assert sandbox.pair(instance["idInstance"], f"{code[:4]}-{code[4:]}".lower()).status_code == 200


def test_a_pairing_code_expires_after_150_seconds(
    clock: Any, wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    code = _code(wire, instance)["code"]
    clock.shift(150)

    response = sandbox.pair(instance["idInstance"], code)

    assert response.status_code == 410
    assert "expired" in response.json()["error"]
    assert wire.state(instance) == "notAuthorized"


def test_a_pairing_code_works_until_it_expires(
    clock: Any, wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    code = _code(wire, instance)["code"]
    clock.shift(149)

    assert sandbox.pair(instance["idInstance"], code).status_code == 200


def test_a_wrong_pairing_code_is_400(wire: Wire, instance: dict[str, Any], sandbox: Any) -> None:
    _code(wire, instance)

    response = sandbox.pair(instance["idInstance"], "WRONG123")

    assert response.status_code == 400
    assert response.json()["error"] == "wrong pairing code"


def test_pairing_without_a_requested_code_is_400_and_unknown_instance_404(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    assert sandbox.pair(instance["idInstance"], "ABCD1234").status_code == 400
    assert sandbox.pair(1101999999, "ABCD1234").status_code == 404


def test_a_new_code_replaces_the_previous_one(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    first = _code(wire, instance)["code"]
    second = _code(wire, instance)["code"]

    assert first != second
    assert sandbox.pair(instance["idInstance"], first).status_code == 400
    assert sandbox.pair(instance["idInstance"], second).status_code == 200


def test_authorized_instance_gets_status_false_and_an_empty_code(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.set_state(instance["idInstance"], "authorized").raise_for_status()

    assert _code(wire, instance) == {"status": False, "code": ""}


INVALID_PHONE_BODIES = [
    b"",
    b"{}",
    b'{"phoneNumber": "79001234567"}',
    b'{"phoneNumber": "+79001234567"}',
    b'{"phoneNumber": true}',
    b'{"phoneNumber": 7.9}',
    b'{"phoneNumber": 79001234567',
]


def test_get_authorization_code_needs_an_integer_phone_number(
    wire: Wire, instance: dict[str, Any]
) -> None:
    for data in INVALID_PHONE_BODIES:
        response = wire.call(instance, "getAuthorizationCode", "POST", data=data)

        assert (response.status_code, response.text) == (400, "bad request data"), data


@pytest.mark.parametrize("type_instance", ["telegram", "v3"])
def test_get_authorization_code_is_whatsapp_only(wire: Wire, type_instance: str) -> None:
    created = wire.create(typeInstance=type_instance)

    response = wire.call(created, "getAuthorizationCode", "POST", json={"phoneNumber": 79001234567})

    assert (response.status_code, response.text) == (400, "bad request data")


def test_telegram_and_max_instances_show_qr_codes_too(wire: Wire, sandbox: Any) -> None:
    created = wire.create(typeInstance="v3")

    assert _decoded_qr(wire, created) == _payload(sandbox, created)


def test_each_payload_is_rendered_once_even_with_thousands_of_codes_showing() -> None:
    # More codes than the old bound of 256: cycling through them must not evict each one
    # before it is asked for again.
    qr_png_base64.cache_clear()
    payloads = [f"2@bench-{n}" for n in range(1000)]
    first = [qr_png_base64(payload) for payload in payloads]

    again = [qr_png_base64(payload) for payload in payloads]

    assert again == first
    assert qr_png_base64.cache_info().hits == len(payloads)
    assert first[0] == qr_png_base64.__wrapped__(payloads[0])  # the same PNG as a fresh render


@pytest.mark.parametrize("payload", ["2@short", "2@" + "long payload," * 12])
def test_the_png_has_the_pixels_qrcode_itself_draws(payload: str) -> None:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER, mask_pattern=MASK_PATTERN)
    code.add_data(payload)
    code.make(fit=True)
    code.box_size = max(1, round(TARGET_PIXELS / (code.modules_count + 2 * BORDER)))
    drawn = code.make_image(fill_color="black", back_color="white").get_image()

    ours = Image.open(io.BytesIO(base64.b64decode(qr_png_base64.__wrapped__(payload))))

    assert ours.format == "PNG"
    assert ours.size == drawn.size
    assert ours.convert("1").tobytes() == drawn.convert("1").tobytes()
