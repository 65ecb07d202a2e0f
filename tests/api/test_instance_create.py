"""POST /api/v1/instances: one createInstance per Idempotency-Key, whatever the retries, and
the create form's rules for what may be created for whom."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEvent, Reseller, User
from api.models import ApiIdempotencyKey, Scope
from instances.greenapi_factory import instance_client, partner_client
from instances.models import CreateOrder, Instance
from tests.support.api import ApiClient, api_as, token_for
from tests.support.parallel import postgres_only
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")

URL = "/api/v1/instances"
PROBLEM = "urn:partnerportal:problem:"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Bakery bot",
        "messenger": "whatsapp",
        "webhook_url": "https://hooks.example.com/green",
        "webhook_url_token": "hook-secret-123",
        "flags": {"incoming_call_webhook": True},
    } | overrides


def create(client: ApiClient, data: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post(URL, data, headers=headers)


def remote_names() -> list[str]:
    return [item.name for item in partner_client().get_instances() if not item.deleted]


def test_reseller_creates_an_instance_and_gets_it_with_its_order(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    response = create(api_as(reseller_a_user, [Scope.INSTANCES_WRITE]), body())

    assert response.status_code == 201
    instance = Instance.objects.get()
    assert response["Location"] == f"/api/v1/instances/{instance.pk}"
    answer = response.json()
    assert answer["id"] == instance.pk
    assert answer["name"] == "Bakery bot"
    assert answer["reseller_id"] == reseller_a_user.reseller_id
    assert answer["order"]["status"] == "done"
    assert answer["order"]["instance_id"] == instance.pk
    assert instance.reseller == reseller_a_user.reseller
    assert instance.created_by == reseller_a_user
    assert sandbox.calls()["createInstance"] == 1
    remote = instance_client(instance).get_settings()
    assert remote.webhook_url == "https://hooks.example.com/green"
    assert remote.incoming_call_webhook == "yes"
    assert remote.state_webhook == "yes"  # the form's default for a flag left out
    assert remote.keep_online_status == "no"
    event = AuditEvent.objects.get(action="instance.create")
    assert (event.result, event.target_id, event.actor) == ("ok", str(instance.pk), reseller_a_user)
    assert event.ip_address == "127.0.0.1"


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_no_second_create(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    client = api_as(reseller_a_user)
    key = str(uuid.uuid4())

    first = create(client, body(), key)
    # The same meaning written differently (defaults spelt out, keys in another order).
    again = {
        "flags": {"state_webhook": True, "incoming_call_webhook": True},
        "delay_send_messages_milliseconds": None,
        "webhook_url_token": "hook-secret-123",
        "webhook_url": "https://hooks.example.com/green",
        "name": "Bakery bot",
    }
    second = create(client, again, key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.content == second.content
    assert first["Location"] == second["Location"]
    assert sandbox.calls()["createInstance"] == 1
    assert CreateOrder.objects.count() == 1
    assert Instance.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    client = api_as(reseller_a_user)
    key = str(uuid.uuid4())
    create(client, body(), key)

    response = create(client, body(name="Another bot"), key)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM + "idempotency-key-reused"
    assert sandbox.calls()["createInstance"] == 1
    assert remote_names() == ["Bakery bot"]


def test_keys_are_per_user(admin: User, reseller_a_user: User, sandbox: SandboxControl) -> None:
    key = str(uuid.uuid4())

    mine = create(api_as(reseller_a_user), body(), key)
    theirs = create(api_as(admin), body(name="Partner bot"), key)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert sandbox.calls()["createInstance"] == 2
    assert ApiIdempotencyKey.objects.filter(key=key).count() == 2


def test_a_missing_or_malformed_key_is_refused_before_anything_is_sent(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    client = api_as(reseller_a_user)

    missing = client.post(URL, body())
    too_long = create(client, body(), "k" * 256)
    with_space = create(client, body(), "my key")

    assert missing.status_code == 400
    assert missing.json()["type"] == PROBLEM + "idempotency-key-required"
    for response in (too_long, with_space):
        assert response.status_code == 422
        assert response.json()["errors"][0]["location"] == "header.Idempotency-Key"
    assert "createInstance" not in sandbox.calls()
    assert not ApiIdempotencyKey.objects.exists()


BAD_BODIES = [
    ({"messenger": "whatsapp"}, "name"),
    (body(name=""), "name"),
    (body(name="x" * 101), "name"),
    (body(name="Bad\x07name"), "name"),
    (body(name=17), "name"),
    (body(messenger="icq"), "messenger"),
    (body(webhook_url="ftp://example.com/hook"), "webhook_url"),
    (body(webhook_url="not a url"), "webhook_url"),
    (body(delay_send_messages_milliseconds=499), "delay_send_messages_milliseconds"),
    (body(delay_send_messages_milliseconds="soon"), "delay_send_messages_milliseconds"),
    (body(flags={"no_such_flag": True}), "flags"),
    (body(flags={"state_webhook": "maybe"}), "flags"),
    (body(flags=["state_webhook"]), "flags"),
    (body(reseller_id=0), "reseller_id"),
    (body(surprise=True), "surprise"),
]


def test_bad_bodies_are_422_naming_the_field_and_send_nothing(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    client = api_as(reseller_a_user)
    for data, field in BAD_BODIES:
        response = create(client, data)
        assert response.status_code == 422, (data, response.content)
        assert response.json()["type"] == PROBLEM + "validation"
        locations = [error["location"] for error in response.json()["errors"]]
        assert any(field in location for location in locations), (data, locations)
    for raw in (b"", b"{", b"[]", b'"x"', b"null"):
        response = client.client.post(
            URL,
            raw,
            content_type="application/json",
            headers=client.headers | {"Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code in {400, 422}, (raw, response.content)
        assert response["Content-Type"] == "application/problem+json"
    assert "createInstance" not in sandbox.calls()
    assert not CreateOrder.objects.exists()


def test_the_reseller_is_chosen_by_the_create_forms_rules(
    admin: User,
    support: User,
    reseller_a_user: User,
    reseller_a: Reseller,
    reseller_b: Reseller,
    sandbox: SandboxControl,
) -> None:
    # A reseller creates for itself only; support must name a reseller; an admin may leave it
    # unassigned. Inactive resellers are no choice.
    for_b = create(api_as(reseller_a_user), body(reseller_id=reseller_b.pk))
    support_unnamed = create(api_as(support), body())
    reseller_b.is_active = False
    reseller_b.save()
    inactive = create(api_as(admin), body(reseller_id=reseller_b.pk))
    assert [r.status_code for r in (for_b, support_unnamed, inactive)] == [422, 422, 422]
    assert "createInstance" not in sandbox.calls()

    own = create(api_as(reseller_a_user), body(reseller_id=reseller_a.pk))
    by_support = create(api_as(support), body(name="Support bot", reseller_id=reseller_a.pk))
    unassigned = create(api_as(admin), body(name="Partner bot"))

    assert [r.status_code for r in (own, by_support, unassigned)] == [201, 201, 201]
    assert [own.json()["reseller_id"], by_support.json()["reseller_id"]] == [reseller_a.pk] * 2
    assert unassigned.json()["reseller_id"] is None


def test_a_full_quota_is_409_and_nothing_is_sent(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    reseller = reseller_a_user.reseller
    assert reseller is not None
    reseller.instance_quota = 1
    reseller.save()
    Instance.objects.create(id_instance=1101000077, name="Existing", reseller=reseller)
    client = api_as(reseller_a_user)
    key = str(uuid.uuid4())

    response = create(client, body(), key)

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "conflict"
    assert "already has its quota of 1 instances" in response.json()["detail"]
    assert "createInstance" not in sandbox.calls()
    # Nothing was created, so the same key may try again once there is room.
    Instance.objects.filter(pk=1101000077).update(deleted=True)
    assert create(client, body(), key).status_code == 201
    assert sandbox.calls()["createInstance"] == 1


def test_a_token_without_the_write_scope_cannot_create(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    response = create(api_as(reseller_a_user, [Scope.INSTANCES_READ]), body())

    assert response.status_code == 403
    assert response.json()["type"] == PROBLEM + "insufficient-scope"
    assert "createInstance" not in sandbox.calls()


def test_a_lost_answer_is_202_with_the_pending_order_and_is_never_sent_again(
    reseller_a_user: User, reseller_b_user: User, settings: Any, sandbox: SandboxControl
) -> None:
    settings.GREEN_API_READ_TIMEOUT = 0.5
    settings.GREEN_API_DEADLINE = 1.0
    # A 502 from the gateway: the outcome is unknown, so the order waits for Green API's list.
    sandbox.add_fault("createInstance", "http502", times=1)
    client = api_as(reseller_a_user)
    key = str(uuid.uuid4())

    response = create(client, body(), key)

    order = CreateOrder.objects.get()
    assert response.status_code == 202
    assert response["Location"] == f"/api/v1/instances/orders/{order.pk}"
    answer = response.json()
    assert (answer["id"], answer["status"], answer["instance_id"]) == (order.pk, "pending", None)
    assert answer["message"]
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    assert shown.json()["status"] == "pending"
    again = create(client, body(), key)
    assert (again.status_code, again.json()["id"]) == (202, order.pk)
    assert sandbox.calls()["createInstance"] == 1
    # Another reseller's order is a 404, like a missing one.
    other = api_as(reseller_b_user).get(response["Location"])
    missing = client.get("/api/v1/instances/orders/999999")
    assert (other.status_code, missing.status_code) == (404, 404)
    assert other.json() == missing.json() | {"instance": other.json()["instance"]}


def test_a_lost_answer_after_the_work_settles_to_201_without_a_second_call(
    admin: User, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("createInstance", "http500", after=True, times=1)

    response = create(api_as(admin), body())

    assert response.status_code == 201
    assert response.json()["order"]["status"] == "done"
    assert sandbox.calls()["createInstance"] == 1
    assert remote_names() == ["Bakery bot"]


def test_a_refusal_is_a_502_order_failed_kept_for_the_key(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    sandbox.add_fault(
        "createInstance", "error200", body={"code": 401, "description": "Unauthorized"}, times=1
    )
    client = api_as(reseller_a_user)
    key = str(uuid.uuid4())

    response = create(client, body(), key)
    again = create(client, body(), key)

    assert response.status_code == 502
    problem = response.json()
    assert problem["type"] == PROBLEM + "order-failed"
    assert problem["order"]["status"] == "failed"
    assert again.status_code == 502
    assert again.content == response.content
    assert sandbox.calls()["createInstance"] == 1
    assert not Instance.objects.exists()
    assert AuditEvent.objects.get(action="instance.create").result == AuditEvent.Result.FAILED


@pytest.mark.slow
@postgres_only
def test_twenty_concurrent_requests_with_one_key_make_one_call_and_one_answer(
    admin: User, reseller_a: Reseller, sandbox: SandboxControl
) -> None:
    secret = token_for(admin, [Scope.INSTANCES_WRITE])
    data = body(reseller_id=reseller_a.pk)
    key = str(uuid.uuid4())
    answers: list[tuple[int, bytes]] = []
    reverse("login")  # Django fills its URL resolver on first use; twenty threads at once trip
    barrier = threading.Barrier(20)

    def send() -> None:
        try:
            client = ApiClient(secret)
            barrier.wait()
            response = create(client, data, key)
            answers.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 20
    assert {status for status, _ in answers} == {201}
    assert len({content for _, content in answers}) == 1
    assert sandbox.calls()["createInstance"] == 1
    assert CreateOrder.objects.count() == 1
    assert Instance.objects.count() == 1
    assert remote_names().count("Bakery bot") == 1
