"""The API's instance actions: delete, reboot, logout, settings and the token, with the pages'
permissions, tenancy and audit, against the emulator."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from accounts.models import AuditEvent, User
from api.models import Scope
from instances.greenapi_factory import instance_client
from instances.models import Instance, StateChange
from tests.instances import live as live_fixtures
from tests.support.api import ApiClient, api_as
from tests.support.personas import MISSING_ID
from tests.support.sandbox import SandboxControl

# The instance pages' fixtures: reseller A's instance in the emulator, and short timeouts.
live = live_fixtures.live
short_timeouts = live_fixtures.short_timeouts

PROBLEM = "urn:partnerportal:problem:"
BASE = "/api/v1/instances"

# Every operation of this module: method, path after /instances/{id}, scope, and whether each
# role may do it (the permission matrix, as the pages apply it).
OPERATIONS: list[tuple[str, str, str, set[str]]] = [
    ("delete", "", Scope.INSTANCES_DELETE, {"admin", "reseller"}),
    ("post", "/reboot", Scope.INSTANCES_WRITE, {"admin", "support", "reseller"}),
    ("post", "/logout", Scope.INSTANCES_WRITE, {"admin", "support", "reseller"}),
    ("get", "/settings", Scope.INSTANCES_READ, {"admin", "reseller"}),
    ("patch", "/settings", Scope.INSTANCES_WRITE, {"admin", "reseller"}),
    ("get", "/token", Scope.INSTANCES_REVEAL, {"admin", "reseller"}),
]
A_CHANGE = {"flags": {"incoming_call_webhook": True}}


def call(client: ApiClient, method: str, path: str, data: Any = None) -> Any:
    """Any method with the client's token; a body as JSON for PATCH and POST."""
    request = getattr(client.client, method)
    if method in {"patch", "post"}:
        return request(
            path,
            json.dumps(A_CHANGE if data is None else data),
            content_type="application/json",
            headers=client.headers,
        )
    return request(path, headers=client.headers)


def patch(client: ApiClient, instance_id: int, data: Any) -> Any:
    return call(client, "patch", f"{BASE}/{instance_id}/settings", data)


def problem_type(response: Any) -> str:
    assert response["Content-Type"] == "application/problem+json", response.content
    return str(response.json()["type"]).removeprefix(PROBLEM)


def test_other_tenants_and_missing_instances_are_the_same_404_and_nothing_is_sent(
    admin: User,
    support: User,
    reseller_a_user: User,
    reseller_b_user: User,
    live: Instance,
    instance_b: Instance,
    sandbox: SandboxControl,
) -> None:
    cases = [
        (reseller_b_user, live.pk),  # reseller A's instance, seen by reseller B
        (reseller_a_user, instance_b.pk),
        (admin, MISSING_ID),
        (support, MISSING_ID),
        (reseller_a_user, MISSING_ID),
    ]
    for user, instance_id in cases:
        client = api_as(user)
        for method, suffix, _scope, _roles in OPERATIONS:
            response = call(client, method, f"{BASE}/{instance_id}{suffix}")
            assert response.status_code == 404, (user, method, suffix, response.content)
            assert problem_type(response) == "not-found"
            assert response.json()["detail"] == "No such object."
    assert sandbox.calls(live.pk) == {}
    # Only the tokens' own creation was audited: nothing was done to an instance.
    assert not AuditEvent.objects.exclude(action="api_token.create").exists()


def test_roles_without_the_right_get_403_and_nothing_is_sent(
    support: User, live: Instance, sandbox: SandboxControl
) -> None:
    client = api_as(support)
    for method, suffix, _scope, roles in OPERATIONS:
        if "support" in roles:
            continue
        response = call(client, method, f"{BASE}/{live.pk}{suffix}")
        assert response.status_code == 403, (method, suffix)
        assert problem_type(response) == "forbidden"
    assert sandbox.calls(live.pk) == {}
    live.refresh_from_db()
    assert not live.deleted


def test_a_token_without_the_scope_is_refused_naming_it(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    for method, suffix, scope, _roles in OPERATIONS:
        others = [other for other in Scope.values if other != scope]
        response = call(api_as(reseller_a_user, others), method, f"{BASE}/{live.pk}{suffix}")
        assert response.status_code == 403, (method, suffix)
        assert problem_type(response) == "insufficient-scope"
        assert response.json()["scope"] == scope
    assert sandbox.calls(live.pk) == {}


# Delete


def test_delete_logs_a_linked_phone_out_first_then_deletes(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")

    response = api_as(reseller_a_user, [Scope.INSTANCES_DELETE]).delete(f"{BASE}/{live.pk}")

    assert response.status_code == 204
    assert response.content == b""
    calls = sandbox.calls(live.pk)
    assert (calls["logout"], calls["deleteInstanceAccount"]) == (1, 1)
    remote = sandbox.instance(live.pk)
    assert (remote["deviceLinked"], remote["deleted"]) == (False, True)
    live.refresh_from_db()
    assert live.deleted
    event = AuditEvent.objects.get(action="instance.delete")
    assert (event.result, event.detail, event.actor) == (
        "ok",
        "logged out, then deleted",
        reseller_a_user,
    )
    assert event.ip_address == "127.0.0.1"


def test_deleting_again_is_harmless(admin: User, live: Instance, sandbox: SandboxControl) -> None:
    client = api_as(admin)
    assert client.delete(f"{BASE}/{live.pk}").status_code == 204
    before = sandbox.calls(live.pk)

    again = client.delete(f"{BASE}/{live.pk}")

    assert again.status_code == 204
    assert sandbox.calls(live.pk) == before


def test_a_phone_that_cannot_be_logged_out_stops_the_delete_unless_told(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("getStateInstance", "http500", idInstance=live.pk)
    client = api_as(reseller_a_user)

    refused = client.delete(f"{BASE}/{live.pk}")

    assert refused.status_code == 409
    assert problem_type(refused) == "conflict"
    assert "was not deleted" in refused.json()["detail"]
    assert sandbox.calls(live.pk).get("deleteInstanceAccount", 0) == 0
    live.refresh_from_db()
    assert not live.deleted
    assert AuditEvent.objects.get(action="instance.delete").result == "failed"

    anyway = client.delete(f"{BASE}/{live.pk}?skip_unreachable_logout=true")

    assert anyway.status_code == 204
    assert sandbox.instance(live.pk)["deleted"] is True


@pytest.mark.usefixtures("short_timeouts")
@pytest.mark.parametrize("kind", ["http500", "hang", "malformed"])
def test_a_failed_delete_is_409_and_loses_nothing(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    options: dict[str, Any] = {"idInstance": live.pk} | ({"seconds": 1.5} if kind == "hang" else {})
    sandbox.add_fault("deleteInstanceAccount", kind, **options)

    response = api_as(reseller_a_user).delete(f"{BASE}/{live.pk}")

    assert response.status_code == 409
    assert problem_type(response) == "conflict"
    assert response.json()["detail"]
    assert sandbox.calls(live.pk)["deleteInstanceAccount"] == 1
    assert sandbox.instance(live.pk)["deleted"] is False
    assert Instance.objects.filter(pk=live.pk, deleted=False).exists()


# Reboot and logout


def test_reboot_answers_the_instance_starting(
    support: User, live: Instance, sandbox: SandboxControl, settings: Any
) -> None:
    settings.SANDBOX_REBOOT_SECONDS = 60
    sandbox.set_state(live.pk, "authorized")

    response = api_as(support, [Scope.INSTANCES_WRITE]).post(f"{BASE}/{live.pk}/reboot")

    assert response.status_code == 200
    assert response.json()["id"] == live.pk
    assert response.json()["state"] == "starting"
    assert sandbox.calls(live.pk)["reboot"] == 1
    assert sandbox.instance(live.pk)["stateInstance"] == "starting"
    event = AuditEvent.objects.get(action="instance.reboot")
    assert (event.result, event.actor, event.via_token) == ("ok", support, "test token")


def test_logout_unlinks_the_phone(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")
    Instance.objects.filter(pk=live.pk).update(state=Instance.State.AUTHORIZED, phone="79001234567")

    response = api_as(reseller_a_user).post(f"{BASE}/{live.pk}/logout")

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["phone"]) == ("notAuthorized", "")
    assert sandbox.instance(live.pk)["deviceLinked"] is False
    assert StateChange.objects.filter(instance=live, source=StateChange.Source.ACTION).exists()
    assert AuditEvent.objects.get(action="instance.logout").result == "ok"


@pytest.mark.usefixtures("short_timeouts")
@pytest.mark.parametrize("action", ["reboot", "logout"])
@pytest.mark.parametrize("kind", ["http500", "http429", "hang", "malformed", "error200"])
def test_upstream_faults_are_a_409_saying_what_to_do_and_change_nothing(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, action: str, kind: str
) -> None:
    sandbox.set_state(live.pk, "authorized")
    Instance.objects.filter(pk=live.pk).update(state=Instance.State.AUTHORIZED)
    options: dict[str, Any] = {"idInstance": live.pk} | ({"seconds": 1.5} if kind == "hang" else {})
    sandbox.add_fault(action, kind, **options)

    response = api_as(reseller_a_user).post(f"{BASE}/{live.pk}/{action}")

    assert response.status_code == 409
    assert problem_type(response) == "conflict"
    assert response.json()["detail"].startswith("Could not ")
    live.refresh_from_db()
    assert live.state == Instance.State.AUTHORIZED
    assert AuditEvent.objects.get(action=f"instance.{action}").result == "failed"


def test_actions_on_a_deleted_instance_are_409_and_send_nothing(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    Instance.objects.filter(pk=live.pk).update(deleted=True)
    client = api_as(reseller_a_user)

    for method, suffix in [
        ("post", "/reboot"),
        ("post", "/logout"),
        ("get", "/settings"),
        ("patch", "/settings"),
        ("get", "/token"),
    ]:
        response = call(client, method, f"{BASE}/{live.pk}{suffix}")
        assert response.status_code == 409, (method, suffix)
        assert "this instance was deleted" in response.json()["detail"]
    assert sandbox.calls(live.pk) == {}


# Settings


def test_settings_read_as_green_api_has_them_without_the_webhook_token(
    reseller_a_user: User, live: Instance
) -> None:
    instance_client(live).set_settings(
        {
            "webhookUrl": "https://hooks.example.com/a",
            "webhookUrlToken": "hook-secret-7f3a9c",
            "stateWebhook": "yes",
            "incomingWebhook": "no",
        }
    )

    response = api_as(reseller_a_user, [Scope.INSTANCES_READ]).get(f"{BASE}/{live.pk}/settings")

    assert response.status_code == 200
    answer = response.json()
    assert answer["webhook_url"] == "https://hooks.example.com/a"
    assert answer["webhook_url_token_set"] is True
    assert answer["delay_send_messages_milliseconds"] == 3000
    assert answer["flags"]["state_webhook"] is True
    assert answer["flags"]["incoming_webhook"] is False
    assert len(answer["flags"]) == 14
    assert "hook-secret-7f3a9c" not in response.content.decode()


def test_settings_change_sends_only_what_is_given(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    instance_client(live).set_settings({"keepOnlineStatus": "yes"})
    sandbox.reset_calls()

    response = patch(
        api_as(reseller_a_user, [Scope.INSTANCES_WRITE]),
        live.pk,
        {
            "webhook_url": "https://hooks.example.com/new",
            "webhook_url_token": "new-secret-1",
            "delay_send_messages_milliseconds": 1500,
            "flags": {"incoming_call_webhook": True, "state_webhook": False},
        },
    )

    assert response.status_code == 204
    assert sandbox.calls(live.pk)["setSettings"] == 1
    remote = instance_client(live).get_settings()
    assert remote.webhook_url == "https://hooks.example.com/new"
    assert remote.webhook_url_token == "new-secret-1"
    assert remote.delay_send_messages_milliseconds == 1500
    assert (remote.incoming_call_webhook, remote.state_webhook) == ("yes", "no")
    assert remote.keep_online_status == "yes"  # not given, not touched
    event = AuditEvent.objects.get(action="instance.settings")
    assert event.result == "ok"
    assert "webhookUrlToken (replaced)" in event.detail
    assert "new-secret-1" not in event.detail
    live.refresh_from_db()
    assert live.state == Instance.State.STARTING


def test_the_webhook_token_can_be_removed(reseller_a_user: User, live: Instance) -> None:
    instance_client(live).set_settings({"webhookUrlToken": "old-secret"})

    response = patch(api_as(reseller_a_user), live.pk, {"webhook_url_token": None})

    assert response.status_code == 204
    assert instance_client(live).get_settings().webhook_url_token == ""


BAD_SETTINGS: list[tuple[Any, str]] = [
    ({}, "body"),
    ({"flags": {}}, "body"),
    ({"webhook_url": "ftp://example.com/hook"}, "webhook_url"),
    ({"webhook_url": "not a url"}, "webhook_url"),
    ({"webhook_url": "https://" + "a" * 600 + ".com"}, "webhook_url"),
    ({"webhook_url_token": "with space"}, "webhook_url_token"),
    ({"webhook_url_token": "тест"}, "webhook_url_token"),
    ({"webhook_url_token": "x" * 201}, "webhook_url_token"),
    ({"delay_send_messages_milliseconds": 499}, "delay_send_messages_milliseconds"),
    ({"delay_send_messages_milliseconds": 600_001}, "delay_send_messages_milliseconds"),
    ({"delay_send_messages_milliseconds": None}, "delay_send_messages_milliseconds"),
    ({"delay_send_messages_milliseconds": "fast"}, "delay_send_messages_milliseconds"),
    ({"flags": {"no_such_flag": True}}, "flags"),
    ({"flags": {"state_webhook": "perhaps"}}, "flags"),
    ({"flags": "all"}, "flags"),
    ({"stateWebhook": "yes"}, "stateWebhook"),
    ({"webhook_url": 5}, "webhook_url"),
    ([], "body"),
    ("settings", "body"),
]


def test_bad_settings_are_422_per_field_and_send_nothing(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    client = api_as(reseller_a_user)
    for data, field in BAD_SETTINGS:
        response = patch(client, live.pk, data)
        assert response.status_code == 422, (data, response.content)
        assert problem_type(response) == "validation"
        locations = [error["location"] for error in response.json()["errors"]]
        assert any(field in location for location in locations), (data, locations)
    for raw in (b"", b"{", b"\xff"):
        response = client.client.patch(
            f"{BASE}/{live.pk}/settings",
            raw,
            content_type="application/json",
            headers=client.headers,
        )
        assert response.status_code in {400, 422}, (raw, response.content)
    assert sandbox.calls(live.pk).get("setSettings", 0) == 0


@pytest.mark.usefixtures("short_timeouts")
@pytest.mark.parametrize("method", ["getSettings", "setSettings"])
@pytest.mark.parametrize("kind", ["http500", "hang", "malformed", "error200"])
def test_settings_faults_are_a_409_and_the_failed_change_is_audited(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, method: str, kind: str
) -> None:
    options: dict[str, Any] = {"idInstance": live.pk} | ({"seconds": 1.5} if kind == "hang" else {})
    sandbox.add_fault(method, kind, **options)
    client = api_as(reseller_a_user)

    if method == "getSettings":
        response = client.get(f"{BASE}/{live.pk}/settings")
    else:
        response = patch(client, live.pk, A_CHANGE)

    assert response.status_code == 409
    assert problem_type(response) == "conflict"
    assert response.json()["detail"].startswith("Could not ")
    if method == "setSettings":
        event = AuditEvent.objects.get(action="instance.settings")
        assert event.result == "failed"


# Token


def test_the_token_is_revealed_uncached_and_audited_like_the_page(
    reseller_a_user: User, live: Instance
) -> None:
    response = api_as(reseller_a_user, [Scope.INSTANCES_REVEAL]).get(f"{BASE}/{live.pk}/token")

    assert response.status_code == 200
    assert response.json() == {"id": live.pk, "api_token": live.api_token}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="instance.token_reveal")
    assert (event.result, event.actor, event.target_id) == ("ok", reseller_a_user, str(live.pk))
    assert event.ip_address == "127.0.0.1"
    assert live.api_token not in f"{event.detail} {event.target_label}"


def test_the_token_is_in_no_other_answer(
    admin: User, reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    client = api_as(reseller_a_user)
    created = client.post(
        BASE, {"name": "Second bot"}, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert created.status_code == 201
    second = Instance.objects.get(pk=created.json()["id"])
    secrets = {live.api_token, second.api_token}
    assert all(len(secret) > 20 for secret in secrets)
    order = f"{BASE}/orders/{created.json()['order']['id']}"
    answers = [
        created,
        client.post(BASE, {"name": "Second bot"}, headers={"Idempotency-Key": "x"}),
        client.get(BASE),
        client.get(f"{BASE}/{live.pk}"),
        client.get(order),
        client.get(f"{BASE}/{live.pk}/settings"),
        patch(client, live.pk, A_CHANGE),
        patch(client, live.pk, {"webhook_url_token": "bad token"}),
        client.post(f"{BASE}/{live.pk}/reboot"),
        client.post(f"{BASE}/{live.pk}/logout"),
        api_as(admin, [Scope.INSTANCES_READ]).get(f"{BASE}/{live.pk}/token"),
        api_as(admin).get(f"{BASE}/{live.pk}"),
        client.delete(f"{BASE}/{second.pk}"),
        client.get(f"{BASE}/{second.pk}/token"),  # deleted: refused
    ]
    for response in answers:
        assert response.status_code < 500, response.content
        text = response.content.decode()
        if text:
            _walk(json.loads(text), secrets)
        for secret in secrets:
            assert secret not in text
            assert all(secret not in value for value in response.headers.values())


def _walk(value: Any, secrets: set[str]) -> None:
    """Every string anywhere in a JSON answer, checked for a secret."""
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(key, secrets)
            _walk(item, secrets)
    elif isinstance(value, list):
        for item in value:
            _walk(item, secrets)
    elif isinstance(value, str):
        assert not any(secret in value for secret in secrets), value
