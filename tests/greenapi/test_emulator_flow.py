"""Every client method against the emulator over real HTTP, in onboarding order."""

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from PIL import Image
from pytest_django.fixtures import Settings

from greenapi import (
    ClientConfig,
    CreatedInstance,
    CreateInstanceParams,
    InstanceClient,
    InstanceDeleted,
    InstanceExpired,
    InstanceNotReady,
    NotFound,
    PartnerClient,
    Unauthorized,
)
from tests.support.sandbox import SandboxControl

PHONE = 79001234567


def test_full_onboarding_flow_from_create_to_delete(
    partner: PartnerClient, client_for: Callable[..., InstanceClient], sandbox: SandboxControl
) -> None:
    created = partner.create_instance(
        CreateInstanceParams(name="Flow", state_webhook=True, type_instance="whatsapp")
    )
    assert created.type_instance == "whatsapp"
    listed = {i.id_instance: i for i in partner.get_instances()}[created.id_instance]
    assert listed.name == "Flow"
    assert listed.api_token == created.api_token
    assert listed.deleted is False
    assert listed.time_deleted is None
    assert listed.time_created is not None
    assert abs(listed.time_created - datetime.now(UTC)) < timedelta(minutes=1)
    assert listed.is_partner is True

    client = client_for(created)
    assert client.get_state_instance() == "notAuthorized"

    qr = client.qr()
    assert qr.is_qr_code
    assert qr.png_bytes is not None
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.png_bytes)))
    assert barcode.text == sandbox.instance(created.id_instance)["currentQrPayload"]

    code = client.get_authorization_code(PHONE)
    assert code.status is True
    assert len(code.code) == 8
    assert sandbox.pair(created.id_instance, code.code).status_code == 200

    wa = client.get_wa_settings()
    assert (wa.state_instance, wa.phone) == ("authorized", str(PHONE))

    assert client.set_settings(
        {
            "webhookUrl": "https://portal.example.com/hooks/green-api",
            "webhookUrlToken": "hook-secret",
            "delaySendMessagesMilliseconds": 1000,
            "incomingWebhook": "yes",
        }
    )
    current = client.get_settings()
    assert current.webhook_url == "https://portal.example.com/hooks/green-api"
    assert current.webhook_url_token == "hook-secret"
    assert current.delay_send_messages_milliseconds == 1000
    assert current.incoming_webhook == "yes"
    assert current.state_webhook == "yes"  # from createInstance
    assert current.wid == f"{PHONE}@c.us"

    assert client.reboot() is True
    assert client.logout() is True

    partner.delete_instance_account(created.id_instance)
    with pytest.raises(NotFound):
        partner.delete_instance_account(created.id_instance)
    with pytest.raises(InstanceDeleted):
        client.qr()  # qr allows 3 calls a second, so the earlier call cannot rate-limit this one
    [gone] = [i for i in partner.get_instances() if i.id_instance == created.id_instance]
    assert gone.deleted is True
    assert gone.time_deleted is not None


def test_qr_after_linking_is_already_logged_not_an_error(
    client: InstanceClient, created: CreatedInstance, sandbox: SandboxControl
) -> None:
    payload = sandbox.instance(created.id_instance)["currentQrPayload"]
    assert sandbox.scan(payload, PHONE).status_code == 200

    result = client.qr()

    assert result.is_already_logged
    assert result.png_bytes is None


def test_max_instances_are_called_under_the_v3_prefix(
    make_instance: Callable[..., CreatedInstance],
    client_for: Callable[..., InstanceClient],
    sandbox_url: str,
) -> None:
    created = make_instance(type_instance="v3")
    assert created.type_instance == "v3"

    assert client_for(created).get_state_instance() == "notAuthorized"
    assert client_for(created).get_settings().raw["typeInstance"] == "v3"
    # The same instance without the prefix is unknown to the emulator: the prefix matters.
    without_prefix = InstanceClient(
        base_url=sandbox_url,
        id_instance=created.id_instance,
        api_token=created.api_token,
        type_instance="whatsapp",
    )
    with pytest.raises(NotFound):
        without_prefix.get_state_instance()


def test_telegram_instances_list_with_their_type(
    make_instance: Callable[..., CreatedInstance], partner: PartnerClient
) -> None:
    created = make_instance(type_instance="telegram")

    [listed] = [i for i in partner.get_instances() if i.id_instance == created.id_instance]

    assert listed.type_instance == "telegram"


def test_state_is_none_while_the_instance_is_being_created(
    settings: Settings,
    make_instance: Callable[..., CreatedInstance],
    client_for: Callable[..., InstanceClient],
) -> None:
    settings.SANDBOX_CREATE_SECONDS = 60
    client = client_for(make_instance())

    assert client.get_state_instance() is None
    with pytest.raises(InstanceExpired):  # upstream's text in the first minutes (issue #197)
        client.qr()


def test_starting_instance_refuses_qr_with_instance_not_ready(
    client: InstanceClient, created: CreatedInstance, sandbox: SandboxControl
) -> None:
    assert sandbox.set_state(created.id_instance, "starting").status_code == 200

    with pytest.raises(InstanceNotReady) as caught:
        client.qr()

    assert caught.value.retryable is True
    assert caught.value.status == 400


def test_wrong_partner_token_is_unauthorized(sandbox_url: str, config: ClientConfig) -> None:
    partner = PartnerClient(base_url=sandbox_url, partner_token="gac." + "0" * 32, config=config)

    with pytest.raises(Unauthorized) as caught:
        partner.get_instances()

    assert caught.value.status == 401
    assert "partner token" in caught.value.message


def test_wrong_instance_token_is_unauthorized(
    client_for: Callable[..., InstanceClient], created: CreatedInstance
) -> None:
    impostor = CreatedInstance(
        id_instance=created.id_instance, api_token="f" * 50, type_instance="whatsapp"
    )

    with pytest.raises(Unauthorized) as caught:
        client_for(impostor).get_settings()

    assert caught.value.status == 401


def test_unknown_instance_is_not_found(
    client_for: Callable[..., InstanceClient], partner: PartnerClient
) -> None:
    ghost = CreatedInstance(id_instance=1101999999, api_token="e" * 50, type_instance="whatsapp")

    with pytest.raises(NotFound):
        client_for(ghost).get_state_instance()
    with pytest.raises(NotFound):
        partner.delete_instance_account(1101999999)
