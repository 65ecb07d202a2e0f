"""Wire samples from docs/greenapi.md (2022 Postman and current docs), shared by the tests."""

import base64
import io

import qrcode

INSTANCE_TOKEN = "35d8b4907f8e494289b1d5f999e3582940ceffc413bf4a76b1"

# getInstances element, 2022 sample (no isFree/isPartner).
INSTANCE_2022 = {
    "idInstance": 1101728204,
    "name": "Instance 1101728204",
    "typeInstance": "whatsapp",
    "typeAccount": "",
    "partnerUserUiid": "",
    "timeCreated": "2022-06-07T10:36:48",
    "timeDeleted": "2022-06-07T10:37:00",
    "apiTokenInstance": INSTANCE_TOKEN,
    "deleted": True,
    "tariff": "PARTNER_23",
    "expirationDate": "2022-06-08T10:36:48",
    "isExpired": False,
}

# A live Telegram instance, as the current docs describe it (with `messenger`).
INSTANCE_TELEGRAM = {
    "idInstance": 4100000001,
    "name": "Support bot",
    "typeInstance": "telegram",
    "messenger": "telegram",
    "typeAccount": "",
    "partnerUserUiid": "",
    "timeCreated": "2025-01-02T03:04:05",
    "timeDeleted": "0001-01-01T00:00:00",
    "apiTokenInstance": "0" * 50,
    "deleted": False,
    "tariff": "PARTNER_23",
    "isFree": False,
    "isPartner": True,
    "expirationDate": "2025-01-03T03:04:05",
    "isExpired": False,
}

CREATED = {
    "idInstance": 1101728000,
    "apiTokenInstance": "c1b0474542144e0ead529eb4861ca5f583c346eb00564f64a7",
    "typeInstance": "whatsapp",
}

SETTINGS = {
    "wid": "79001234567@c.us",
    "countryInstance": "",
    "typeAccount": "",
    "webhookUrl": "https://mysite.com/webhook/green-api/",
    "webhookUrlToken": "hook-secret",
    "delaySendMessagesMilliseconds": 3000,
    "markIncomingMessagesReaded": "no",
    "markIncomingMessagesReadedOnReply": "yes",
    "sharedSession": "no",
    "proxyInstance": "system proxy",
    "outgoingWebhook": "yes",
    "outgoingMessageWebhook": "yes",
    "outgoingAPIMessageWebhook": "yes",
    "incomingWebhook": "yes",
    "deviceWebhook": "no",
    "statusInstanceWebhook": "no",
    "stateWebhook": "yes",
    "enableMessagesHistory": "no",
    "keepOnlineStatus": "yes",
    "pollMessageWebhook": "yes",
    "incomingBlockWebhook": "no",
    "incomingCallWebhook": "yes",
    "editedMessageWebhook": "no",
    "deletedMessageWebhook": "no",
}

WA_SETTINGS = {
    "avatar": "https://pps.whatsapp.net/v/t61.24694-24/avatar.jpg",
    "phone": "79001234567",
    "stateInstance": "authorized",
    "deviceId": "79001234567:8@s.whatsapp.net",
}


def qr_png_base64(payload: str = "2@sample-qr-payload") -> str:
    buffer = io.BytesIO()
    qrcode.make(payload).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


QR = {"type": "qrCode", "message": qr_png_base64()}
AUTH_CODE = {"status": True, "code": "GAPI2015"}
