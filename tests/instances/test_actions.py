"""Reboot, logout and the state refresh: confirmed, recorded, and plain about failures."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import AuditEvent, User
from instances.models import Instance, StateChange
from tests.instances.live import (
    FAULT_KINDS,
    FAULT_SENTENCES,
    add_fault,
    logged_in,
    page_text,
)
from tests.support.sandbox import SandboxControl


@pytest.mark.parametrize("action", ["reboot", "logout"])
def test_get_shows_a_confirmation_and_changes_nothing(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, action: str
) -> None:
    response = logged_in(reseller_a_user).get(f"/instances/{live.pk}/{action}/")

    assert response.status_code == 200
    assert 'method="post"' in page_text(response)
    assert sandbox.calls(live.pk).get(action, 0) == 0
    assert not AuditEvent.objects.exists()


def test_reboot_leaves_the_instance_starting(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, settings: Any
) -> None:
    settings.SANDBOX_REBOOT_SECONDS = 60
    sandbox.set_state(live.pk, "authorized")
    client = logged_in(reseller_a_user)

    response = client.post(f"/instances/{live.pk}/reboot/")

    assert response.status_code == 302
    assert response["Location"] == f"/instances/{live.pk}/"
    assert sandbox.calls(live.pk)["reboot"] == 1
    assert sandbox.instance(live.pk)["stateInstance"] == "starting"
    live.refresh_from_db()
    assert live.state == Instance.State.STARTING
    change = StateChange.objects.get(instance=live)
    assert (change.state, change.source) == ("starting", StateChange.Source.ACTION)
    event = AuditEvent.objects.get(action="instance.reboot")
    assert (event.result, event.target_id, event.actor) == ("ok", str(live.pk), reseller_a_user)
    assert "Reboot requested" in page_text(client.get(response["Location"]))


def test_logout_unlinks_the_phone(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")
    Instance.objects.filter(pk=live.pk).update(state=Instance.State.AUTHORIZED, phone="79001234567")

    response = logged_in(reseller_a_user).post(f"/instances/{live.pk}/logout/")

    assert response.status_code == 302
    remote = sandbox.instance(live.pk)
    assert remote["stateInstance"] == "notAuthorized"
    assert remote["deviceLinked"] is False
    live.refresh_from_db()
    assert (live.state, live.phone) == (Instance.State.NOT_AUTHORIZED, "")
    assert AuditEvent.objects.get(action="instance.logout").result == "ok"


def test_support_may_reboot(support: User, live: Instance, sandbox: SandboxControl) -> None:
    response = logged_in(support).post(f"/instances/{live.pk}/reboot/")

    assert response.status_code == 302
    assert sandbox.calls(live.pk)["reboot"] == 1


@pytest.mark.parametrize("action", ["reboot", "logout"])
@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.usefixtures("short_timeouts")
def test_failure_is_explained_and_recorded(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, action: str, kind: str
) -> None:
    add_fault(sandbox, action, kind, live)

    response = logged_in(reseller_a_user).post(f"/instances/{live.pk}/{action}/")

    text = page_text(response)
    assert response.status_code == 200
    assert FAULT_SENTENCES[kind] in text
    assert "Could not" in text
    live.refresh_from_db()
    assert live.state == Instance.State.NOT_AUTHORIZED  # nothing recorded that did not happen
    assert not live.deleted
    assert AuditEvent.objects.get(action=f"instance.{action}").result == "failed"


def test_action_on_an_instance_being_created_says_to_wait(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("reboot", "text", idInstance=live.pk)  # the "expired" sentence
    Instance.objects.filter(pk=live.pk).update(state=Instance.State.CREATING)

    response = logged_in(reseller_a_user).post(f"/instances/{live.pk}/reboot/")

    assert "still being created. Try again in a few minutes." in page_text(response)


def test_expired_instance_says_to_renew(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("reboot", "text", idInstance=live.pk)
    Instance.objects.filter(pk=live.pk).update(time_created="2020-01-01T00:00:00Z")

    response = logged_in(reseller_a_user).post(f"/instances/{live.pk}/reboot/")

    assert "account is expired. Renew it in the Green API console" in page_text(response)


def test_other_reseller_gets_404(reseller_b_user: User, instance_a: Instance) -> None:
    client = logged_in(reseller_b_user)
    for action in ("reboot", "logout"):
        assert client.get(f"/instances/{instance_a.pk}/{action}/").status_code == 404
        assert client.post(f"/instances/{instance_a.pk}/{action}/").status_code == 404


# The state refresh.


def test_refresh_records_the_live_state_and_phone(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")
    client = logged_in(reseller_a_user)

    response = client.post(f"/instances/{live.pk}/state/refresh/")

    assert response.status_code == 302
    live.refresh_from_db()
    assert live.state == Instance.State.AUTHORIZED
    assert live.phone == "79001234567"
    page = page_text(client.get(response["Location"]))
    assert "State checked: Linked." in page
    assert "+79001234567" in page


def test_refresh_with_htmx_answers_the_state_fragment(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "blocked")

    response = logged_in(reseller_a_user).post(
        f"/instances/{live.pk}/state/refresh/", headers={"HX-Request": "true"}
    )

    text = page_text(response)
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="state"')
    assert "<html" not in text
    assert "Blocked" in text


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.usefixtures("short_timeouts")
def test_refresh_failure_keeps_the_last_known_state(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    add_fault(sandbox, "getStateInstance", kind, live)
    client = logged_in(reseller_a_user)

    fragment = client.post(f"/instances/{live.pk}/state/refresh/", headers={"HX-Request": "true"})
    full = client.post(f"/instances/{live.pk}/state/refresh/", follow=True)

    for response in (fragment, full):
        assert response.status_code == 200
        assert FAULT_SENTENCES[kind] in page_text(response)
        assert "Could not check the state" in page_text(response)
    live.refresh_from_db()
    assert live.state == Instance.State.NOT_AUTHORIZED
    assert live.state_checked_at is None


def test_refresh_of_a_deleted_instance_calls_nothing(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    Instance.objects.filter(pk=live.pk).update(deleted=True)

    response = logged_in(reseller_a_user).post(
        f"/instances/{live.pk}/state/refresh/", headers={"HX-Request": "true"}
    )

    assert "this instance was deleted" in page_text(response)
    assert sandbox.calls(live.pk).get("getStateInstance", 0) == 0


@pytest.mark.parametrize("url", ["state/refresh", "token"])
def test_post_only_urls_answer_get_with_405(admin: User, instance_a: Instance, url: str) -> None:
    assert logged_in(admin).get(f"/instances/{instance_a.pk}/{url}/").status_code == 405
