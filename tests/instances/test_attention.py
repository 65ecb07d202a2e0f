"""The attention list: each condition appears once, with its guide, and goes when fixed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent, Reseller, User
from instances import attention as attention_rules
from instances.attention import Kind, attention_for
from instances.models import CreateOrder, Instance, OnboardingLink, StateChange
from instances.services.actions import instance_state_check
from tests.support.pages import logged_in, page_text
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


def kinds(user: User, *, flapping: bool = False) -> list[tuple[str, int | None]]:
    """(kind, instance id) of each open item `user` sees. A test that moves one instance
    through several states makes it flap too: left out unless asked for."""
    return [
        (item.kind, item.instance.pk if item.instance else None)
        for item in attention_for(user).open_items
        if flapping or item.kind != Kind.FLAPPING
    ]


def checked(instance: Instance, sandbox: SandboxControl, state: str) -> None:
    """The emulator's instance goes to `state`, and the portal checks it (as the worker does)."""
    sandbox.set_state(instance.pk, state).raise_for_status()
    instance_state_check(instance=instance)


@pytest.mark.parametrize(
    ("state", "kind", "title"),
    [
        ("blocked", Kind.BLOCKED, "Blocked by the messenger"),
        ("yellowCard", Kind.YELLOW_CARD, "Sending suspended (yellow card)"),
    ],
)
def test_a_banned_or_suspended_instance_needs_attention_until_it_is_fine(
    live: Instance, sandbox: SandboxControl, admin: User, state: str, kind: Kind, title: str
) -> None:
    checked(live, sandbox, "authorized")
    assert kinds(admin) == []

    checked(live, sandbox, state)

    assert kinds(admin) == [(kind, live.pk)]
    page = page_text(logged_in(admin).get("/instances/attention/"))
    assert title in page
    assert page.count("Mark handled") == 1  # one item, once
    checked(live, sandbox, "authorized")
    assert kinds(admin) == []


def test_a_phone_logged_out_after_being_linked_needs_attention(
    live: Instance, sandbox: SandboxControl, support: User
) -> None:
    # Never linked yet: waiting for its phone is onboarding, not a problem.
    checked(live, sandbox, "notAuthorized")
    assert kinds(support) == []
    checked(live, sandbox, "authorized")

    checked(live, sandbox, "notAuthorized")

    assert kinds(support) == [(Kind.LOGGED_OUT, live.pk)]
    page = page_text(logged_in(support).get(f"/instances/{live.pk}/"))
    assert "Needs attention" in page
    assert "Logged out: what to do" in page
    checked(live, sandbox, "authorized")
    assert kinds(support) == []


def test_stuck_starting_flapping_expired_and_unconfirmed(admin: User, reseller_a: Reseller) -> None:
    now = timezone.now()
    fine = {"state_checked_at": now, "time_created": now - timedelta(days=3)}
    stuck = Instance.objects.create(
        id_instance=1, state="starting", state_changed_at=now - timedelta(minutes=11), **fine
    )
    Instance.objects.create(  # starting for 5 minutes: still within Green API's word
        id_instance=2, state="starting", state_changed_at=now - timedelta(minutes=5), **fine
    )
    flapping = Instance.objects.create(id_instance=3, state="authorized", **fine)
    for minutes in (50, 30, 10):
        StateChange.objects.create(
            instance=flapping,
            state="authorized",
            source="poll",
            at=now - timedelta(minutes=minutes),
        )
    expired = Instance.objects.create(
        id_instance=4, state="authorized", is_expired=True, expiration_date=now, **fine
    )
    never_checked = Instance.objects.create(id_instance=5, state="authorized")
    Instance.objects.create(id_instance=6, state="blocked", deleted=True, **fine)  # gone: not

    found = kinds(admin, flapping=True)

    assert sorted(found) == sorted(
        [
            (Kind.STUCK, stuck.pk),
            (Kind.FLAPPING, flapping.pk),
            (Kind.EXPIRED, expired.pk),
            (Kind.UNCONFIRMED, never_checked.pk),
        ]
    )
    # Most urgent first.
    assert [kind for kind, _ in found] == [
        Kind.STUCK,
        Kind.FLAPPING,
        Kind.EXPIRED,
        Kind.UNCONFIRMED,
    ]


def test_orders_and_customer_links_that_need_a_person(
    admin: User, reseller_a_user: User, reseller_b_user: User, live: Instance
) -> None:
    reseller = reseller_a_user.reseller
    pending = CreateOrder.objects.create(
        key=uuid.uuid4(), name="Pending", status="pending", reseller=reseller
    )
    failed = CreateOrder.objects.create(
        key=uuid.uuid4(),
        name="Failed",
        status="failed",
        reason="refused",
        reseller=reseller,
        settled_at=timezone.now(),
    )
    CreateOrder.objects.create(  # closed by staff after a check: already looked at
        key=uuid.uuid4(), name="Closed", status="failed", reason="closed", settled_at=timezone.now()
    )
    now = timezone.now()
    link = OnboardingLink.objects.create(
        instance=live,
        token_hash="a" * 64,
        created_at=now - timedelta(days=6),
        expires_at=now + timedelta(hours=3),
    )
    OnboardingLink.objects.create(  # opened: the customer has it
        instance=live,
        token_hash="b" * 64,
        created_at=now,
        expires_at=now + timedelta(hours=3),
        last_opened_at=now,
    )

    items = attention_for(reseller_a_user).open_items

    subjects = {(item.kind, item.subject) for item in items if item.instance is None}
    assert subjects == {
        (Kind.ORDER_FAILED, f"o{failed.pk}"),
        (Kind.ORDER_PENDING, f"o{pending.pk}"),
        (Kind.LINK_EXPIRING, f"l{link.pk}"),
    }
    # Another tenant sees none of them.
    assert attention_for(reseller_b_user).items == []


def test_a_handled_item_stays_handled_until_its_condition_returns(
    live: Instance, sandbox: SandboxControl, reseller_a_user: User, reseller_b_user: User
) -> None:
    checked(live, sandbox, "blocked")
    item = attention_for(reseller_a_user).open_items[0]
    form = {
        "kind": item.kind,
        "subject": item.subject,
        "since": int(item.since.timestamp()),
        "note": "Called the customer: new SIM tomorrow",
    }
    # Another tenant cannot mark it, nor learn that it exists.
    assert logged_in(reseller_b_user).post("/instances/attention/handle/", form).status_code == 404

    response = logged_in(reseller_a_user).post("/instances/attention/handle/", form, follow=True)

    assert "Marked handled" in page_text(response)
    assert "Called the customer: new SIM tomorrow" in page_text(response)
    assert attention_for(reseller_a_user).open_items == []
    event = AuditEvent.objects.get(action="attention.handle")
    assert event.actor == reseller_a_user
    assert event.reseller == reseller_a_user.reseller
    # Fixed, then blocked again: a new condition, back on the list.
    checked(live, sandbox, "authorized")
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        checked(live, sandbox, "blocked")
        assert kinds(reseller_a_user) == [(Kind.BLOCKED, live.pk)]


def test_bad_handle_input_is_a_message_not_an_error(admin: User) -> None:
    for form in (
        {},
        {"kind": "nonsense", "subject": "i1", "since": "1"},
        {"kind": "blocked", "subject": "x1", "since": "1"},
        {"kind": "blocked", "subject": "i1", "since": "-5"},
        {"kind": "blocked", "subject": "i1", "since": "1", "note": "x" * 501},
    ):
        response = logged_in(admin).post("/instances/attention/handle/", form, follow=True)
        assert response.status_code == 200
        assert "Not marked" in page_text(response)
    # A well-formed item of no instance is a 404, like another tenant's.
    missing = {"kind": "blocked", "subject": "i999", "since": "1"}
    assert logged_in(admin).post("/instances/attention/handle/", missing).status_code == 404


def test_recovery_steps_follow_the_role(
    live: Instance, sandbox: SandboxControl, support: User, reseller_a_user: User
) -> None:
    checked(live, sandbox, "yellowCard")

    for user in (support, reseller_a_user):
        page = logged_in(user).get("/instances/attention/").content.decode()
        assert f'href="/instances/{live.pk}/reboot/"' in page


def test_the_list_costs_the_same_queries_at_any_size(admin: User, reseller_a: Reseller) -> None:
    now = timezone.now()

    def make(first: int, count: int) -> None:
        # Each of a reseller's (the page names it), with a customer link about to expire.
        instances = Instance.objects.bulk_create(
            Instance(
                id_instance=first + n,
                state=state,
                state_changed_at=now - timedelta(hours=1),
                state_checked_at=None if n % 3 else now,
                reseller=reseller_a,
            )
            for n in range(count)
            for state in ["blocked"]
        )
        OnboardingLink.objects.bulk_create(
            OnboardingLink(
                instance=instance,
                token_hash=f"{instance.pk:064d}",
                created_at=now,
                expires_at=now + timedelta(hours=3),
            )
            for instance in instances
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert logged_in(admin).get("/instances/attention/").status_code == 200
        return len(captured.captured_queries)

    make(1, 3)
    few = queries()

    make(1000, attention_rules.PER_KIND * 3)
    assert queries() == few
