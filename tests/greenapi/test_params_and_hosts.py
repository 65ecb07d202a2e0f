"""createInstance parameters, setSettings bodies, host derivation and client URLs."""

import pytest

from greenapi import (
    ClientConfig,
    CreateInstanceParams,
    InstanceClient,
    PartnerClient,
    instance_api_url,
    instance_media_url,
)
from greenapi.params import settings_body


def test_create_params_wire_form_uses_documented_names_and_yes_no() -> None:
    params = CreateInstanceParams(
        name="Shop",
        webhook_url="https://portal.example.com/hook",
        webhook_url_token="s3cret",
        delay_send_messages_milliseconds=500,
        state_webhook=True,
        incoming_webhook=False,
        outgoing_api_message_webhook=True,
        mark_incoming_messages_readed_on_reply=True,
    )

    assert params.to_wire() == {
        "name": "Shop",
        "webhookUrl": "https://portal.example.com/hook",
        "webhookUrlToken": "s3cret",
        "delaySendMessagesMilliseconds": 500,
        "stateWebhook": "yes",
        "incomingWebhook": "no",
        "outgoingAPIMessageWebhook": "yes",
        "markIncomingMessagesReadedOnReply": "yes",
    }
    assert "s3cret" not in repr(params)


def test_create_params_omit_unset_fields_and_send_type_instance_only_when_set() -> None:
    assert CreateInstanceParams(name="A").to_wire() == {"name": "A"}
    assert CreateInstanceParams(type_instance="v3").to_wire() == {"typeInstance": "v3"}
    assert CreateInstanceParams(keep_online_status=False).to_wire() == {"keepOnlineStatus": "no"}


def test_create_params_every_flag_has_a_wire_name() -> None:
    flags = {
        "mark_incoming_messages_readed": "markIncomingMessagesReaded",
        "mark_incoming_messages_readed_on_reply": "markIncomingMessagesReadedOnReply",
        "outgoing_webhook": "outgoingWebhook",
        "outgoing_message_webhook": "outgoingMessageWebhook",
        "outgoing_api_message_webhook": "outgoingAPIMessageWebhook",
        "state_webhook": "stateWebhook",
        "incoming_webhook": "incomingWebhook",
        "device_webhook": "deviceWebhook",
        "keep_online_status": "keepOnlineStatus",
        "poll_message_webhook": "pollMessageWebhook",
        "incoming_block_webhook": "incomingBlockWebhook",
        "incoming_call_webhook": "incomingCallWebhook",
        "edited_message_webhook": "editedMessageWebhook",
        "deleted_message_webhook": "deletedMessageWebhook",
    }

    wire = CreateInstanceParams(**dict.fromkeys(flags, True)).to_wire()  # type: ignore[arg-type]  # flag names as keys

    assert wire == {name: "yes" for name in flags.values()}


def test_create_params_need_at_least_one_parameter() -> None:
    with pytest.raises(ValueError, match="at least one parameter"):
        CreateInstanceParams()


@pytest.mark.parametrize("delay", [499, 600_001, 0, -1, 1.5, True, "1000"])
def test_create_params_reject_a_delay_outside_500_to_600000(delay: object) -> None:
    with pytest.raises(ValueError, match="delaySendMessagesMilliseconds"):
        CreateInstanceParams(delay_send_messages_milliseconds=delay)  # type: ignore[arg-type]  # a wrong type on purpose


@pytest.mark.parametrize("delay", [500, 600_000])
def test_create_params_accept_the_delay_bounds(delay: int) -> None:
    assert CreateInstanceParams(delay_send_messages_milliseconds=delay).to_wire() == {
        "delaySendMessagesMilliseconds": delay
    }


@pytest.mark.parametrize(
    "kwargs",
    [{"state_webhook": "yes"}, {"name": 5}, {"type_instance": "max"}, {"webhook_url": b"x"}],
)
def test_create_params_reject_wrong_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        CreateInstanceParams(**kwargs)  # type: ignore[arg-type]  # a wrong type on purpose


def test_set_settings_body_is_checked_before_sending() -> None:
    assert settings_body({"stateWebhook": "yes", "delaySendMessagesMilliseconds": 1000}) == {
        "stateWebhook": "yes",
        "delaySendMessagesMilliseconds": 1000,
    }
    for bad in ({}, {"stateWebhook": True}, {"delaySendMessagesMilliseconds": 10}, {"x": None}):
        with pytest.raises(ValueError, match=r"setSettings|delaySendMessagesMilliseconds"):
            settings_body(bad)  # type: ignore[arg-type]  # a wrong type on purpose


@pytest.mark.parametrize(
    ("id_instance", "expected"),
    [
        (7105187566, "https://7105.api.green-api.com"),
        (1101728204, "https://1101.api.green-api.com"),
        (4100000001, "https://4100.api.green-api.com"),
        (3100000001, "https://3100.api.green-api.com"),
        (123, "https://api.green-api.com"),
    ],
)
def test_instance_api_url_is_derived_from_the_first_four_digits(
    id_instance: int, expected: str
) -> None:
    assert instance_api_url(id_instance) == expected


def test_instance_media_url_is_derived_the_same_way() -> None:
    assert instance_media_url(7105187566) == "https://7105.media.green-api.com"


@pytest.mark.parametrize(
    ("universal", "api", "media"),
    [
        ("https://api.green-api.com/", "https://api.green-api.com", "https://media.green-api.com"),
        ("https://api.greenapi.com", "https://api.greenapi.com", "https://media.greenapi.com"),
        (
            "https://7105.api.greenapi.com//",
            "https://7105.api.greenapi.com",
            "https://7105.media.greenapi.com",
        ),
        (
            "http://127.0.0.1:8000/sandbox/",
            "http://127.0.0.1:8000/sandbox",
            "http://127.0.0.1:8000/sandbox",
        ),
    ],
)
def test_universal_url_is_used_normalised(universal: str, api: str, media: str) -> None:
    assert instance_api_url(7105187566, universal) == api
    assert instance_media_url(7105187566, universal) == media


@pytest.mark.parametrize(
    "bad", ["ftp://api.green-api.com", "api.green-api.com", "https://", "https://x/?a=1"]
)
def test_base_urls_must_be_http_urls(bad: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        instance_api_url(7105187566, bad)
    with pytest.raises(ValueError, match="base URL"):
        PartnerClient(base_url=bad, partner_token="gac.abc")


@pytest.mark.parametrize("bad", [0, -5, True, "7105187566"])
def test_instance_ids_must_be_positive_integers(bad: object) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        instance_api_url(bad)  # type: ignore[arg-type]  # a wrong type on purpose


@pytest.mark.parametrize("token", ["", "with space", "slash/inside", "new\nline"])
def test_tokens_that_cannot_travel_in_a_path_are_refused_without_echoing_them(token: str) -> None:
    with pytest.raises(ValueError, match="instance token") as caught:
        InstanceClient(base_url="", id_instance=1101000001, api_token=token)

    assert str(caught.value) == (
        "The instance token is empty or has characters that cannot go in a URL."
    )


def test_instance_client_derives_its_host_and_adds_v3_for_max_only() -> None:
    whatsapp = InstanceClient(base_url="", id_instance=1101000001, api_token="t")
    maximum = InstanceClient(
        base_url="https://3100.api.green-api.com/v3/",
        id_instance=3100000001,
        api_token="t",
        type_instance="v3",
    )

    assert whatsapp._path == "https://1101.api.green-api.com/waInstance1101000001"
    assert maximum._path == "https://3100.api.green-api.com/v3/waInstance3100000001"


def test_partner_client_never_gets_v3() -> None:
    client = PartnerClient(base_url="https://api.green-api.com/v3/", partner_token="gac.abc")

    assert client._url("getInstances") == "https://api.green-api.com/partner/getInstances/gac.abc"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"connect_timeout": 0},
        {"read_timeout": -1},
        {"deadline": float("inf")},
        {"get_retries": -1},
        {"get_retries": 1.5},
        {"backoff": -0.1},
        {"user_agent": ""},
        {"user_agent": "a\r\nX-Evil: 1"},
    ],
)
def test_client_config_rejects_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="ClientConfig"):
        ClientConfig(**kwargs)  # type: ignore[arg-type]  # a wrong type on purpose
