"""With PUBLIC_BASE_URL set, new instances report their states to the portal by webhook."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from accounts.models import User
from core.crypto import token_digest
from greenapi import CreateInstanceParams
from instances.models import CreateOrder, Instance, StateChange
from instances.services.create import instance_create
from instances.services.settings import instance_settings_save
from instances.services.sync import instances_sync
from tests.support.pages import logged_in
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")

PORTAL = "https://portal.example.com"


def form_data(**overrides: Any) -> dict[str, Any]:
    return {
        "key": str(uuid.uuid4()),
        "name": "Bakery bot",
        "messenger": "whatsapp",
        "webhook_url": "",
        "incoming_webhook": "on",
    } | overrides


def remote_settings(sandbox: SandboxControl, instance: Instance) -> dict[str, Any]:
    settings: dict[str, Any] = sandbox.instance(instance.id_instance)["settings"]
    return settings


def test_an_instance_without_a_webhook_url_gets_the_portals(
    admin: User, settings: Any, sandbox: SandboxControl
) -> None:
    settings.PUBLIC_BASE_URL = PORTAL

    logged_in(admin).post("/instances/new/", form_data())

    instance = Instance.objects.get()
    remote = remote_settings(sandbox, instance)
    assert remote["webhookUrl"] == "https://portal.example.com/webhooks/green-api/"
    assert remote["stateWebhook"] == "yes"
    assert remote["incomingWebhook"] == "yes"  # the customer's other choices stand
    assert len(remote["webhookUrlToken"]) >= 40
    # Only its digest is kept: enough to check a webhook, useless to anyone who reads the row.
    assert instance.webhook_token_hash == token_digest(remote["webhookUrlToken"])
    assert remote["webhookUrlToken"] not in str(Instance.objects.values().get())
    assert remote["webhookUrlToken"] not in str(CreateOrder.objects.values().get())


def test_each_instance_gets_a_token_of_its_own(admin: User, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = PORTAL
    client = logged_in(admin)

    client.post("/instances/new/", form_data(name="One"))
    client.post("/instances/new/", form_data(name="Two"))

    one, two = (instance.webhook_token_hash for instance in Instance.objects.order_by("name"))
    assert one
    assert two
    assert one != two


def test_a_customers_own_webhook_url_is_kept(
    admin: User, settings: Any, sandbox: SandboxControl
) -> None:
    settings.PUBLIC_BASE_URL = PORTAL

    logged_in(admin).post(
        "/instances/new/",
        form_data(webhook_url="https://hooks.example.com/green", webhook_url_token="theirs"),
    )

    instance = Instance.objects.get()
    remote = remote_settings(sandbox, instance)
    assert (remote["webhookUrl"], remote["webhookUrlToken"]) == (
        "https://hooks.example.com/green",
        "theirs",
    )
    assert remote["stateWebhook"] == "no"
    assert instance.webhook_token_hash == ""  # polling keeps its state


def test_without_a_public_base_url_nothing_is_added(
    admin: User, settings: Any, sandbox: SandboxControl
) -> None:
    settings.PUBLIC_BASE_URL = ""

    logged_in(admin).post("/instances/new/", form_data())

    instance = Instance.objects.get()
    assert remote_settings(sandbox, instance).get("webhookUrl", "") == ""
    assert instance.webhook_token_hash == ""


def test_an_order_settled_later_still_gets_its_token(
    admin: User, settings: Any, sandbox: SandboxControl
) -> None:
    settings.PUBLIC_BASE_URL = PORTAL
    # Made upstream, answered with a 500; the look at the list fails too: the order waits.
    sandbox.add_fault("createInstance", "http500", after=True, times=1)
    sandbox.add_fault("getInstances", "http500", times=3)

    order = instance_create(
        user=admin, key=uuid.uuid4(), reseller=None, params=CreateInstanceParams(name="Late")
    )
    assert order.status == CreateOrder.Status.PENDING
    instances_sync()

    instance = Instance.objects.get()
    remote_token = remote_settings(sandbox, instance)["webhookUrlToken"]
    assert instance.webhook_token_hash == token_digest(remote_token)
    assert CreateOrder.objects.get().status == CreateOrder.Status.DONE


def test_states_arrive_by_webhook_without_a_poll(
    admin: User, settings: Any, live_server: Any, sandbox: SandboxControl
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SANDBOX_RATE_LIMITS = False
    logged_in(admin).post("/instances/new/", form_data())
    instance = Instance.objects.get()
    sandbox.reset_calls()

    sandbox.scan(sandbox.instance(instance.id_instance)["currentQrPayload"], 79001112233)
    instance.refresh_from_db()
    assert (instance.state, instance.phone) == (Instance.State.AUTHORIZED, "79001112233")
    assert instance.state_source == StateChange.Source.WEBHOOK

    sandbox.set_state(instance.id_instance, "blocked")
    instance.refresh_from_db()
    assert instance.state == Instance.State.BLOCKED

    sandbox.set_state(instance.id_instance, "notAuthorized")
    instance.refresh_from_db()
    assert (instance.state, instance.phone) == (Instance.State.NOT_AUTHORIZED, "")
    assert sandbox.calls(instance.id_instance).get("getStateInstance", 0) == 0
    sources = set(StateChange.objects.filter(instance=instance).values_list("source", flat=True))
    assert StateChange.Source.WEBHOOK in sources


def test_moving_the_webhook_away_from_the_portal_forgets_its_token(
    admin: User, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = PORTAL
    settings.SANDBOX_RATE_LIMITS = False
    logged_in(admin).post("/instances/new/", form_data())
    instance = Instance.objects.get()

    instance_settings_save(instance=instance, user=admin, changes={"webhookUrlToken": "new-one"})
    assert Instance.objects.get().webhook_token_hash == token_digest("new-one")  # still ours

    instance_settings_save(
        instance=instance, user=admin, changes={"webhookUrl": "https://hooks.example.com/x"}
    )
    assert Instance.objects.get().webhook_token_hash == ""
