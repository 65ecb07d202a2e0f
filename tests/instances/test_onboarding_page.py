"""The onboarding page: its three steps, every answer of qr, and the actions on the way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from accounts.models import AuditEvent, User
from instances.models import Instance, StateChange
from instances.services.shared_calls import Entry
from tests.support.onboarding import HTMX, decode_qr, later, logged_in, make_instance, text
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


@pytest.fixture(autouse=True)
def _fresh(settings: Any) -> None:
    later()  # no shared answer from an earlier test's instance
    settings.SANDBOX_RATE_LIMITS = False  # these tests call faster than a person would


def status(user: User, instance: Instance) -> str:
    response = logged_in(user).get(f"/instances/{instance.pk}/connect/status/", **HTMX)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return text(response)


def test_ready_page_shows_the_qr_code_at_once(live: Instance, reseller_a_user: User) -> None:
    client = logged_in(reseller_a_user)
    page = text(client.get(f"/instances/{live.pk}/connect/"))

    assert 'data-step="ready"' in page
    assert f'src="/instances/{live.pk}/connect/qr.png?v=' in page
    assert "Link with your phone number" in page
    assert "Settings</strong> (on Android: the ⋮ menu) → <strong>Linked devices" in page
    assert 'data-countdown="20"' in page  # first seen just now: a full rotation ahead


def test_qr_image_is_a_png_of_the_current_code_and_never_cached(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    response = logged_in(reseller_a_user).get(f"/instances/{live.pk}/connect/qr.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "no-store"
    assert decode_qr(response.content) == sandbox.instance(live.pk)["currentQrPayload"]


def test_scanning_switches_to_linked_with_the_phone_and_stops_polling(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)
    payload = decode_qr(client.get(f"/instances/{live.pk}/connect/qr.png").content)
    assert 'data-poll="2"' in status(reseller_a_user, live)

    assert sandbox.scan(payload, phone_number=79005550101).status_code == 200
    later()
    fragment = status(reseller_a_user, live)

    assert 'data-step="linked"' in fragment
    assert 'data-poll="stop"' in fragment
    assert "+79005550101" in fragment
    live.refresh_from_db()
    assert (live.state, live.phone) == (Instance.State.AUTHORIZED, "79005550101")
    linking = StateChange.objects.get(instance=live, state=Instance.State.AUTHORIZED)
    assert linking.previous_state == Instance.State.NOT_AUTHORIZED
    later()
    status(reseller_a_user, live)  # seen linked again: still one change on the timeline
    assert StateChange.objects.filter(instance=live, state=Instance.State.AUTHORIZED).count() == 1
    # Watching is not acting: the poll writes the timeline, not the audit trail.
    assert not AuditEvent.objects.filter(action="onboarding.linked").exists()


def test_already_logged_answer_means_linked(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    # The state check lags (still notAuthorized) while qr already knows the phone is linked.
    sandbox.set_state(live.pk, "authorized")
    sandbox.add_fault(
        "getStateInstance", "error200", body={"stateInstance": "notAuthorized"}, idInstance=live.pk
    )
    sandbox.add_fault(
        "qr",
        "error200",
        body={"type": "alreadyLogged", "message": "instance account already authorized"},
        idInstance=live.pk,
    )

    fragment = status(reseller_a_user, live)

    assert 'data-step="linked"' in fragment
    assert "+79001234567" in fragment
    live.refresh_from_db()
    assert live.state == Instance.State.AUTHORIZED
    assert StateChange.objects.filter(instance=live, state=Instance.State.AUTHORIZED).count() == 1


def test_stale_login_offers_logout_and_retry(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("qr", "error200", idInstance=live.pk, times=1)
    page = text(logged_in(reseller_a_user).get(f"/instances/{live.pk}/connect/"))

    assert "Green API still holds an old login" in page
    assert f'action="/instances/{live.pk}/connect/logout/"' in page
    assert "data-qr" not in page

    response = logged_in(reseller_a_user).post(f"/instances/{live.pk}/connect/logout/")
    assert response.status_code == 302
    assert response["Location"] == f"/instances/{live.pk}/connect/"
    assert sandbox.calls(live.pk)["logout"] == 1
    assert AuditEvent.objects.filter(action="instance.logout", result="ok").count() == 1
    # The shared answers were dropped: the next look shows a code again.
    assert "data-qr" in status(reseller_a_user, live)


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        ("http429", "Green API is busy right now"),
        ("http502", "Green API is not answering."),
        ("http500", "Green API is not answering."),
        ("hang", "Green API did not answer in time."),
        ("malformed", "could not be read"),
    ],
)
@pytest.mark.usefixtures("short_timeouts")
def test_trouble_with_qr_is_a_calm_message_with_backoff(
    live: Instance,
    reseller_a_user: User,
    sandbox: SandboxControl,
    kind: str,
    sentence: str,
) -> None:
    # A 0.6 s deadline over the retries of a refusal ran out on a busy CI machine, and the page
    # rightly said "did not answer in time" instead of the refusal's sentence.
    options = {"seconds": 1.5} if kind == "hang" else {}
    sandbox.add_fault("qr", kind, idInstance=live.pk, **options)

    first = status(reseller_a_user, live)
    assert sentence in first
    assert 'data-step="ready"' in first
    assert 'data-poll="2"' in first
    later_answer = _again(reseller_a_user, live)
    # A second failure in a row: the page waits longer before asking again.
    assert 'data-poll="4"' in later_answer


def _again(user: User, instance: Instance) -> str:
    """Look again once the shared answers are stale, keeping them (and so the failure streak)."""
    for kind in ("state", "qr"):
        name = f"onboarding:{kind}:{instance.pk}"
        entry = cache.get(name)
        if entry is not None:
            cache.set(name, Entry(entry.value, 0.0))
    return status(user, instance)


@pytest.mark.parametrize("kind", ["http429", "http502", "malformed"])
def test_trouble_with_the_state_keeps_the_last_known_step(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, kind: str
) -> None:
    sandbox.add_fault("*", kind, idInstance=live.pk)  # qr answers the poll while a code shows

    fragment = status(reseller_a_user, live)

    assert 'data-step="ready"' in fragment  # the mirror says notAuthorized
    assert "The page keeps trying by itself." in fragment


def test_new_instance_shows_being_created_with_the_time_waited(
    reseller_a_user: User, sandbox: SandboxControl, settings: Any
) -> None:
    settings.SANDBOX_CREATE_SECONDS = 3600
    instance = make_instance(
        reseller_a_user.reseller, age=timedelta(seconds=75), state=Instance.State.CREATING
    )

    fragment = status(reseller_a_user, instance)

    assert 'data-step="creating"' in fragment
    assert "The instance is being created" in fragment
    assert "1 min 15 s" in fragment
    assert 'data-elapsed="75"' in fragment
    assert "Reboot the instance" not in fragment
    assert "qr.png" not in fragment


def test_expired_text_right_after_creation_means_being_created(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller, age=timedelta(seconds=30))
    sandbox.add_fault("*", "text", idInstance=instance.pk)  # every method says it, qr too

    assert 'data-step="creating"' in status(reseller_a_user, instance)


def test_expired_text_for_an_old_instance_is_a_problem(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    live.time_created = timezone.now() - timedelta(days=40)
    live.save(update_fields=["time_created"])
    sandbox.add_fault("*", "text", idInstance=live.pk)

    fragment = status(reseller_a_user, live)

    assert 'data-step="problem"' in fragment
    assert "expired" in fragment


def test_after_five_minutes_a_reboot_is_offered_and_works(
    reseller_a_user: User, sandbox: SandboxControl, settings: Any
) -> None:
    settings.SANDBOX_CREATE_SECONDS = 3600
    instance = make_instance(
        reseller_a_user.reseller, age=timedelta(minutes=6), state=Instance.State.CREATING
    )
    fragment = status(reseller_a_user, instance)
    assert "taking longer than the usual 5 minutes" in fragment
    assert f'action="/instances/{instance.pk}/connect/reboot/"' in fragment

    settings.SANDBOX_CREATE_SECONDS = 0  # the emulator reboots only a built instance
    response = logged_in(reseller_a_user).post(f"/instances/{instance.pk}/connect/reboot/")

    assert response.status_code == 302
    assert sandbox.calls(instance.pk)["reboot"] == 1
    assert AuditEvent.objects.filter(action="instance.reboot", result="ok").count() == 1


def test_starting_instance_is_being_created_and_offers_reboot_later(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "starting")

    assert "The instance is starting" in status(reseller_a_user, live)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        later()
        assert "Reboot the instance" in status(reseller_a_user, live)


@pytest.mark.parametrize(
    ("state", "sentence"),
    [("blocked", "banned this account"), ("yellowCard", "is linked to this instance")],
)
def test_other_states(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, state: str, sentence: str
) -> None:
    sandbox.set_state(live.pk, state)
    assert sentence in status(reseller_a_user, live)


def test_deleted_instance_says_so(live: Instance, reseller_a_user: User) -> None:
    live.deleted = True
    live.save(update_fields=["deleted"])

    page = text(logged_in(reseller_a_user).get(f"/instances/{live.pk}/connect/"))

    assert "This instance was deleted." in page
    assert "Issue a customer link" not in page


@pytest.mark.parametrize(("messenger", "name"), [("telegram", "Telegram"), ("v3", "MAX")])
def test_telegram_and_max_show_the_qr_and_say_codes_are_whatsapp_only(
    reseller_a_user: User, sandbox: SandboxControl, messenger: str, name: str
) -> None:
    instance = make_instance(reseller_a_user.reseller, type_instance=messenger)
    client = logged_in(reseller_a_user)

    page = text(client.get(f"/instances/{instance.pk}/connect/"))
    assert f"Scan the QR code with {name}" in page
    assert "works only for WhatsApp" in page
    assert "Get a code" not in page
    png = client.get(f"/instances/{instance.pk}/connect/qr.png").content
    assert decode_qr(png) == sandbox.instance(instance.pk)["currentQrPayload"]

    response = client.post(
        f"/instances/{instance.pk}/connect/code/", {"phone_number": "79001234567"}, **HTMX
    )
    assert response.status_code == 200
    assert "works only for WhatsApp" in text(response)
    assert "getAuthorizationCode" not in sandbox.calls(instance.pk)


def test_page_works_without_javascript(live: Instance, reseller_a_user: User) -> None:
    page = text(logged_in(reseller_a_user).get(f"/instances/{live.pk}/connect/"))

    assert (
        f'<noscript><p><a class="btn secondary" href="/instances/{live.pk}/connect/">Refresh'
        in (page)
    )
    assert "<img" in page
    assert '<script src="/static/js/onboarding.js" defer></script>' in page


def test_status_without_htmx_goes_to_the_page(live: Instance, reseller_a_user: User) -> None:
    response = logged_in(reseller_a_user).get(f"/instances/{live.pk}/connect/status/")
    assert response.status_code == 302
    assert response["Location"] == f"/instances/{live.pk}/connect/"


def test_no_qr_image_when_there_is_no_code(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")
    response = logged_in(reseller_a_user).get(f"/instances/{live.pk}/connect/qr.png")
    assert response.status_code == 204
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["connect/code/", "connect/logout/", "connect/reboot/", "connect/hosted-qr/"]
)
def test_actions_refuse_get(live: Instance, admin: User, path: str) -> None:
    assert logged_in(admin).get(f"/instances/{live.pk}/{path}").status_code == 405


def test_pages_never_hold_a_token(
    live: Instance, admin: User, sandbox: SandboxControl, partner_token: str
) -> None:
    client = logged_in(admin)
    responses = [
        client.get(f"/instances/{live.pk}/connect/"),
        client.get(f"/instances/{live.pk}/connect/status/", **HTMX),
        client.post(f"/instances/{live.pk}/connect/code/", {"phone_number": "79001234567"}),
        client.post(f"/instances/{live.pk}/links/issue/", {"hours": "24"}),
    ]
    for response in responses:
        body = response.content.decode()
        assert live.api_token not in body
        assert partner_token not in body


def test_instance_page_leads_to_the_onboarding_page(instance_a: Instance, support: User) -> None:
    page = text(logged_in(support).get(f"/instances/{instance_a.pk}/"))
    assert f'href="/instances/{instance_a.pk}/connect/">Link a phone</a>' in page


@pytest.mark.parametrize(
    ("state", "sentence"),
    [("pendingCode", "waiting for the login code"), ("pendingPassword", "verification password")],
)
def test_telegram_waiting_for_a_code_or_password_says_where_to_finish(
    reseller_a_user: User, sandbox: SandboxControl, state: str, sentence: str
) -> None:
    instance = make_instance(reseller_a_user.reseller, type_instance="telegram")
    sandbox.add_fault("getStateInstance", "error200", body={"stateInstance": state})

    fragment = status(reseller_a_user, instance)

    assert 'data-step="ready"' in fragment
    assert sentence in fragment
    assert "Green API console" in fragment
    assert "qr" not in sandbox.calls(instance.pk)


def test_unusual_qr_answers_are_shown_not_crashed_on(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller, type_instance="v3")
    sandbox.add_fault("qr", "error200", body={"type": "pending_password", "message": ""})

    assert "verification password" in status(reseller_a_user, instance)


def test_upstream_qr_text_is_shown_without_tokens() -> None:
    from instances.services.onboarding_answers import qr_message

    token = "ab" * 25
    shown = qr_message("error", f"see https://api.green-api.com/waInstance1101000001/qr/{token}")
    assert token not in shown
    assert shown.startswith("Green API says:")
