"""/api/v1/events: the same services, permissions and tenancy as the pages
(api/endpoints/events.py)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from api.models import Scope
from events.models import Endpoint
from instances import lifecycle
from tests.events.receiver import Receiver
from tests.events.support import endpoint, run, verified
from tests.support.api import api_as

BASE = "/api/v1/events"
PUBLIC = "https://93.184.215.14/hooks"


@pytest.fixture
def endpoints(admin: User, reseller_a_user: User, reseller_b_user: User) -> dict[str, Endpoint]:
    return {
        "a": endpoint(reseller_a_user, PUBLIC + "/a", [lifecycle.LINKED]).endpoint,
        "b": endpoint(reseller_b_user, PUBLIC + "/b", [lifecycle.LINKED]).endpoint,
        "partner": endpoint(admin, PUBLIC + "/p", [lifecycle.LINKED]).endpoint,
    }


def test_a_reseller_sees_and_touches_only_its_own(
    endpoints: dict[str, Endpoint], reseller_a_user: User
) -> None:
    api = api_as(reseller_a_user, [Scope.EVENTS_MANAGE])
    listed = api.get(f"{BASE}/endpoints").json()
    assert [item["id"] for item in listed] == [endpoints["a"].pk]
    assert "secret" not in listed[0]

    missing = api.get(f"{BASE}/endpoints/999999")
    for foreign in (endpoints["b"], endpoints["partner"]):
        for method, path in (
            ("get", f"/endpoints/{foreign.pk}"),
            ("get", f"/endpoints/{foreign.pk}/deliveries"),
            ("post", f"/endpoints/{foreign.pk}/rotate"),
            ("post", f"/endpoints/{foreign.pk}/test"),
            ("delete", f"/endpoints/{foreign.pk}"),
        ):
            answer = getattr(api, method)(BASE + path)
            assert answer.status_code == 404, path
            assert answer.json()["type"] == missing.json()["type"]
    assert Endpoint.objects.count() == 3
    assert not endpoints["b"].deliveries.exists()


def test_staff_see_every_endpoint_and_support_may_not_manage(
    endpoints: dict[str, Endpoint], admin: User, support: User
) -> None:
    listed = api_as(admin, [Scope.EVENTS_MANAGE]).get(f"{BASE}/endpoints").json()
    assert {item["id"] for item in listed} == {e.pk for e in endpoints.values()}
    refused = api_as(support, [Scope.EVENTS_MANAGE]).get(f"{BASE}/endpoints")
    assert refused.status_code == 403
    assert refused.json()["type"].endswith(":forbidden")


def test_the_events_scope_is_needed(reseller_a_user: User) -> None:
    answer = api_as(reseller_a_user, [Scope.INSTANCES_READ]).get(f"{BASE}/endpoints")
    assert answer.status_code == 403
    assert answer.json()["type"].endswith(":insufficient-scope")


def test_create_returns_the_secret_once_and_checks_the_address(
    settings: Any, reseller_a_user: User, reseller_b: Any
) -> None:
    api = api_as(reseller_a_user, [Scope.EVENTS_MANAGE])
    created = api.post(
        f"{BASE}/endpoints",
        {"url": PUBLIC, "kinds": ["instance.linked"], "reseller_id": reseller_b.pk},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    # A reseller user's endpoint is its own reseller's, whatever it asks.
    assert body["endpoint"]["reseller_id"] == reseller_a_user.reseller_id
    again = api.get(f"{BASE}/endpoints/{body['endpoint']['id']}")
    assert body["secret"] not in again.content.decode()

    settings.EVENTS_ALLOW_PRIVATE_TARGETS = False
    refused = api.post(
        f"{BASE}/endpoints", {"url": "https://127.0.0.1/x", "kinds": ["instance.linked"]}
    )
    assert refused.status_code == 422
    assert "public addresses" in refused.json()["detail"]
    assert api.post(f"{BASE}/endpoints", {"url": PUBLIC, "kinds": []}).status_code == 422
    assert api.post(f"{BASE}/endpoints", {"url": PUBLIC, "kinds": ["nope"]}).status_code == 422
    assert Endpoint.objects.count() == 1


def test_test_event_deliveries_and_redelivery(receiver: Receiver, reseller_a_user: User) -> None:
    api = api_as(reseller_a_user, [Scope.EVENTS_MANAGE])
    created = api.post(
        f"{BASE}/endpoints", {"url": receiver.url, "kinds": ["instance.linked"]}
    ).json()
    pk, secret = created["endpoint"]["id"], created["secret"]

    queued = api.post(f"{BASE}/endpoints/{pk}/test")
    assert queued.status_code == 202
    run()
    first = receiver.wait_for(1)[0]
    assert verified(secret, first)["type"] == "event.test"
    log = api.get(f"{BASE}/endpoints/{pk}/deliveries").json()
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [
        ("delivered", 1, 200)
    ]
    assert log[0]["latency_ms"] is not None

    again = api.post(f"{BASE}/deliveries/{log[0]['id']}/redeliver")
    assert again.status_code == 202
    run()
    second = receiver.wait_for(2)[1]
    assert second.body == first.body
    assert second.headers["webhook-id"] == first.headers["webhook-id"]

    rotated = api.post(f"{BASE}/endpoints/{pk}/rotate").json()
    assert rotated["secret"] not in (secret, None)
    assert api.delete(f"{BASE}/endpoints/{pk}").status_code == 204
    assert not Endpoint.objects.exists()
