"""The instance API client: the account methods used to onboard and watch one instance."""

from __future__ import annotations

from collections.abc import Mapping

import requests

from greenapi.config import ClientConfig
from greenapi.errors import BadRequest, BadResponse
from greenapi.hosts import instance_api_url, normalise_base_url
from greenapi.messages import (
    MAX_MESSAGE_LENGTH,
    JournalMessage,
    QueuedMessage,
    parse_journal,
    parse_queue,
    parse_sent,
)
from greenapi.models import AuthorizationCode, InstanceSettings, QrResult, WaSettings
from greenapi.observe import Observer
from greenapi.params import settings_body
from greenapi.parsing import (
    parse_authorization_code,
    parse_confirmation,
    parse_qr,
    parse_settings,
    parse_state,
    parse_wa_settings,
)
from greenapi.partner import check_token
from greenapi.transport import Transport

MAX_TYPE = "v3"


class InstanceClient:
    """One instance's account methods: state, QR, pairing code, settings, reboot, logout.

    URLs are `{base_url}/waInstance{id}/{method}/{api_token}`; MAX instances
    (`type_instance == "v3"`) get a `/v3` prefix: `{base_url}/v3/waInstance{id}/...` (a `/v3`
    already at the end of `base_url`, as the console shows it for MAX, is not doubled).

    GET methods (getStateInstance, getStatusInstance, qr, getSettings, getWaSettings,
    showMessagesQueue) are retried on connection errors, timeouts, 429 and 5xx within the call's
    deadline; POST methods (getAuthorizationCode, setSettings, sendMessage, getMessage) and the
    acting GETs (logout, reboot) are sent exactly once. All failures raise a
    `GreenAPIError` subclass. Instance errors come as HTTP statuses with a text
    (400 "instance in starting process try later" → InstanceNotReady, and so on).

    Args:
        base_url: the instance's apiUrl; "" derives it from the id
            (`https://{first 4 digits}.api.green-api.com`, see `instance_api_url`).
        id_instance: the instance id.
        api_token: the instance's apiTokenInstance. It appears in no repr, log or error.
        type_instance: "whatsapp", "telegram" or "v3" (MAX).
        config: timeouts, deadline and retries; the defaults when omitted.
        session: a `requests.Session` to reuse (one per thread); a new one when omitted.
        observer: called with a `CallEvent` after every HTTP attempt (greenapi/observe.py),
            e.g. to count calls for metrics; None for no observer.
    """

    def __init__(
        self,
        base_url: str,
        id_instance: int,
        api_token: str,
        type_instance: str = "whatsapp",
        config: ClientConfig | None = None,
        *,
        session: requests.Session | None = None,
        observer: Observer | None = None,
    ) -> None:
        if isinstance(id_instance, bool) or not isinstance(id_instance, int) or id_instance <= 0:
            raise ValueError("idInstance must be a positive integer.")
        self.id_instance = id_instance
        self.type_instance = type_instance
        self.base_url = normalise_base_url(
            base_url or instance_api_url(id_instance), drop_suffix="/v3"
        )
        self._token = check_token(api_token, "instance token")
        self.config = config or ClientConfig()
        self._transport = Transport(self.config, session, observer=observer)
        prefix = "/v3" if type_instance == MAX_TYPE else ""
        self._path = f"{self.base_url}{prefix}/waInstance{id_instance}"

    def __repr__(self) -> str:
        return (
            f"InstanceClient(base_url={self.base_url!r}, id_instance={self.id_instance!r}, "
            f"type_instance={self.type_instance!r})"
        )

    def _call(
        self, verb: str, method: str, payload: object = None, *, retry: bool = True
    ) -> object:
        return self._transport.call(
            verb,
            f"{self._path}/{method}/{self._token}",
            method=method,
            target=f"instance {self.id_instance}",
            payload=payload,
            retry=retry,
        )

    def get_state_instance(self) -> str | None:
        """The authorization state: "notAuthorized", "authorized", "starting", "blocked", ...

        Returns None for a literal `null` body: the instance is still being created. Unknown
        states are returned as they are.

        Raises:
            InstanceExpired: the instance is unpaid (or was created moments ago).
            Unauthorized, NotFound: wrong token or unknown instance.
        """
        return parse_state(self._call("GET", "getStateInstance"))

    def qr(self) -> QrResult:
        """The current QR code for linking a phone (it rotates every 20 s; limit 3 calls/s).

        `{"type": "error", ...}` and `alreadyLogged` are returned, not raised: show them.
        For "qrCode", `.png_bytes` is the decoded PNG and `.data_uri` is ready for an <img>.
        """
        return parse_qr(self._call("GET", "qr"))

    def get_authorization_code(self, phone_number: int) -> AuthorizationCode:
        """Ask for a pairing code for `phone_number` (international, digits only, no "+").

        Sent exactly once. `.status` False means "ask again"; the code is valid ~2.5 minutes.
        The instance must not be authorized (log out first).
        """
        if (
            isinstance(phone_number, bool)
            or not isinstance(phone_number, int)
            or not 1_000_000 <= phone_number < 10**15
        ):
            raise ValueError("The phone number must be 7 to 15 digits, without + or 00.")
        value = self._call("POST", "getAuthorizationCode", {"phoneNumber": phone_number})
        return parse_authorization_code(value)

    def logout(self) -> bool:
        """Unlink the phone. True when Green API confirms (`{"isLogout": true}`).

        A GET that acts, so it is sent once like the POSTs."""
        reply = self._call("GET", "logout", retry=False)
        return parse_confirmation(reply, method="logout", key="isLogout")

    def reboot(self) -> bool:
        """Restart the instance. True when Green API confirms (`{"isReboot": true}`).

        A GET that acts, so it is sent once like the POSTs."""
        reply = self._call("GET", "reboot", retry=False)
        return parse_confirmation(reply, method="reboot", key="isReboot")

    def get_settings(self) -> InstanceSettings:
        """The instance's settings (webhook URL and token, delays, yes/no flags)."""
        return parse_settings(self._call("GET", "getSettings"))

    def set_settings(self, settings: Mapping[str, str | int]) -> bool:
        """Change some settings, given by wire name (`{"webhookUrl": "...", "stateWebhook":
        "yes"}`). Sent exactly once. Green API restarts the instance to apply them, and they can
        take up to 5 minutes to take effect. True when Green API confirms (`saveSettings`).

        Raises ValueError for an empty mapping, a non-str/int value or a delay outside
        500..600000 ms, before anything is sent.
        """
        body = settings_body(settings)
        value = self._call("POST", "setSettings", body)
        return parse_confirmation(value, method="setSettings", key="saveSettings")

    def get_wa_settings(self) -> WaSettings:
        """The linked account: avatar, phone, state and device id ("" while not authorized)."""
        return parse_wa_settings(self._call("GET", "getWaSettings"))

    def get_status_instance(self) -> str:
        """The messenger socket: "online" or "offline" (docs/greenapi.md §3.11).

        The docs call it unreliable alone; "authorized" with "offline" for a while is an
        instance that looks connected but sends nothing."""
        value = self._call("GET", "getStatusInstance")
        status = value.get("statusInstance") if isinstance(value, dict) else None
        if not isinstance(status, str) or not status:
            raise BadResponse(
                "Green API's answer to getStatusInstance has no statusInstance.",
                method="getStatusInstance",
            )
        return status

    def send_message(self, chat_id: str, message: str) -> str:
        """Queue a text message for `chat_id` (`personal_chat_id(phone)`); the `idMessage`.

        Sent exactly once. An answer only means "queued": the message goes out when the
        instance can send, and its status is read with `get_message` (docs/greenapi.md §3.14).
        Raises ValueError before sending for an empty chat id or an empty or too long text.
        """
        if not chat_id or not isinstance(chat_id, str):
            raise ValueError("A chat id is required.")
        if not message.strip() or len(message) > MAX_MESSAGE_LENGTH:
            raise ValueError(f"The message must be 1 to {MAX_MESSAGE_LENGTH} characters.")
        body = {"chatId": chat_id, "message": message}
        return parse_sent(self._call("POST", "sendMessage", body))

    def show_messages_queue(self) -> list[QueuedMessage]:
        """The messages waiting to be sent, oldest first (at most 500; §3.15)."""
        return parse_queue(self._call("GET", "showMessagesQueue"))

    def get_message(self, chat_id: str, id_message: str) -> JournalMessage | None:
        """An outgoing message as the journal holds it, with its status (§3.16).

        None when the journal does not hold it: Green API answers 400 for an id it does not
        know, and it never journals failed messages (those come only by webhook, §3.17).
        """
        try:
            value = self._call("POST", "getMessage", {"chatId": chat_id, "idMessage": id_message})
        except BadRequest:
            return None
        return parse_journal(value)
