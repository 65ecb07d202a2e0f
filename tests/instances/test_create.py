"""Creating an instance: exactly one paid createInstance per form, whatever goes wrong."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent, Reseller, User
from core.errors import ApplicationError
from greenapi import CreateInstanceParams
from instances.greenapi_factory import instance_client, partner_client
from instances.models import CreateOrder, Instance
from instances.quota import quota_room
from instances.services import create as create_service
from instances.services.sync import instances_sync
from tests.support.pages import logged_in
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


def form_data(key: uuid.UUID | None = None, **overrides: Any) -> dict[str, Any]:
    data = {
        "key": str(key or uuid.uuid4()),
        "name": "Bakery bot",
        "messenger": "whatsapp",
        "webhook_url": "https://hooks.example.com/green",
        "webhook_url_token": "hook-secret-123",
        "state_webhook": "on",
        "incoming_webhook": "on",
    }
    return data | overrides


def remote_names() -> list[str]:
    return [item.name for item in partner_client().get_instances() if not item.deleted]


def test_reseller_creates_one_instance_and_lands_on_its_page(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    response = logged_in(reseller_a_user).post("/instances/new/", form_data())

    instance = Instance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/instances/{instance.id_instance}/connect/"
    assert instance.reseller == reseller_a_user.reseller
    assert instance.created_by == reseller_a_user
    assert instance.name == "Bakery bot"
    assert sandbox.calls()["createInstance"] == 1
    settings = sandbox.instance(instance.id_instance)
    assert settings["idInstance"] == instance.id_instance
    event = AuditEvent.objects.get(action="instance.create")
    assert event.target_id == str(instance.id_instance)
    assert event.result == AuditEvent.Result.OK


def test_create_form_sends_the_chosen_settings(admin: User, sandbox: SandboxControl) -> None:
    logged_in(admin).post("/instances/new/", form_data(keep_online_status="on"))

    instance = Instance.objects.get()
    remote = instance_client(instance).get_settings()
    assert remote.state_webhook == "yes"
    assert remote.keep_online_status == "yes"
    assert remote.incoming_call_webhook == "no"
    assert remote.webhook_url == "https://hooks.example.com/green"
    assert instance.reseller is None  # an admin may leave it unassigned


def test_double_submit_creates_one_instance(reseller_a_user: User, sandbox: SandboxControl) -> None:
    client = logged_in(reseller_a_user)
    data = form_data()

    first = client.post("/instances/new/", data)
    second = client.post("/instances/new/", data)

    assert first["Location"] == second["Location"]
    assert Instance.objects.count() == 1
    assert CreateOrder.objects.count() == 1
    assert sandbox.calls()["createInstance"] == 1


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs a database that allows concurrent writers"
)
def test_twenty_concurrent_submits_of_one_key_make_one_call(
    admin: User, reseller_a: Reseller, sandbox: SandboxControl
) -> None:
    data = form_data(reseller=str(reseller_a.pk))
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def submit() -> None:
        client = logged_in(admin)
        barrier.wait()
        statuses.append(client.post("/instances/new/", data).status_code)
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 20
    assert sandbox.calls()["createInstance"] == 1
    assert CreateOrder.objects.count() == 1
    assert Instance.objects.count() == 1
    assert remote_names().count("Bakery bot") == 1


def test_lost_answer_settles_to_the_one_instance_without_a_second_call(
    admin: User, settings: Any, sandbox: SandboxControl
) -> None:
    settings.GREEN_API_READ_TIMEOUT = 0.5
    settings.GREEN_API_DEADLINE = 1.0
    # Green API creates the instance, then the answer never arrives in time.
    sandbox.add_fault("createInstance", "hang", after=True, seconds=2, times=1)

    response = logged_in(admin).post("/instances/new/", form_data())

    order = CreateOrder.objects.get()
    assert order.status == CreateOrder.Status.DONE
    assert response["Location"] == f"/instances/{order.instance_id}/connect/"
    assert sandbox.calls()["createInstance"] == 1
    assert remote_names().count("Bakery bot") == 1
    assert Instance.objects.get().created_by == admin


def test_server_error_after_the_work_settles_without_a_second_call(
    admin: User, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("createInstance", "http500", after=True, times=1)

    logged_in(admin).post("/instances/new/", form_data())

    assert CreateOrder.objects.get().status == CreateOrder.Status.DONE
    assert sandbox.calls()["createInstance"] == 1
    assert Instance.objects.count() == 1


def test_unknown_outcome_stays_pending_until_the_sync_finds_the_instance(
    admin: User, settings: Any, sandbox: SandboxControl
) -> None:
    settings.GREEN_API_READ_TIMEOUT = 0.5
    settings.GREEN_API_DEADLINE = 1.0
    sandbox.add_fault("createInstance", "http502", times=1)
    client = logged_in(admin)

    response = client.post("/instances/new/", form_data())

    order = CreateOrder.objects.get()
    assert order.status == CreateOrder.Status.PENDING
    assert response["Location"] == f"/instances/orders/{order.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "We will not ask again" in page
    # Green API never made it (the 502 came before the work): the order fails once time is up.
    CreateOrder.objects.filter(pk=order.pk).update(
        created_at=order.created_at - create_service.SETTLE_GIVE_UP
    )
    instances_sync()
    order.refresh_from_db()
    assert order.status == CreateOrder.Status.FAILED
    assert "not created" in order.message
    assert sandbox.calls()["createInstance"] == 1
    assert not Instance.objects.exists()


def test_pending_order_is_settled_by_the_sync_when_the_instance_appears(
    admin: User, settings: Any, sandbox: SandboxControl
) -> None:
    settings.GREEN_API_READ_TIMEOUT = 0.3
    settings.GREEN_API_DEADLINE = 0.6
    # The request outlives the client; the instance is made after we gave up and settled once.
    sandbox.add_fault("createInstance", "hang", seconds=1.5, times=1)
    sandbox.add_fault("getInstances", "http500", times=3)

    logged_in(admin).post("/instances/new/", form_data())
    assert CreateOrder.objects.get().status == CreateOrder.Status.PENDING

    for _ in range(50):  # wait for the emulator thread to finish the delayed create
        if "Bakery bot" in remote_names():
            break
        threading.Event().wait(0.1)
    instances_sync()

    order = CreateOrder.objects.get()
    assert order.status == CreateOrder.Status.DONE
    assert order.instance.created_by == admin
    assert sandbox.calls()["createInstance"] == 1


def test_refusal_fails_the_order_and_says_why(admin: User, sandbox: SandboxControl) -> None:
    sandbox.add_fault(
        "createInstance", "error200", body={"code": 401, "description": "Unauthorized"}, times=1
    )
    client = logged_in(admin)

    response = client.post("/instances/new/", form_data())

    order = CreateOrder.objects.get()
    assert order.status == CreateOrder.Status.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "The instance was not created" in page
    assert not Instance.objects.exists()
    assert AuditEvent.objects.get(action="instance.create").result == AuditEvent.Result.FAILED


def test_quota_is_enforced(reseller_a_user: User, sandbox: SandboxControl) -> None:
    reseller = reseller_a_user.reseller
    reseller.instance_quota = 1
    reseller.save()
    Instance.objects.create(id_instance=1101000077, name="Existing", reseller=reseller)

    response = logged_in(reseller_a_user).post("/instances/new/", form_data())

    assert response.status_code == 200
    assert "already has its quota of 1 instances" in response.content.decode()
    assert "createInstance" not in sandbox.calls()


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs a database that allows concurrent writers"
)
def test_quota_cannot_be_raced(reseller_a_user: User, sandbox: SandboxControl) -> None:
    reseller = reseller_a_user.reseller
    reseller.instance_quota = 1
    reseller.save()
    barrier = threading.Barrier(5)

    def submit(n: int) -> None:
        client = logged_in(reseller_a_user)
        barrier.wait()
        client.post("/instances/new/", form_data(name=f"Racer {n}"))
        connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Instance.objects.filter(reseller=reseller).count() == 1
    assert sandbox.calls()["createInstance"] == 1


def test_reseller_user_cannot_create_for_another_reseller(
    reseller_a_user: User, reseller_b: Reseller, sandbox: SandboxControl
) -> None:
    logged_in(reseller_a_user).post("/instances/new/", form_data(reseller=str(reseller_b.pk)))

    assert Instance.objects.get().reseller == reseller_a_user.reseller


def test_support_agent_must_choose_a_reseller(support: User, sandbox: SandboxControl) -> None:
    response = logged_in(support).post("/instances/new/", form_data())

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert "createInstance" not in sandbox.calls()


def test_support_agent_cannot_pick_an_inactive_reseller(
    support: User, reseller_a: Reseller, sandbox: SandboxControl
) -> None:
    reseller_a.is_active = False
    reseller_a.save()
    response = logged_in(support).post("/instances/new/", form_data(reseller=str(reseller_a.pk)))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required"),
        ("name", "x" * 101, "at most 100 characters"),
        ("name", "bad\x01name", "control characters"),
        ("webhook_url", "not a url", "Enter a valid URL"),
        ("webhook_url", "ftp://example.com/hook", "must start with https:// or http://"),
        ("delay_send_messages_milliseconds", "499", "greater than or equal to 500"),
        ("delay_send_messages_milliseconds", "600001", "less than or equal to 600000"),
        ("delay_send_messages_milliseconds", "ten", "Enter a whole number"),
        ("messenger", "icq", "Select a valid choice"),
        ("key", "not-a-uuid", "This form was damaged in transit"),
    ],
)
def test_bad_input_is_a_form_error_and_calls_nothing(
    admin: User, sandbox: SandboxControl, field: str, value: str, message: str
) -> None:
    response = logged_in(admin).post("/instances/new/", form_data(**{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "createInstance" not in sandbox.calls()


def test_unicode_name_is_kept(admin: User, sandbox: SandboxControl) -> None:
    logged_in(admin).post("/instances/new/", form_data(name="Пекарня 🍞 café"))
    assert Instance.objects.get().name == "Пекарня 🍞 café"


def test_form_renders_a_fresh_key_and_never_echoes_the_webhook_token(admin: User) -> None:
    client = logged_in(admin)
    first = client.get("/instances/new/").content.decode()
    second = client.get("/instances/new/").content.decode()
    assert 'name="key"' in first
    assert first.split('name="key" value="')[1][:36] != second.split('name="key" value="')[1][:36]

    invalid = client.post("/instances/new/", form_data(name="")).content.decode()
    assert "hook-secret-123" not in invalid


def test_two_pending_orders_with_one_name_are_never_guessed(
    admin: User, reseller_a: Reseller, reseller_b: Reseller, sandbox: SandboxControl
) -> None:
    # Both creates happen upstream but their answers are lost: which instance is whose?
    sandbox.add_fault("createInstance", "http500", after=True, times=2)
    sandbox.add_fault("getInstances", "http500", times=6)
    client = logged_in(admin)
    client.post("/instances/new/", form_data(name="Same name", reseller=str(reseller_a.pk)))
    client.post("/instances/new/", form_data(name="Same name", reseller=str(reseller_b.pk)))
    assert set(CreateOrder.objects.values_list("status", flat=True)) == {"pending"}

    instances_sync()

    assert set(CreateOrder.objects.values_list("status", flat=True)) == {"pending"}
    assert not Instance.objects.filter(reseller__isnull=False).exists()
    assert sandbox.calls()["createInstance"] == 2


@pytest.mark.parametrize(
    ("kind", "after", "status"),
    [
        # Refused before any work: one look at getInstances confirms nothing was made.
        ("http429", False, CreateOrder.Status.FAILED),
        ("text", False, CreateOrder.Status.FAILED),  # the "expired" text
        # Refused after the work: that look finds the instance, and the order gets it.
        ("http429", True, CreateOrder.Status.DONE),
        ("text", True, CreateOrder.Status.DONE),
        # Broken answer after the work: settled from the list to the one instance.
        ("malformed", True, CreateOrder.Status.DONE),
        # Broken answer, no work: it stays pending (never re-sent) until the sync gives up.
        ("malformed", False, CreateOrder.Status.PENDING),
    ],
)
def test_refused_or_unreadable_answer_never_pays_twice(
    admin: User, sandbox: SandboxControl, kind: str, after: bool, status: str
) -> None:
    sandbox.add_fault("createInstance", kind, times=1, after=after)

    response = logged_in(admin).post("/instances/new/", form_data())

    assert response.status_code == 302
    assert CreateOrder.objects.get().status == status
    assert sandbox.calls()["createInstance"] == 1
    assert remote_names().count("Bakery bot") == (1 if after else 0)
    assert Instance.objects.count() == (1 if after else 0)
    if status == CreateOrder.Status.DONE:
        assert Instance.objects.get().created_by == admin


def test_a_refusal_stays_pending_when_the_look_at_the_list_fails(
    admin: User, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("createInstance", "http429", after=True, times=1)
    sandbox.add_fault("getInstances", "http500")

    logged_in(admin).post("/instances/new/", form_data())

    order = CreateOrder.objects.get()
    assert order.status == CreateOrder.Status.PENDING
    assert not AuditEvent.objects.filter(result=AuditEvent.Result.FAILED).exists()
    sandbox.clear_faults()
    instances_sync()
    order.refresh_from_db()
    assert order.status == CreateOrder.Status.DONE
    assert order.instance.created_by == admin
    assert sandbox.calls()["createInstance"] == 1


def test_an_order_is_never_failed_from_a_look_that_lost_the_list(
    admin: User, sandbox: SandboxControl
) -> None:
    for n in range(3):
        partner_client().create_instance(CreateInstanceParams(name=f"Shop {n}"))
    instances_sync()
    later = timezone.now() + create_service.CLOCK_SKEW + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        order = CreateOrder.objects.create(
            key=uuid.uuid4(), name="Lost shop", status=CreateOrder.Status.PENDING
        )
        CreateOrder.objects.filter(pk=order.pk).update(
            created_at=timezone.now() - create_service.SETTLE_GIVE_UP - timedelta(minutes=1)
        )
        order.refresh_from_db()
        sandbox.add_fault("getInstances", "error200", body=[], times=1)

        assert create_service.order_settle(order).status == CreateOrder.Status.PENDING
        # A whole answer that does not list it settles it as not created.
        assert create_service.order_settle(order).status == CreateOrder.Status.FAILED


def test_another_tenants_form_key_is_refused_and_reveals_nothing(
    reseller_a_user: User, reseller_b_user: User, sandbox: SandboxControl
) -> None:
    key = uuid.uuid4()
    logged_in(reseller_a_user).post("/instances/new/", form_data(key, name="Secret bakery"))
    order = CreateOrder.objects.get()

    response = logged_in(reseller_b_user).post("/instances/new/", form_data(key, name="Mine"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "This form was already submitted; reload the page to start again" in page
    assert "Secret bakery" not in page
    assert f"/instances/orders/{order.pk}/" not in page
    assert str(order.instance_id) not in page
    assert CreateOrder.objects.count() == 1
    assert sandbox.calls()["createInstance"] == 1


def test_another_tenants_form_key_is_refused_by_the_service(
    reseller_a_user: User, reseller_b_user: User, sandbox: SandboxControl
) -> None:
    key = uuid.uuid4()
    logged_in(reseller_a_user).post("/instances/new/", form_data(key))

    with pytest.raises(ApplicationError, match="already submitted"):
        create_service.instance_create(
            user=reseller_b_user,
            key=key,
            reseller=reseller_b_user.reseller,
            params=CreateInstanceParams(name="Mine"),
        )


def test_a_create_that_never_reached_green_api_fails_at_once(admin: User, settings: Any) -> None:
    # The connection was never made, so nothing can have been created: no look is needed.
    settings.GREEN_API_PARTNER_URL = "http://127.0.0.1:9/sandbox"

    logged_in(admin).post("/instances/new/", form_data())

    order = CreateOrder.objects.get()
    assert order.status == CreateOrder.Status.FAILED
    assert "Could not connect to Green API" in order.message
    assert AuditEvent.objects.get(action="instance.create").result == AuditEvent.Result.FAILED


def test_the_quota_is_counted_from_one_snapshot(reseller_a: Reseller) -> None:
    # Live instances and open orders in two statements could each miss an order that completes
    # between them (its instance made and the order closed in one commit).
    reseller_a.instance_quota = 3
    Instance.objects.create(id_instance=1101000300, api_token="x" * 50, reseller=reseller_a)
    CreateOrder.objects.create(key=uuid.uuid4(), name="Open", reseller=reseller_a)

    with CaptureQueriesContext(connection) as queries:
        room = quota_room(reseller_a)

    assert room == 1
    assert len(queries.captured_queries) == 1
