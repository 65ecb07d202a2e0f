"""Deleting an instance: logout first when a phone may be linked, once, never losing the row."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEvent, User
from core.errors import ApplicationError
from greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.models import Instance, StateChange
from instances.services.delete import instance_delete
from tests.instances.live import (
    FAULT_KINDS,
    FAULT_SENTENCES,
    add_fault,
    logged_in,
    page_text,
)
from tests.support.sandbox import SandboxControl


def delete_url(instance: Instance) -> str:
    return f"/instances/{instance.pk}/delete/"


def confirm(instance: Instance) -> dict[str, str]:
    return {"confirm_id": str(instance.pk)}


def test_confirmation_page_names_the_instance_and_asks_for_its_id(
    reseller_a_user: User, live: Instance
) -> None:
    response = logged_in(reseller_a_user).get(delete_url(live))

    text = page_text(response)
    assert response.status_code == 200
    assert "Bakery bot" in text
    assert f"Type <code>{live.pk}</code> to confirm" in text
    assert 'name="confirm_id"' in text


def test_delete_of_a_linked_instance_logs_out_then_deletes(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")
    assert sandbox.instance(live.pk)["deviceLinked"] is True

    client = logged_in(reseller_a_user)

    response = client.post(delete_url(live), confirm(live))

    assert response.status_code == 302
    assert response["Location"] == f"/instances/{live.pk}/"
    calls = sandbox.calls(live.pk)
    assert calls["getStateInstance"] == 1
    assert calls["logout"] == 1
    assert calls["deleteInstanceAccount"] == 1
    remote = sandbox.instance(live.pk)
    assert remote["deviceLinked"] is False
    assert remote["deleted"] is True
    live.refresh_from_db()
    assert live.deleted is True
    assert live.time_deleted is not None
    # The logout is on the timeline, and the delete in the audit trail, saying both happened.
    assert StateChange.objects.filter(
        instance=live, state=Instance.State.NOT_AUTHORIZED, source=StateChange.Source.ACTION
    ).exists()
    event = AuditEvent.objects.get(action="instance.delete")
    assert (event.result, event.detail) == ("ok", "logged out, then deleted")
    page = page_text(client.get(response["Location"]))
    assert "Its phone was logged out first" in page


def test_logout_comes_before_the_delete(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    # If the delete were sent first, the logout would answer "Instance is deleted".
    sandbox.set_state(live.pk, "yellowCard")
    sandbox.add_fault("deleteInstanceAccount", "http500", idInstance=live.pk)

    logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    assert sandbox.calls(live.pk)["logout"] == 1
    assert sandbox.instance(live.pk)["deviceLinked"] is False
    assert sandbox.instance(live.pk)["deleted"] is False


def test_second_delete_is_harmless(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)
    client.post(delete_url(live), confirm(live))
    before = sandbox.calls(live.pk)

    again = client.post(delete_url(live), confirm(live))

    assert again.status_code == 409
    assert "this instance was deleted" in page_text(again)
    assert sandbox.calls(live.pk) == before
    assert Instance.objects.filter(pk=live.pk, deleted=True).exists()


def test_instance_deleted_elsewhere_counts_as_deleted(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    # Deleted in the Green API console; the mirror has not heard of it yet.
    partner_client().delete_instance_account(live.pk)

    result = instance_delete(instance=live, user=reseller_a_user)

    assert result.already_gone is True
    assert sandbox.calls(live.pk).get("logout", 0) == 0
    assert Instance.objects.get(pk=live.pk).deleted is True


def test_delete_of_an_unlinked_instance_does_not_log_out(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    assert response.status_code == 302
    calls = sandbox.calls(live.pk)
    assert calls.get("logout", 0) == 0
    assert calls["deleteInstanceAccount"] == 1
    assert sandbox.instance(live.pk)["deleted"] is True


def test_delete_of_an_instance_being_created_does_not_log_out(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, settings: Any
) -> None:
    settings.SANDBOX_CREATE_SECONDS = 60
    created = partner_client().create_instance(CreateInstanceParams(name="Brand new"))
    fresh = Instance.objects.create(
        id_instance=created.id_instance,
        api_token=created.api_token,
        reseller=live.reseller,
        state=Instance.State.CREATING,
    )

    response = logged_in(reseller_a_user).post(delete_url(fresh), confirm(fresh))

    assert response.status_code == 302
    assert sandbox.calls(fresh.pk).get("logout", 0) == 0
    assert sandbox.instance(fresh.pk)["deleted"] is True


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.usefixtures("short_timeouts")
def test_logout_failure_stops_the_delete(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    sandbox.set_state(live.pk, "authorized")
    add_fault(sandbox, "logout", kind, live)

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    text = page_text(response)
    assert response.status_code == 200
    assert FAULT_SENTENCES[kind] in text
    assert "The instance was not deleted" in text
    assert "could leave the customer's phone linked" in text
    assert sandbox.calls(live.pk).get("deleteInstanceAccount", 0) == 0
    assert sandbox.instance(live.pk)["deleted"] is False
    live.refresh_from_db()
    assert live.deleted is False
    event = AuditEvent.objects.get(action="instance.delete")
    assert event.result == AuditEvent.Result.FAILED


def test_logout_refused_while_starting_says_to_wait(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")
    sandbox.set_state(live.pk, "starting")

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    text = page_text(response)
    assert "The instance is restarting" in text
    assert "The instance was not deleted" in text
    assert sandbox.instance(live.pk)["deleted"] is False


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.usefixtures("short_timeouts")
def test_state_check_failure_stops_the_delete(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    add_fault(sandbox, "getStateInstance", kind, live)

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    text = page_text(response)
    assert response.status_code == 200
    assert FAULT_SENTENCES[kind] in text
    assert "The instance was not deleted" in text
    assert sandbox.calls(live.pk).get("deleteInstanceAccount", 0) == 0
    assert Instance.objects.get(pk=live.pk).deleted is False


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.usefixtures("short_timeouts")
def test_failed_delete_call_keeps_the_instance(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    add_fault(sandbox, "deleteInstanceAccount", kind, live)

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    text = page_text(response)
    assert response.status_code == 200
    assert "not been deleted yet" in text or "was not deleted" in text
    # Sent once, never again after an unclear answer.
    assert sandbox.calls(live.pk)["deleteInstanceAccount"] == 1
    live.refresh_from_db()
    assert live.deleted is False
    assert Instance.objects.count() == 1


@pytest.mark.parametrize("kind", ["hang", "malformed", "http500"])
@pytest.mark.usefixtures("short_timeouts")
def test_lost_answer_after_the_delete_is_settled_from_the_list(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    # Green API deletes, then the answer is lost: the list says what happened.
    sandbox.add_fault("deleteInstanceAccount", kind, after=True, seconds=1.5, idInstance=live.pk)

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    assert response.status_code == 302
    assert sandbox.calls(live.pk)["deleteInstanceAccount"] == 1
    assert sandbox.calls()["getInstances"] == 1
    live.refresh_from_db()
    assert live.deleted is True


@pytest.mark.parametrize("kind", ["http429", "text"])
def test_refusal_after_the_delete_happened_counts_as_deleted(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    # Green API deletes, then answers 429 or "Instance account is expired": the list says deleted.
    sandbox.add_fault("deleteInstanceAccount", kind, after=True, idInstance=live.pk)

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    assert response.status_code == 302
    assert sandbox.calls(live.pk)["deleteInstanceAccount"] == 1
    assert sandbox.calls()["getInstances"] == 1
    assert Instance.objects.get(pk=live.pk).deleted is True
    assert AuditEvent.objects.get(action="instance.delete").result == AuditEvent.Result.OK


@pytest.mark.parametrize("kind", ["http429", "text"])
def test_refusal_is_reported_once_the_list_shows_the_instance_active(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    sandbox.add_fault("deleteInstanceAccount", kind, idInstance=live.pk)

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    assert response.status_code == 200
    assert "The instance was not deleted" in page_text(response)
    assert sandbox.calls(live.pk)["deleteInstanceAccount"] == 1
    assert sandbox.calls()["getInstances"] == 1
    assert sandbox.instance(live.pk)["deleted"] is False
    assert Instance.objects.get(pk=live.pk).deleted is False


def test_refusal_and_unreadable_list_say_the_outcome_is_unknown(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("deleteInstanceAccount", "http429", idInstance=live.pk)
    sandbox.add_fault("getInstances", "http500")

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    text = page_text(response)
    assert FAULT_SENTENCES["http429"] in text
    assert "could not be read to check whether it happened" in text
    assert Instance.objects.get(pk=live.pk).deleted is False


@pytest.mark.usefixtures("short_timeouts")
def test_lost_answer_and_unreadable_list_keep_the_instance(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("deleteInstanceAccount", "http500", after=True, idInstance=live.pk)
    sandbox.add_fault("getInstances", "http500")

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    text = page_text(response)
    assert "could not be read to check whether it happened" in text
    assert sandbox.calls(live.pk)["deleteInstanceAccount"] == 1
    # Unknown is not "deleted": the next sync marks it.
    assert Instance.objects.get(pk=live.pk).deleted is False


def test_a_list_without_the_instance_proves_nothing(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    # Deleted instances stay listed (deleted: true), so an answer without it is incomplete.
    sandbox.add_fault("deleteInstanceAccount", "http429", idInstance=live.pk)
    sandbox.add_fault("getInstances", "error200", body=[])

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    assert response.status_code == 200
    assert "could not be read to check whether it happened" in page_text(response)
    assert Instance.objects.get(pk=live.pk).deleted is False


BEING_DELETED = "This instance is being deleted by someone else right now"


def test_delete_already_under_way_is_refused_and_sends_nothing(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    Instance.objects.filter(pk=live.pk).update(delete_started_at=timezone.now())

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    assert response.status_code == 200
    assert BEING_DELETED in page_text(response)
    assert sandbox.calls(live.pk) == {}
    assert Instance.objects.get(pk=live.pk).deleted is False


def test_claim_left_by_a_crashed_delete_expires(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    Instance.objects.filter(pk=live.pk).update(
        delete_started_at=timezone.now() - timedelta(hours=1)
    )

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    assert response.status_code == 302
    assert sandbox.instance(live.pk)["deleted"] is True
    assert Instance.objects.get(pk=live.pk).deleted is True


def test_failed_delete_lets_the_next_one_try(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("getStateInstance", "http500", times=3, idInstance=live.pk)
    client = logged_in(reseller_a_user)

    failed = client.post(delete_url(live), confirm(live))
    again = client.post(delete_url(live), confirm(live))

    assert "The instance was not deleted" in page_text(failed)
    assert again.status_code == 302
    assert Instance.objects.get(pk=live.pk).deleted is True


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs a database that allows concurrent writers"
)
def test_concurrent_deletes_send_one_delete(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    # The first delete's answer takes a moment, so the others arrive while it is under way.
    sandbox.add_fault("deleteInstanceAccount", "hang", after=True, seconds=0.5, idInstance=live.pk)
    texts: list[str] = []
    barrier = threading.Barrier(5)

    def submit() -> None:
        client = logged_in(reseller_a_user)
        barrier.wait()
        response = client.post(delete_url(live), confirm(live))
        texts.append("deleted" if response.status_code == 302 else page_text(response))
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sandbox.calls(live.pk)["deleteInstanceAccount"] == 1
    assert sandbox.calls(live.pk).get("getStateInstance", 0) == 1
    assert texts.count("deleted") == 1
    assert all(BEING_DELETED in text for text in texts if text != "deleted")
    assert Instance.objects.get(pk=live.pk).deleted is True


def test_delete_ends_within_the_action_deadline_however_many_calls_hang(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, settings: Any
) -> None:
    settings.GREEN_API_READ_TIMEOUT = 1.0
    settings.GREEN_API_DEADLINE = 1.0
    settings.GREEN_API_ACTION_DEADLINE = 1.5
    sandbox.set_state(live.pk, "authorized")
    # The state check answers after 0.5 s; each later call would use its whole second: 3.5 s.
    sandbox.add_fault("getStateInstance", "hang", after=True, seconds=0.5, idInstance=live.pk)
    for method in ("logout", "deleteInstanceAccount", "getInstances"):
        sandbox.add_fault(method, "hang", seconds=2)
    client = logged_in(reseller_a_user)

    started = time.monotonic()
    response = client.post(delete_url(live), confirm(live) | {"skip_unreachable_logout": "on"})
    elapsed = time.monotonic() - started

    assert elapsed < 2.5
    assert response.status_code == 200
    assert "Green API did not answer in time" in page_text(response)
    assert Instance.objects.get(pk=live.pk).deleted is False


def test_service_refuses_to_call_green_api_after_a_failure_it_cannot_settle(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("getStateInstance", "http500", idInstance=live.pk)

    with pytest.raises(ApplicationError, match="The instance was not deleted"):
        instance_delete(instance=live, user=reseller_a_user)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Type the instance id to confirm."),
        ("   ", "Type the instance id to confirm."),
        ("1101000001", "not this instance's id"),
        ("x" * 5000, "at most 40 characters"),
        ("\u0661\u0661\u0660\u0661", "not this instance's id"),  # Arabic-Indic digits
        ("\x00", "Null characters are not allowed."),
        ("12.5", "not this instance's id"),
    ],
)
def test_confirmation_must_be_the_exact_id(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, typed: str, error: str
) -> None:
    response = logged_in(reseller_a_user).post(delete_url(live), {"confirm_id": typed})

    assert response.status_code == 200
    assert error in page_text(response)
    assert sandbox.calls(live.pk).get("deleteInstanceAccount", 0) == 0
    assert Instance.objects.get(pk=live.pk).deleted is False


def test_confirmation_as_a_list_or_missing_is_a_form_error(
    reseller_a_user: User, live: Instance
) -> None:
    client = logged_in(reseller_a_user)
    for data in ({}, {"confirm_id": ["1", "2"]}, {"other": "x"}):
        response = client.post(delete_url(live), data)
        assert response.status_code == 200
        assert "instance id" in page_text(response)
    assert Instance.objects.get(pk=live.pk).deleted is False


def test_support_may_not_delete(support: User, instance_a: Instance) -> None:
    client = logged_in(support)
    assert client.get(delete_url(instance_a)).status_code == 403
    assert client.post(delete_url(instance_a), confirm(instance_a)).status_code == 403


def test_other_reseller_gets_404(reseller_b_user: User, instance_a: Instance) -> None:
    client = logged_in(reseller_b_user)
    assert client.get(delete_url(instance_a)).status_code == 404
    assert client.post(delete_url(instance_a), confirm(instance_a)).status_code == 404
    assert Instance.objects.get(pk=instance_a.pk).deleted is False


def test_deleted_instance_page_is_read_only(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)
    client.post(delete_url(live), confirm(live))

    page = page_text(client.get(f"/instances/{live.pk}/"))

    assert "This instance was deleted" in page
    for action in ("delete", "reboot", "logout", "settings", "token", "state/refresh"):
        assert f"/instances/{live.pk}/{action}/" not in page
    for action in ("delete", "reboot", "logout", "settings"):
        response = client.get(f"/instances/{live.pk}/{action}/")
        assert response.status_code == 409
        assert "this instance was deleted" in page_text(response)


def expire(sandbox: SandboxControl, instance: Instance) -> None:
    response = sandbox.set_expired(instance.pk)
    assert response.status_code == 200, response.text


def test_expired_linked_instance_is_not_deleted_without_consent(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")
    expire(sandbox, live)

    response = logged_in(reseller_a_user).post(delete_url(live), confirm(live))

    text = page_text(response)
    assert "The instance was not deleted" in text
    assert "tick the box to delete it anyway" in text
    assert sandbox.calls(live.pk).get("deleteInstanceAccount", 0) == 0


def test_expired_instance_is_deleted_when_the_user_accepts_unlinking_by_hand(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")
    expire(sandbox, live)

    response = logged_in(reseller_a_user).post(
        delete_url(live), confirm(live) | {"skip_unreachable_logout": "on"}, follow=True
    )

    assert "Settings → Linked devices" in page_text(response)
    assert Instance.objects.get(pk=live.pk).deleted is True
    assert sandbox.instance(live.pk)["deleted"] is True
    # Honest about the cost: the phone is still linked, and the message said so.
    assert sandbox.instance(live.pk)["deviceLinked"] is True
    event = AuditEvent.objects.get(action="instance.delete")
    assert "not logged out (unreachable)" in event.detail
    assert event.result == AuditEvent.Result.OK
