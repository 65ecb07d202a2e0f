"""Each lifecycle change is queued for the endpoints that chose it, in the transaction that
records it, with a small payload and never a token (instances/lifecycle.py, events/receivers.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import transaction

from accounts.models import Reseller, User
from events.models import KIND_CHOICES, EventDelivery
from greenapi import CreateInstanceParams
from instances import lifecycle
from instances.models import CreateOrder, Instance
from instances.services.create import instance_create
from instances.services.delete import instance_delete
from instances.services.links import onboarding_link_issue, onboarding_link_use
from tests.events.support import endpoint, flip
from tests.support.sandbox import SandboxControl

ALL_KINDS = [kind for kind, _label in KIND_CHOICES]


def kinds_for(hook: Any) -> list[str]:
    return list(
        EventDelivery.objects.filter(endpoint=hook).order_by("pk").values_list("kind", flat=True)
    )


@pytest.mark.usefixtures("greenapi_settings")
def test_every_kind_reaches_its_reseller_and_the_partner_but_not_another_reseller(
    sandbox: SandboxControl,
    admin: User,
    reseller_a: Reseller,
    reseller_a_user: User,
    reseller_b_user: User,
    settings: Any,
) -> None:
    settings.SANDBOX_RATE_LIMITS = False
    mine = endpoint(reseller_a_user, "https://93.184.215.14/a", ALL_KINDS).endpoint
    partner = endpoint(admin, "https://93.184.215.14/partner", ALL_KINDS).endpoint
    other = endpoint(reseller_b_user, "https://93.184.215.14/b", ALL_KINDS).endpoint
    only_linked = endpoint(reseller_a_user, "https://93.184.215.14/a2", [lifecycle.LINKED])

    order = instance_create(
        user=reseller_a_user,
        key=uuid.uuid4(),
        reseller=reseller_a,
        params=CreateInstanceParams(name="Flower shop"),
    )
    assert order.status == CreateOrder.Status.DONE
    instance = Instance.objects.get(pk=order.instance_id)
    flip(instance, "notAuthorized")
    link = onboarding_link_issue(instance=instance, user=reseller_a_user).link
    flip(instance, "authorized")
    assert onboarding_link_use(link=link)
    assert not onboarding_link_use(link=link)  # used once, told once
    flip(instance, "notAuthorized")
    assert sandbox.set_state(instance.pk, "notAuthorized").status_code == 200
    instance_delete(instance=Instance.objects.get(pk=instance.pk), user=reseller_a_user)
    sandbox.add_fault("createInstance", "http429")
    failed = instance_create(
        user=reseller_a_user,
        key=uuid.uuid4(),
        reseller=reseller_a,
        params=CreateInstanceParams(name="Never made"),
    )
    assert failed.status == CreateOrder.Status.FAILED

    expected = [
        "instance.created",
        "instance.state_changed",  # creating -> notAuthorized
        "instance.state_changed",
        "instance.linked",
        "customer_link.used",
        "instance.state_changed",
        "instance.logged_out",
        "instance.deleted",
        "order.failed",
    ]
    assert kinds_for(mine) == expected
    assert kinds_for(partner) == expected
    assert kinds_for(other) == []
    assert kinds_for(only_linked.endpoint) == ["instance.linked"]
    # The same event has one webhook-id for every endpoint it goes to.
    ids = EventDelivery.objects.filter(kind="instance.linked").values_list("event_id", flat=True)
    assert len(set(ids)) == 1


def test_payloads_are_small_and_never_hold_a_token(
    reseller_a_user: User, instance_a: Instance
) -> None:
    hook = endpoint(reseller_a_user, "https://93.184.215.14/a", ALL_KINDS)
    issued = onboarding_link_issue(instance=instance_a, user=reseller_a_user)
    flip(instance_a, "authorized")
    onboarding_link_use(link=issued.link)
    flip(instance_a, "notAuthorized")

    bodies = list(EventDelivery.objects.order_by("pk").values_list("body", flat=True))
    assert len(bodies) == 5
    link_token = issued.url.rstrip("/").rsplit("/", 1)[-1]
    for body in bodies:
        for secret in (instance_a.api_token, hook.secret, link_token, hook.secret[6:]):
            assert secret not in body
        assert "token" not in body.lower()
        assert len(body) < 400
    first = json.loads(bodies[0])
    assert set(first) == {"type", "timestamp", "data"}
    assert set(first["data"]) == {"instance_id", "reseller_id", "old_state", "new_state", "time"}


def test_the_outbox_row_is_written_with_the_change_or_not_at_all(
    reseller_a_user: User, instance_a: Instance
) -> None:
    endpoint(reseller_a_user, "https://93.184.215.14/a", [lifecycle.STATE_CHANGED])

    def change_then_fail() -> None:
        with transaction.atomic():
            flip(instance_a, "authorized")
            raise RuntimeError("the change's transaction fails after the state was written")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert not EventDelivery.objects.exists()
    assert Instance.objects.get(pk=instance_a.pk).state == ""

    flip(instance_a, "authorized")
    # Queued the moment the change is committed: no worker needs to be alive for it.
    assert EventDelivery.objects.filter(status="pending").count() == 1
