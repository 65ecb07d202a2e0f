"""POST /webhooks/green-api/: Green API's webhooks, authenticated by each instance's own token."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags

from accounts.models import Reseller, User
from core.crypto import token_digest
from instances.models import Instance, StateChange
from instances.services import webhooks as webhooks_service
from instances.services.state import state_record
from tests.support.onboarding import make_instance
from tests.support.pages import logged_in, page_text
from tests.support.sandbox import SandboxControl

URL = "/webhooks/green-api/"
TOKEN = "portal-hook-token-0123456789"
ID = 1101000050
T0 = 1_900_000_000  # the unix second of the first event
NOW = datetime.fromtimestamp(T0 + 60, UTC)


def second_end(timestamp: int) -> datetime:
    """Where an event of this second is recorded: the end of it (services/webhooks.py)."""
    return datetime.fromtimestamp(timestamp, UTC) + timedelta(microseconds=999_999)


def event(
    state: str = "authorized",
    *,
    at: int = T0,
    id_instance: int = ID,
    wid: str = "79001234567@c.us",
    type_webhook: str = "stateInstanceChanged",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "typeWebhook": type_webhook,
        "instanceData": {"idInstance": id_instance, "wid": wid, "typeInstance": "whatsapp"},
        "timestamp": at,
    }
    if type_webhook == "stateInstanceChanged":
        body["stateInstance"] = state
    return body | extra


def post(
    body: dict[str, Any] | bytes,
    *,
    token: str | None = TOKEN,
    authorization: str | None = None,
    client: Client | None = None,
) -> Any:
    headers = {}
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    elif token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = body if isinstance(body, bytes) else json.dumps(body)
    return (client or Client()).post(URL, data=data, content_type="application/json", **headers)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hooked(reseller_a: Reseller) -> Instance:
    """Reseller A's instance whose webhook URL is the portal's, with its own token."""
    return Instance.objects.create(
        id_instance=ID,
        name="Bakery bot",
        api_token="x" * 50,
        webhook_token_hash=token_digest(TOKEN),
        reseller=reseller_a,
        time_created=NOW - timedelta(days=30),
        state=Instance.State.NOT_AUTHORIZED,
    )


def test_a_state_change_is_recorded_with_its_time_source_and_phone(hooked: Instance) -> None:
    response = post(event("authorized"))

    assert response.status_code == 200
    assert response.json() == {"result": "applied"}
    hooked.refresh_from_db()
    assert hooked.state == Instance.State.AUTHORIZED
    assert hooked.state_source == StateChange.Source.WEBHOOK
    assert hooked.state_checked_at == second_end(T0)
    assert hooked.phone == "79001234567"
    change = StateChange.objects.get(instance=hooked)
    assert (change.previous_state, change.state, change.source) == (
        "notAuthorized",
        "authorized",
        "webhook",
    )


def test_a_logout_forgets_the_phone(hooked: Instance) -> None:
    post(event("authorized", at=T0))

    post(event("notAuthorized", at=T0 + 5, wid=""))

    hooked.refresh_from_db()
    assert (hooked.state, hooked.phone) == (Instance.State.NOT_AUTHORIZED, "")


def test_a_state_this_portal_does_not_know_is_recorded_as_unknown(hooked: Instance) -> None:
    assert post(event("someNewState")).status_code == 200

    hooked.refresh_from_db()
    assert hooked.state == Instance.State.UNKNOWN


@pytest.mark.parametrize(
    "authorization",
    [
        None,  # no header at all
        "",
        "Bearer ",
        "Bearer wrong-token",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
    ],
)
def test_a_missing_or_wrong_token_is_401_and_changes_nothing(
    hooked: Instance, authorization: str | None
) -> None:
    response = post(event("blocked"), token=None, authorization=authorization)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    hooked.refresh_from_db()
    assert hooked.state == Instance.State.NOT_AUTHORIZED
    assert not StateChange.objects.exists()


def test_the_token_of_another_instance_is_401(hooked: Instance) -> None:
    Instance.objects.create(
        id_instance=ID + 1, api_token="y" * 50, webhook_token_hash=token_digest("other-token")
    )

    response = post(event("blocked", id_instance=ID + 1), token=TOKEN)

    assert response.status_code == 401
    assert Instance.objects.get(pk=ID + 1).state == Instance.State.UNKNOWN


def test_an_instance_with_its_own_webhook_url_trusts_no_token(db: None) -> None:
    # Created with the customer's URL: the portal never gave it a token, so nothing matches.
    Instance.objects.create(id_instance=ID, api_token="x" * 50, webhook_token_hash="")

    assert post(event("blocked"), token="").status_code == 401
    assert post(event("blocked"), authorization="Bearer").status_code == 401
    assert Instance.objects.get(pk=ID).state == Instance.State.UNKNOWN


def test_a_logged_in_session_is_no_webhook_token(hooked: Instance, admin: User) -> None:
    response = post(event("blocked"), token=None, client=logged_in(admin))

    assert response.status_code == 401


def test_the_token_is_accepted_without_the_bearer_word(hooked: Instance) -> None:
    # docs/greenapi.md §3.13 and §7: "Bearer <token>" is very likely, not documented.
    assert post(event("authorized"), authorization=TOKEN).status_code == 200
    assert post(event("blocked", at=T0 + 1), authorization=f"bearer  {TOKEN} ").status_code == 200

    hooked.refresh_from_db()
    assert hooked.state == Instance.State.BLOCKED


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        json.dumps(event() | {"timestamp": "soon"}).encode(),
        json.dumps(event() | {"stateInstance": None}).encode(),
        json.dumps(event() | {"instanceData": {"idInstance": "1101000050"}}).encode(),
        json.dumps({"typeWebhook": "stateInstanceChanged"}).encode(),
        json.dumps(event(type_webhook="quotaExceeded") | {"quotaData": "used up"}).encode(),
    ],
)
def test_a_malformed_body_is_400_and_changes_nothing(hooked: Instance, raw: bytes) -> None:
    response = post(raw)

    assert response.status_code == 400
    assert response.json() == {"result": "malformed"}
    hooked.refresh_from_db()
    assert hooked.state == Instance.State.NOT_AUTHORIZED
    assert hooked.quota_exceeded_at is None


def test_an_instance_id_beyond_int64_is_400_not_a_database_error(hooked: Instance) -> None:
    assert post(event(id_instance=2**63)).status_code == 400


def test_a_nul_in_quota_texts_is_dropped_not_a_database_error(hooked: Instance) -> None:
    quota = {"method": "correspondents\u0000", "used": 3, "total": 3}

    response = post(event(type_webhook="quotaExceeded", quotaData=quota))

    assert response.status_code == 200
    assert Instance.objects.get(pk=ID).quota_exceeded["method"] == "correspondents"


def test_a_malformed_body_without_a_token_is_401(hooked: Instance) -> None:
    assert post(b"not json", token=None).status_code == 401


def test_a_body_over_the_upload_limit_is_400(hooked: Instance, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = post(event() | {"padding": "x" * 2000})

    assert response.status_code == 400


def test_an_unknown_instance_is_200_with_a_log_line(
    db: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="instances.services.webhooks"):
        response = post(event(id_instance=1109999999))

    assert response.status_code == 200
    assert response.json() == {"result": "unknown instance"}
    assert "unknown instance 1109999999" in caplog.text
    assert TOKEN not in caplog.text
    assert not Instance.objects.exists()


def test_a_repeated_event_changes_nothing(hooked: Instance) -> None:
    post(event("authorized"))
    before = Instance.objects.values().get(pk=ID)

    response = post(event("authorized"))

    assert response.status_code == 200
    assert Instance.objects.values().get(pk=ID) == before
    assert StateChange.objects.count() == 1


def test_an_older_event_never_overwrites_a_newer_one(hooked: Instance) -> None:
    post(event("blocked", at=T0 + 10))

    response = post(event("authorized", at=T0))  # a retry Green API made later

    assert response.json() == {"result": "stale"}
    hooked.refresh_from_db()
    assert (hooked.state, hooked.state_checked_at) == (Instance.State.BLOCKED, second_end(T0 + 10))
    assert list(StateChange.objects.values_list("state", flat=True)) == ["blocked"]


def test_a_poll_earlier_in_the_same_second_does_not_outrank_the_webhook(hooked: Instance) -> None:
    # The poll saw the state just before the change; the webhook names only the change's second.
    with time_machine.travel(datetime.fromtimestamp(T0, UTC) + timedelta(milliseconds=400)):
        state_record(
            instance=hooked, state=Instance.State.NOT_AUTHORIZED, source=StateChange.Source.POLL
        )

    post(event("authorized", at=T0))

    hooked.refresh_from_db()
    assert hooked.state == Instance.State.AUTHORIZED


def test_a_poll_after_a_delayed_webhook_keeps_what_it_saw(hooked: Instance) -> None:
    state_record(instance=hooked, state=Instance.State.BLOCKED, source=StateChange.Source.POLL)

    response = post(event("authorized", at=T0))  # delivered a minute late

    assert response.json() == {"result": "stale"}
    hooked.refresh_from_db()
    assert hooked.state == Instance.State.BLOCKED


@pytest.mark.parametrize("type_webhook", ["incomingMessageReceived", "statusInstanceChanged"])
def test_other_types_are_200_and_store_nothing(hooked: Instance, type_webhook: str) -> None:
    before = Instance.objects.values().get(pk=ID)
    body = event(type_webhook=type_webhook) | {"messageData": {"textMessageData": {"x": "hi"}}}

    with CaptureQueriesContext(connection) as queries:
        response = post(body)

    assert response.status_code == 200
    assert response.json() == {"result": "ignored"}
    assert Instance.objects.values().get(pk=ID) == before
    assert not any(_is_write(q["sql"]) for q in queries.captured_queries)


def test_the_status_of_a_message_the_portal_did_not_send_is_ignored(hooked: Instance) -> None:
    body = event(type_webhook="outgoingMessageStatus", idMessage="3EB0AAAA", status="read")

    with CaptureQueriesContext(connection) as queries:
        response = post(body)

    assert response.json() == {"result": "ignored"}
    assert not any(_is_write(q["sql"]) for q in queries.captured_queries)


@pytest.mark.parametrize("missing", ["idMessage", "status"])
def test_a_message_status_without_its_fields_is_malformed(hooked: Instance, missing: str) -> None:
    body = event(type_webhook="outgoingMessageStatus", idMessage="3EB0AAAA", status="read")
    del body[missing]

    assert post(body).status_code == 400


def test_quota_exceeded_is_kept_and_shown_once_newest_first(hooked: Instance, admin: User) -> None:
    quota = {"method": "correspondents", "used": 3, "total": 3, "status": "EXCEEDED"}
    newer = event(type_webhook="quotaExceeded", at=T0 + 10, quotaData=quota)
    older = event(type_webhook="quotaExceeded", at=T0, quotaData=quota | {"used": 2})

    assert post(newer).json() == {"result": "recorded"}
    assert post(newer).json() == {"result": "stale"}
    assert post(older).json() == {"result": "stale"}

    hooked.refresh_from_db()
    assert hooked.quota_exceeded == quota
    assert hooked.quota_exceeded_at == datetime.fromtimestamp(T0 + 10, UTC)
    assert hooked.state == Instance.State.NOT_AUTHORIZED  # news about the quota, not the state
    page = strip_tags(page_text(logged_in(admin).get(f"/instances/{ID}/")))
    assert "Used up: correspondents, 3 of 3" in page


def test_device_info_is_kept_and_shown(hooked: Instance, admin: User) -> None:
    device = {
        "platform": "iphone",
        "deviceManufacturer": "Apple",
        "deviceModel": "iPhone 11",
        "osVersion": "13.4",
        "waVersion": "2.20.41",
        "battery": 85,
    }

    response = post(event(type_webhook="deviceInfo", deviceData=device))

    assert response.json() == {"result": "recorded"}
    hooked.refresh_from_db()
    assert (hooked.device_info, hooked.device_info_at) == (device, datetime.fromtimestamp(T0, UTC))
    page = strip_tags(page_text(logged_in(admin).get(f"/instances/{ID}/")))
    assert "Apple iPhone 11 · iphone 13.4 · WhatsApp 2.20.41 · battery 85" in page


def test_a_deleted_instance_keeps_its_last_state(hooked: Instance) -> None:
    Instance.objects.filter(pk=ID).update(deleted=True)

    response = post(event("authorized"))

    assert response.status_code == 200
    assert Instance.objects.get(pk=ID).state == Instance.State.NOT_AUTHORIZED


def test_one_indexed_write_per_event(hooked: Instance) -> None:
    post(event("authorized", at=T0))  # the change: its timeline entry is written once

    with CaptureQueriesContext(connection) as queries:
        post(event("authorized", at=T0 + 5))  # the same state, confirmed

    writes = [q["sql"] for q in queries.captured_queries if _is_write(q["sql"])]
    assert len(writes) == 1, writes
    assert writes[0].startswith('UPDATE "instances_instance"')
    where = writes[0].partition(" WHERE ")[2]
    assert where.startswith(f'"id_instance" = {ID} AND')  # by primary key


def test_only_post_is_allowed(hooked: Instance) -> None:
    assert Client().get(URL).status_code == 405


def test_a_database_failure_is_503_for_green_api_to_retry(
    hooked: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(**kwargs: Any) -> bool:
        raise OperationalError("the database went away")

    monkeypatch.setattr(webhooks_service, "state_record", failing)

    response = post(event("authorized"))

    assert response.status_code == 503
    assert Instance.objects.get(pk=ID).state == Instance.State.NOT_AUTHORIZED


def test_webhooks_do_not_depend_on_the_encryption_keys(hooked: Instance, settings: Any) -> None:
    # Only a digest of the token is stored: replacing FIELD_ENCRYPTION_KEYS cannot stop them.
    settings.FIELD_ENCRYPTION_KEYS = ["A" * 43 + "="]

    response = post(event("authorized"))

    assert response.status_code == 200
    stored = Instance.objects.values_list("state", flat=True).get(pk=ID)  # no token to decrypt
    assert stored == Instance.State.AUTHORIZED


@pytest.mark.usefixtures("greenapi_settings")
def test_a_webhook_makes_no_call_to_green_api(
    reseller_a: Reseller, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a)
    Instance.objects.filter(pk=instance.pk).update(webhook_token_hash=token_digest(TOKEN))
    sandbox.reset_calls()

    response = post(event("authorized", id_instance=instance.pk))

    assert response.status_code == 200
    assert Instance.objects.get(pk=instance.pk).phone == "79001234567"
    assert sandbox.calls() == {}


def _is_write(sql: str) -> bool:
    return sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
