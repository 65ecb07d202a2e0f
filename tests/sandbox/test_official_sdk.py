"""The unmodified official SDK (whatsapp-api-client-python) works against the emulator."""

from typing import Any

import pytest
from whatsapp_api_client_python import API

from tests.sandbox.conftest import Wire


@pytest.fixture
def partner_sdk(sandbox_url: str, partner_token: str) -> API.GreenApiPartner:
    return API.GreenApiPartner(partner_token, host=sandbox_url)


def test_partner_methods_through_the_sdk(partner_sdk: API.GreenApiPartner) -> None:
    created = partner_sdk.partner.createInstance({"name": "SDK", "stateWebhook": "yes"})
    listed = partner_sdk.partner.getInstances()
    deleted = partner_sdk.partner.deleteInstanceAccount(created.data["idInstance"])
    again = partner_sdk.partner.deleteInstanceAccount(created.data["idInstance"])

    assert created.code == 200
    assert created.data["typeInstance"] == "whatsapp"
    assert [item["name"] for item in listed.data] == ["SDK"]
    assert deleted.data == {"deleteInstanceAccount": True}
    assert again.data == {"code": 404, "description": "Not found"}


def test_a_bad_partner_token_reaches_the_sdk_as_code_401_inside_200(sandbox_url: str) -> None:
    sdk = API.GreenApiPartner("gac.00000000000000000000000000000000", host=sandbox_url)

    response = sdk.partner.getInstances()

    assert (response.code, response.data) == (200, {"code": 401, "description": "Unauthorized"})


def test_account_methods_through_the_sdk(sandbox_url: str, wire: Wire, sandbox: Any) -> None:
    created = wire.create(name="SDK")
    sdk = API.GreenApi(str(created["idInstance"]), created["apiTokenInstance"], host=sandbox_url)

    assert sdk.account.getStateInstance().data == {"stateInstance": "notAuthorized"}
    assert sdk.account.qr().data["type"] == "qrCode"
    assert sdk.account.getStatusInstance().data == {"statusInstance": "offline"}
    saved = sdk.account.setSettings(
        {"incomingWebhook": "yes", "delaySendMessagesMilliseconds": 900}
    )
    assert saved.data == {"saveSettings": True}
    settings = sdk.account.getSettings().data
    assert (settings["incomingWebhook"], settings["delaySendMessagesMilliseconds"]) == ("yes", 900)
    code = sdk.account.getAuthorizationCode(79001234567).data
    assert code["status"] is True
    assert sandbox.pair(created["idInstance"], code["code"]).status_code == 200
    assert sdk.account.getWaSettings().data["phone"] == "79001234567"
    assert sdk.account.reboot().data == {"isReboot": True}
    assert sdk.account.logout().data == {"isLogout": True}
    assert sdk.account.getStateInstance().data == {"stateInstance": "notAuthorized"}


def test_the_sdk_sees_instance_errors_as_status_and_text(sandbox_url: str, wire: Wire) -> None:
    created = wire.create(name="SDK")
    sdk = API.GreenApi(str(created["idInstance"]), "0" * 50, host=sandbox_url)

    response = sdk.account.getStateInstance()

    assert (response.code, response.error) == (401, "Unauthorized")
