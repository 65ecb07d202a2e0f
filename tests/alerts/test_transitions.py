"""Each alert, produced through the emulator's control API: one e-mail per transition."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from alerts.jobs import alerts_run
from alerts.models import Alert, AlertCursor, AlertKind, Delivery
from alerts.services.deliver import deliveries_send
from instances.attention import STUCK_AFTER
from instances.models import Instance
from instances.recovery import GUIDES, Kind
from tests.alerts.support import alerts_pass, checked, opt_in, sent_to
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


@pytest.mark.parametrize(
    ("state", "kind"),
    [
        ("notAuthorized", Kind.LOGGED_OUT),
        ("blocked", Kind.BLOCKED),
        ("yellowCard", Kind.YELLOW_CARD),
    ],
)
def test_a_linked_phone_that_is_lost_alerts_the_resellers_contact_once(
    live: Instance, sandbox: SandboxControl, settings: object, state: str, kind: Kind
) -> None:
    settings.PUBLIC_BASE_URL = "https://portal.example.com"  # type: ignore[attr-defined]
    checked(live, sandbox, "authorized")
    alerts_pass()
    assert mail.outbox == []

    checked(live, sandbox, state)
    alerts_pass()
    alerts_pass()  # the next run, and the next check of the same state, send nothing more
    checked(live, sandbox, state)
    alerts_pass()

    [message] = mail.outbox
    guide = GUIDES[kind]
    assert message.to == ["a@example.com"]
    assert guide.title in message.subject
    assert str(live.pk) in message.subject
    assert guide.meaning in message.body
    assert guide.steps[0].label in message.body
    assert f"https://portal.example.com/instances/{live.pk}/" in message.body
    assert f"https://portal.example.com/instances/{live.pk}/connect/" in message.body
    assert "the contact address of Reseller A" in message.body
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_recovery_sends_a_short_back_to_normal(live: Instance, sandbox: SandboxControl) -> None:
    checked(live, sandbox, "authorized")
    checked(live, sandbox, "blocked")
    alerts_pass()

    checked(live, sandbox, "authorized")
    alerts_pass()
    alerts_pass()

    assert [m.subject.split(":")[0] for m in mail.outbox] == [
        "Blocked by the messenger",
        "Back to normal",
    ]
    assert "linked and working again" in mail.outbox[1].body
    assert len(mail.outbox[1].body) < len(mail.outbox[0].body) / 2


def test_a_phone_waiting_to_be_linked_or_linked_alerts_nobody(
    live: Instance, sandbox: SandboxControl
) -> None:
    checked(live, sandbox, "notAuthorized")  # onboarding, not a problem
    checked(live, sandbox, "authorized")  # linked for the first time: nothing to recover from
    alerts_pass()

    assert mail.outbox == []
    assert not Alert.objects.exists()


def test_an_instance_stuck_starting_alerts_once_then_recovers(
    live: Instance, sandbox: SandboxControl
) -> None:
    checked(live, sandbox, "authorized")
    checked(live, sandbox, "starting")
    alerts_pass()
    assert mail.outbox == []  # starting for a moment is normal

    later = timezone.now() + STUCK_AFTER + timedelta(minutes=1)
    alerts_pass(now=later)
    alerts_pass(now=later + timedelta(minutes=5))
    [stuck] = mail.outbox
    assert GUIDES[Kind.STUCK].title in stuck.subject

    checked(live, sandbox, "authorized")
    alerts_pass()
    assert mail.outbox[-1].subject.startswith("Back to normal")
    assert len(mail.outbox) == 2


def test_the_worker_job_and_the_command_run_the_same_work(
    live: Instance, sandbox: SandboxControl
) -> None:
    checked(live, sandbox, "authorized")
    checked(live, sandbox, "notAuthorized")

    result = alerts_run(force=True)

    assert result is not None
    assert (result.detected.created, result.sent.sent) == (1, 1)
    assert alerts_run() is None  # not due again yet: its lease and period hold
    call_command("send_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1
    assert Alert.objects.get().kind == AlertKind.LOGGED_OUT


def test_a_deleted_instance_alerts_nobody(live: Instance, sandbox: SandboxControl) -> None:
    checked(live, sandbox, "authorized")
    checked(live, sandbox, "blocked")
    Instance.objects.filter(pk=live.pk).update(deleted=True)

    alerts_pass()

    assert mail.outbox == []


def test_the_resellers_users_hear_only_of_their_own_resellers_instances(
    live: Instance,
    sandbox: SandboxControl,
    reseller_a_user: User,
    reseller_b_user: User,
    support: User,
) -> None:
    opt_in(reseller_a_user)
    opt_in(reseller_b_user)
    opt_in(support, mode="instant")
    checked(live, sandbox, "authorized")
    checked(live, sandbox, "blocked")

    alerts_pass()

    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        ["a@example.com", reseller_a_user.email, support.email]
    )
    assert sent_to(reseller_b_user.email) == []
    assert sent_to("b@example.com") == []


def test_people_who_did_not_opt_in_or_want_another_event_are_not_told(
    live: Instance, sandbox: SandboxControl, reseller_a_user: User, admin: User
) -> None:
    opt_in(reseller_a_user, blocked=False)  # wants the other events only
    opt_in(admin, enabled=False)
    checked(live, sandbox, "authorized")
    checked(live, sandbox, "blocked")

    alerts_pass()
    deliveries_send(now=timezone.now() + timedelta(days=2))  # any digest would be due by then

    assert [m.to for m in mail.outbox] == [["a@example.com"]]


def test_a_change_committed_after_a_later_one_is_still_read(
    live: Instance, sandbox: SandboxControl
) -> None:
    # Ids are handed out before commit: a change can land below the job's cursor.
    checked(live, sandbox, "authorized")
    checked(live, sandbox, "blocked")
    change = live.state_changes.order_by("-pk").first()
    assert change is not None
    AlertCursor.objects.update_or_create(pk=1, defaults={"last_change_id": change.pk + 10})

    alerts_pass()

    assert len(mail.outbox) == 1
