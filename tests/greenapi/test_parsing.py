"""Wire JSON to typed results: samples from the docs, tolerated gaps and rejected shapes."""

import copy
import io
from datetime import UTC, datetime

import pytest
import zxingcpp
from PIL import Image

from greenapi import NEVER, BadResponse
from greenapi.listing import parse_instances
from greenapi.parsing import (
    parse_authorization_code,
    parse_confirmation,
    parse_created_instance,
    parse_deleted,
    parse_qr,
    parse_settings,
    parse_state,
    parse_wa_settings,
)
from tests.greenapi import samples


def test_get_instances_2022_sample_parses_with_every_field_typed() -> None:
    [instance] = parse_instances([samples.INSTANCE_2022])

    assert instance.id_instance == 1101728204
    assert instance.name == "Instance 1101728204"
    assert instance.type_instance == "whatsapp"
    assert instance.type_account == ""
    assert instance.partner_user_uiid == ""
    assert instance.time_created == datetime(2022, 6, 7, 10, 36, 48, tzinfo=UTC)
    assert instance.time_deleted == datetime(2022, 6, 7, 10, 37, 0, tzinfo=UTC)
    assert instance.api_token == samples.INSTANCE_TOKEN
    assert instance.deleted is True
    assert instance.tariff == "PARTNER_23"
    assert instance.expiration_date == datetime(2022, 6, 8, 10, 36, 48, tzinfo=UTC)
    assert instance.is_expired is False


def test_get_instances_without_is_free_and_is_partner_defaults_them_to_false() -> None:
    [instance] = parse_instances([samples.INSTANCE_2022])

    assert instance.is_free is False
    assert instance.is_partner is False


def test_get_instances_zero_time_deleted_means_never_deleted() -> None:
    [instance] = parse_instances([samples.INSTANCE_TELEGRAM])

    assert samples.INSTANCE_TELEGRAM["timeDeleted"] == NEVER
    assert instance.time_deleted is None
    assert instance.is_partner is True
    assert instance.type_instance == "telegram"


def test_get_instances_uses_messenger_when_type_instance_is_absent() -> None:
    item = {k: v for k, v in samples.INSTANCE_TELEGRAM.items() if k != "typeInstance"}

    assert parse_instances([item])[0].type_instance == "telegram"


def test_get_instances_empty_list_is_valid() -> None:
    assert parse_instances([]) == []


def test_partner_instance_repr_hides_the_token() -> None:
    [instance] = parse_instances([samples.INSTANCE_2022])

    assert samples.INSTANCE_TOKEN not in repr(instance)
    assert "1101728204" in repr(instance)


@pytest.mark.parametrize(
    "body",
    [
        {"instances": []},
        "[]",
        None,
        [1101728204],
        [[samples.INSTANCE_2022]],
        [{**samples.INSTANCE_2022, "idInstance": "1101728204"}],
        [{**samples.INSTANCE_2022, "idInstance": True}],
        [{**samples.INSTANCE_2022, "idInstance": 0}],
        [{k: v for k, v in samples.INSTANCE_2022.items() if k != "idInstance"}],
        [{**samples.INSTANCE_2022, "deleted": "false"}],
        [{**samples.INSTANCE_2022, "name": 5}],
        [{**samples.INSTANCE_2022, "timeCreated": "yesterday"}],
        [{**samples.INSTANCE_2022, "timeCreated": 1654598208}],
        [{**samples.INSTANCE_2022, "expirationDate": "2022-02-30T10:00:00"}],
    ],
    ids=lambda body: repr(body)[:40],
)
def test_get_instances_wrong_shape_is_bad_response(body: object) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_instances(body)

    assert caught.value.method == "getInstances"
    assert samples.INSTANCE_TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2022-06-03T18:39:44", datetime(2022, 6, 3, 18, 39, 44, tzinfo=UTC)),
        ("2022-06-03T18:39:44.5", datetime(2022, 6, 3, 18, 39, 44, 500000, tzinfo=UTC)),
        ("2022-06-03T18:39:44Z", datetime(2022, 6, 3, 18, 39, 44, tzinfo=UTC)),
        ("2022-06-03T21:39:44+03:00", datetime(2022, 6, 3, 18, 39, 44, tzinfo=UTC)),
        ("0001-01-01T00:00:00", None),
        ("0001-01-01T00:00:00Z", None),
        ("", None),
    ],
)
def test_time_parsing_assumes_utc_and_maps_the_zero_time_to_none(
    wire: str, expected: datetime | None
) -> None:
    [instance] = parse_instances([{**samples.INSTANCE_2022, "timeCreated": wire}])
    assert instance.time_created == expected


@pytest.mark.parametrize(
    "wire", ["2022-06-03", "2022-13-01T00:00:00", "9999-12-31T23:59:59-23:59", "03.06.2022 18:39"]
)
def test_time_parsing_rejects_what_is_not_a_green_api_time(wire: str) -> None:
    with pytest.raises(BadResponse, match="is not a date-time"):
        parse_instances([{**samples.INSTANCE_2022, "timeCreated": wire}])


def test_created_instance_parses_and_hides_the_token() -> None:
    created = parse_created_instance(samples.CREATED)

    assert (created.id_instance, created.type_instance) == (1101728000, "whatsapp")
    assert created.api_token == samples.CREATED["apiTokenInstance"]
    assert samples.CREATED["apiTokenInstance"] not in repr(created)


def test_created_instance_with_a_wrong_shape_says_the_outcome_is_unknown() -> None:
    with pytest.raises(BadResponse) as caught:
        parse_created_instance({"idInstance": 1101728000})

    assert caught.value.outcome_unknown is True


def test_delete_confirmation_true_returns_none_and_false_is_an_error() -> None:
    parse_deleted({"deleteInstanceAccount": True}, 1101000001)
    with pytest.raises(BadResponse, match="did not confirm"):
        parse_deleted({"deleteInstanceAccount": False}, 1101000001)


def test_state_null_body_means_still_being_created() -> None:
    assert parse_state(None) is None
    assert parse_state({"stateInstance": "notAuthorized"}) == "notAuthorized"
    assert parse_state({"stateInstance": "someFutureState"}) == "someFutureState"


@pytest.mark.parametrize("body", [{"stateInstance": 1}, ["authorized"], "authorized", 0])
def test_state_wrong_shape_is_bad_response(body: object) -> None:
    with pytest.raises(BadResponse):
        parse_state(body)


def test_state_object_without_a_state_is_treated_like_null() -> None:
    assert parse_state({"stateInstance": None}) is None
    assert parse_state({}) is None


def test_qr_code_is_decoded_to_a_png_that_holds_the_payload() -> None:
    result = parse_qr({"type": "qrCode", "message": samples.qr_png_base64("2@abc,def")})

    assert result.is_qr_code
    assert not result.is_error
    assert result.png_bytes is not None
    assert result.png_bytes.startswith(b"\x89PNG")
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(result.png_bytes)))
    assert barcode.text == "2@abc,def"
    assert result.data_uri is not None
    assert result.data_uri.startswith("data:image/png;base64,")
    assert result.message not in repr(result)


def test_qr_error_and_already_logged_are_results_not_exceptions() -> None:
    error = parse_qr({"type": "error", "message": "Instance has auth. You need to make log out"})
    logged = parse_qr({"type": "alreadyLogged", "message": "instance account already authorized"})

    assert error.is_error
    assert error.png_bytes is None
    assert error.message == "Instance has auth. You need to make log out"
    assert logged.is_already_logged
    assert logged.data_uri is None


@pytest.mark.parametrize(
    "body",
    [
        {"type": "qrCode", "message": "not base64!"},
        {"type": "qrCode", "message": ""},
        {"type": "qrCode"},
        {"type": 1, "message": "x"},
        {"message": "x"},
        [],
    ],
)
def test_qr_wrong_shape_is_bad_response(body: object) -> None:
    with pytest.raises(BadResponse):
        parse_qr(body)


def test_authorization_code_parses_and_hides_the_code() -> None:
    result = parse_authorization_code(samples.AUTH_CODE)

    assert result.status is True
    assert result.code == "GAPI2015"
    assert "GAPI2015" not in repr(result)
    assert parse_authorization_code({"status": False}).code == ""
    with pytest.raises(BadResponse):
        parse_authorization_code({"status": "true", "code": "GAPI2015"})


@pytest.mark.parametrize(("method", "key"), [("logout", "isLogout"), ("reboot", "isReboot")])
def test_confirmations_return_the_boolean_and_reject_anything_else(method: str, key: str) -> None:
    assert parse_confirmation({key: True}, method=method, key=key) is True
    assert parse_confirmation({key: False}, method=method, key=key) is False
    with pytest.raises(BadResponse):
        parse_confirmation({key: "yes"}, method=method, key=key)
    with pytest.raises(BadResponse):
        parse_confirmation({}, method=method, key=key)


def test_settings_sample_parses_into_typed_fields_and_raw_rest() -> None:
    result = parse_settings(samples.SETTINGS)

    assert result.wid == "79001234567@c.us"
    assert result.webhook_url == "https://mysite.com/webhook/green-api/"
    assert result.webhook_url_token == "hook-secret"
    assert result.delay_send_messages_milliseconds == 3000
    assert result.mark_incoming_messages_readed_on_reply == "yes"
    assert result.outgoing_api_message_webhook == "yes"
    assert result.incoming_block_webhook == "no"
    assert result.raw["proxyInstance"] == "system proxy"
    assert "webhookUrlToken" not in result.raw
    assert "wid" not in result.raw
    assert "hook-secret" not in repr(result)


def test_settings_missing_flags_are_empty_and_wrong_types_are_rejected() -> None:
    partial = parse_settings({"wid": ""})
    assert partial.state_webhook == ""
    assert partial.delay_send_messages_milliseconds is None

    broken = copy.deepcopy(samples.SETTINGS)
    broken["stateWebhook"] = True
    with pytest.raises(BadResponse):
        parse_settings(broken)


def test_wa_settings_parse() -> None:
    result = parse_wa_settings(samples.WA_SETTINGS)

    assert result.phone == "79001234567"
    assert result.state_instance == "authorized"
    assert result.device_id == "79001234567:8@s.whatsapp.net"
    with pytest.raises(BadResponse):
        parse_wa_settings({**samples.WA_SETTINGS, "phone": 79001234567})
