"""An order's page says what Green API really did, and partner staff can settle one now."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, User
from greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.models import CreateOrder, Instance
from instances.quota import quota_room
from tests.instances.test_create import form_data
from tests.support.pages import logged_in, page_text
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


def pending_after(sandbox: SandboxControl, user: User, kind: str, **fault: Any) -> CreateOrder:
    """An order left pending: createInstance fails with `kind`, and the list cannot be read."""
    sandbox.add_fault("createInstance", kind, times=1, **fault)
    sandbox.add_fault("getInstances", "http500")
    logged_in(user).post("/instances/new/", form_data())
    order = CreateOrder.objects.get()
    assert order.status == CreateOrder.Status.PENDING
    sandbox.clear_faults()
    return order


def order_page(user: User, order: CreateOrder) -> str:
    return page_text(logged_in(user).get(f"/instances/orders/{order.pk}/"))


def test_a_pending_refusal_is_called_a_refusal_not_a_timeout(
    admin: User, sandbox: SandboxControl
) -> None:
    order = pending_after(sandbox, admin, "http429")
    sandbox.add_fault("getInstances", "http500")  # the page's own look fails too

    page = order_page(admin, order)

    assert order.reason == CreateOrder.Reason.REFUSED
    assert "Green API refused this create" in page
    assert "did not answer in time" not in page


def test_a_pending_timeout_is_called_a_timeout(
    admin: User, sandbox: SandboxControl, settings: Any
) -> None:
    settings.GREEN_API_READ_TIMEOUT = 0.3
    settings.GREEN_API_DEADLINE = 0.6
    order = pending_after(sandbox, admin, "hang", seconds=1, after=False)
    sandbox.add_fault("getInstances", "http500")

    page = order_page(admin, order)

    assert order.reason == CreateOrder.Reason.UNANSWERED
    assert "did not answer in time" in page
    assert "refused" not in page


def test_an_unreachable_green_api_says_nothing_was_sent(
    admin: User, sandbox: SandboxControl, settings: Any
) -> None:
    settings.GREEN_API_PARTNER_URL = "http://127.0.0.1:9"  # the discard port: refused

    response = logged_in(admin).post("/instances/new/", form_data(), follow=True)

    order = CreateOrder.objects.get()
    assert (order.status, order.reason) == (CreateOrder.Status.FAILED, "unreachable")
    assert "could not be reached, so nothing was sent" in page_text(response)


def test_a_refusal_the_list_confirms_says_green_api_refused(
    admin: User, sandbox: SandboxControl
) -> None:
    sandbox.add_fault(
        "createInstance", "error200", body={"code": 401, "description": "Unauthorized"}, times=1
    )

    response = logged_in(admin).post("/instances/new/", form_data(), follow=True)

    order = CreateOrder.objects.get()
    assert (order.status, order.reason) == (CreateOrder.Status.FAILED, "refused")
    page = page_text(response)
    assert "The instance was not created: Green API refused it." in page
    assert "Last answer:" in page


def test_staff_close_an_order_green_api_does_not_list(
    support: User, admin: User, sandbox: SandboxControl, reseller_a_user: User
) -> None:
    order = pending_after(sandbox, reseller_a_user, "http429")  # refused before any work
    reseller = reseller_a_user.reseller
    room = quota_room(reseller)
    assert "Check Green API now" in order_page(support, order)
    # The reseller's own user cannot close it, and is not offered to.
    assert "Check Green API now" not in order_page(reseller_a_user, order)
    refused = logged_in(reseller_a_user).post(f"/instances/orders/{order.pk}/check/")
    assert refused.status_code == 403

    response = logged_in(support).post(f"/instances/orders/{order.pk}/check/", follow=True)

    order.refresh_from_db()
    assert (order.status, order.reason) == (CreateOrder.Status.FAILED, "closed")
    assert "the order was closed after a check of Green API's list" in page_text(response)
    assert quota_room(reseller) == room + 1  # its place in the quota is free again
    event = AuditEvent.objects.get(action="order.close")
    assert event.actor == support
    assert event.reseller == reseller
    assert sandbox.calls()["createInstance"] == 1


def test_staff_check_completes_an_order_green_api_lists(
    admin: User, sandbox: SandboxControl
) -> None:
    order = pending_after(sandbox, admin, "http429", after=True)  # the work was done
    assert Instance.objects.count() == 0

    response = logged_in(admin).post(f"/instances/orders/{order.pk}/check/")

    order.refresh_from_db()
    assert order.status == CreateOrder.Status.DONE
    assert response["Location"] == f"/instances/{order.instance_id}/connect/"
    assert order.reason == CreateOrder.Reason.NONE
    assert not AuditEvent.objects.filter(action="order.close").exists()


def test_staff_check_keeps_the_order_open_when_the_list_cannot_be_read(
    admin: User, sandbox: SandboxControl
) -> None:
    order = pending_after(sandbox, admin, "http429")
    sandbox.add_fault("getInstances", "http500")

    response = logged_in(admin).post(f"/instances/orders/{order.pk}/check/", follow=True)

    order.refresh_from_db()
    assert order.status == CreateOrder.Status.PENDING
    assert "could not be read just now, so the order stays open" in page_text(response)


def test_staff_cannot_close_an_order_whose_create_may_be_under_way(
    admin: User, sandbox: SandboxControl
) -> None:
    # Claimed a moment ago: its createInstance may still be on its way.
    order = CreateOrder.objects.create(key="8c0d1f4e-0000-4000-8000-000000000001", name="Fresh")

    response = logged_in(admin).post(f"/instances/orders/{order.pk}/check/", follow=True)

    order.refresh_from_db()
    assert order.status == CreateOrder.Status.CLAIMED
    assert "may be creating this instance right now" in page_text(response)
    assert "getInstances" not in sandbox.calls()


def test_a_listed_but_ambiguous_order_says_it_may_exist(
    admin: User, sandbox: SandboxControl
) -> None:
    order = pending_after(sandbox, admin, "http429")
    # Two listed instances with its name, made after it: neither can be told to be its own.
    for _ in range(2):
        partner_client().create_instance(CreateInstanceParams(name=order.name))

    response = logged_in(admin).post(f"/instances/orders/{order.pk}/check/", follow=True)

    order.refresh_from_db()
    assert (order.status, order.reason) == (CreateOrder.Status.FAILED, "unmatched")
    page = page_text(response)
    assert "Green API may have created this instance" in page
    assert "was not created" not in page


@pytest.mark.parametrize("user_fixture", ["admin", "support"])
def test_an_old_pending_order_can_be_checked_by_staff(
    request: pytest.FixtureRequest, user_fixture: str, sandbox: SandboxControl
) -> None:
    user = request.getfixturevalue(user_fixture)
    order = CreateOrder.objects.create(key="8c0d1f4e-0000-4000-8000-000000000002", name="Old")
    CreateOrder.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)  # an abandoned claim
    )

    logged_in(user).post(f"/instances/orders/{order.pk}/check/")

    order.refresh_from_db()
    assert (order.status, order.reason) == (CreateOrder.Status.FAILED, "closed")


def test_the_create_form_shows_each_resellers_quota_use(
    admin: User, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    reseller = reseller_a_user.reseller
    reseller.instance_quota = 2
    reseller.save()
    Instance.objects.create(id_instance=1101000077, name="Live", reseller=reseller)
    Instance.objects.create(id_instance=1101000078, name="Gone", reseller=reseller, deleted=True)
    CreateOrder.objects.create(
        key="8c0d1f4e-0000-4000-8000-000000000003",
        name="Open",
        reseller=reseller,
        status=CreateOrder.Status.PENDING,
    )

    staff_page = page_text(logged_in(admin).get("/instances/new/"))
    own_page = page_text(logged_in(reseller_a_user).get("/instances/new/"))

    # One live instance and one open order hold both places; a deleted one holds none.
    assert f"{reseller.name} (2 of 2 used, full)" in staff_page
    assert "Your quota: 2 of 2 used, full." in own_page
