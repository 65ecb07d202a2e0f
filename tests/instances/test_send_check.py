"""A test message from the instance page and the onboarding page, over HTTP to the emulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from django.utils import timezone

from accounts.models import AuditEvent, User
from core.crypto import token_digest
from instances.models import Instance, SentTestMessage
from instances.send_check_forms import SendTestMessageForm
from instances.services.send_check import mask_phone
from tests.instances.live import FAULT_KINDS, FAULT_SENTENCES, add_fault, logged_in, page_text
from tests.support.sandbox import SandboxControl

HTMX = {"HTTP_HX_REQUEST": "true"}
NUMBER = "+7 900 111-22-33"
CHAT = "79001112233@c.us"


@pytest.fixture
def linked(live: Instance, sandbox: SandboxControl) -> Instance:
    sandbox.set_state(live.pk, "authorized").raise_for_status()
    Instance.objects.filter(pk=live.pk).update(state=Instance.State.AUTHORIZED, phone="79001234567")
    live.refresh_from_db()
    return live


def _send(client: Any, instance: Instance, number: str = NUMBER, **extra: Any) -> Any:
    data = {"phone": number, "page": "detail"}
    return client.post(f"/instances/{instance.pk}/test-message/", data, **extra)


def _status(client: Any, instance: Instance) -> Any:
    return client.get(f"/instances/{instance.pk}/test-message/status/", **HTMX)


def test_a_test_message_is_sent_and_shown_delivered(
    reseller_a_user: User, linked: Instance, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)

    response = _send(client, linked, **HTMX)

    assert response.status_code == 200
    text = page_text(response)
    assert "+7900•••••33" in text
    assert "Accepted by Green API" in text
    assert 'hx-trigger="every 2s"' in response.content.decode()

    polled = _status(client, linked)
    [remote] = sandbox.outgoing(linked.pk)["messages"]
    assert (remote["chatId"], remote["status"]) == (CHAT, "delivered")

    assert "Delivered" in page_text(polled)
    assert "every 2s" not in polled.content.decode()  # final: the polling stops
    sent = SentTestMessage.objects.get()
    assert (sent.id_message, sent.status, sent.chat_id) == (remote["idMessage"], "delivered", "")
    assert sent.sent_by == reseller_a_user
    event = AuditEvent.objects.get(action="instance.test_message")
    assert event.result == "ok"
    assert "+7900•••••33" in event.detail
    assert "1112233" not in event.detail


def test_an_instance_that_looks_connected_keeps_it_queued(
    reseller_a_user: User, linked: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_outgoing(linked.pk, statusInstance="offline")
    client = logged_in(reseller_a_user)
    _send(client, linked, **HTMX)

    polled = _status(client, linked)

    assert "Waiting in the queue" in page_text(polled)
    assert SentTestMessage.objects.get().chat_id == CHAT  # still needed to read the status

    sandbox.set_outgoing(linked.pk, statusInstance="online")
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        assert "Delivered" in page_text(_status(client, linked))


def test_sent_but_not_delivered_then_read(
    reseller_a_user: User, linked: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_outgoing(linked.pk, deliverAs="sent")
    client = logged_in(reseller_a_user)
    _send(client, linked, **HTMX)
    assert "Sent" in page_text(_status(client, linked))

    [remote] = sandbox.outgoing(linked.pk)["messages"]
    sandbox.set_message_status(remote["idMessage"], "read").raise_for_status()
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        assert "Read" in page_text(_status(client, linked))


def test_the_page_stops_watching_after_two_minutes(
    reseller_a_user: User, linked: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_outgoing(linked.pk, queueStalled=True)
    client = logged_in(reseller_a_user)
    _send(client, linked, **HTMX)
    sandbox.reset_calls()

    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        polled = _status(client, linked)

    assert "every 2s" not in polled.content.decode()
    assert "Not sent yet" in page_text(polled)
    assert "getMessage" not in sandbox.calls(linked.pk)


def test_one_test_message_per_instance_per_30_seconds(
    reseller_a_user: User, linked: Instance, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)
    _send(client, linked, **HTMX)

    again = _send(client, linked, **HTMX)

    assert "less than 30 seconds ago" in page_text(again)
    assert sandbox.calls(linked.pk)["sendMessage"] == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        _send(client, linked, **HTMX)
    assert sandbox.calls(linked.pk)["sendMessage"] == 2


def test_without_javascript_the_form_redirects_back_with_a_message(
    reseller_a_user: User, linked: Instance
) -> None:
    client = logged_in(reseller_a_user)

    response = client.post(
        f"/instances/{linked.pk}/test-message/", {"phone": NUMBER, "page": "connect"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/instances/{linked.pk}/connect/#test-message"
    page = page_text(client.get(response["Location"]))
    assert "Test message handed to Green API" in page
    assert "+7900•••••33" in page


@pytest.mark.parametrize("number", ["", "12345", "0079 abc", "+0 900 111 22 33", "1" * 16])
def test_bad_numbers_are_refused_before_anything_is_sent(
    reseller_a_user: User, linked: Instance, sandbox: SandboxControl, number: str
) -> None:
    response = _send(logged_in(reseller_a_user), linked, number, **HTMX)

    assert response.status_code == 200
    assert "phone number" in page_text(response) or "international number" in page_text(response)
    assert "sendMessage" not in sandbox.calls(linked.pk)
    assert not SentTestMessage.objects.exists()


def test_an_unlinked_instance_offers_no_form_and_refuses_a_post(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)
    assert "Once a phone is linked" in page_text(client.get(f"/instances/{live.pk}/"))

    response = _send(client, live, **HTMX)

    assert "Link a phone first" in page_text(response)
    assert "sendMessage" not in sandbox.calls(live.pk)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_green_api_failures_are_plain_sentences(
    reseller_a_user: User,
    linked: Instance,
    sandbox: SandboxControl,
    short_timeouts: Any,
    kind: str,
) -> None:
    add_fault(sandbox, "sendMessage", kind, linked)

    response = _send(logged_in(reseller_a_user), linked, **HTMX)

    assert response.status_code == 200
    assert FAULT_SENTENCES[kind] in page_text(response)
    assert AuditEvent.objects.get(action="instance.test_message").result == "failed"


def test_a_failure_that_sent_nothing_frees_the_slot(
    reseller_a_user: User, linked: Instance, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("sendMessage", "http429", times=1, idInstance=linked.pk)
    client = logged_in(reseller_a_user)
    _send(client, linked, **HTMX)

    retry = _send(client, linked, **HTMX)

    assert "Accepted by Green API" in page_text(retry)
    assert SentTestMessage.objects.count() == 1


def test_another_resellers_user_gets_404(reseller_b_user: User, linked: Instance) -> None:
    client = logged_in(reseller_b_user)

    assert _send(client, linked).status_code == 404
    assert _status(client, linked).status_code == 404
    assert not SentTestMessage.objects.exists()


def test_support_may_send_and_the_form_is_on_both_pages(
    support: User, linked: Instance, sandbox: SandboxControl
) -> None:
    client = logged_in(support)
    for path in (f"/instances/{linked.pk}/", f"/instances/{linked.pk}/connect/"):
        assert "Send the test message" in page_text(client.get(path))

    assert "Accepted by Green API" in page_text(_send(client, linked, **HTMX))


def test_get_is_not_allowed(reseller_a_user: User, linked: Instance) -> None:
    response = logged_in(reseller_a_user).get(f"/instances/{linked.pk}/test-message/")

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("typed", "digits"),
    [("+7 900 111-22-33", "79001112233"), ("0049 (151) 2345.678", "491512345678")],
)
def test_the_form_accepts_the_usual_ways_of_typing_a_number(typed: str, digits: str) -> None:
    form = SendTestMessageForm({"phone": typed, "page": "detail"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == digits


def test_mask_phone_keeps_the_country_and_the_last_two_digits() -> None:
    assert mask_phone("79001112233") == "+7900•••••33"
    assert mask_phone("4915123") == "+4915•23"


@pytest.fixture
def hooked(linked: Instance, live_server: Any, sandbox_url: str) -> Instance:
    """The linked instance reports to the portal's webhook, with its own token."""
    token = "portal-hook-token-0123456789"
    url = f"{sandbox_url}/waInstance{linked.pk}/setSettings/{linked.api_token}"
    body = {"webhookUrl": f"{live_server.url}/webhooks/green-api/", "webhookUrlToken": token}
    requests.post(url, json=body, timeout=10).raise_for_status()
    Instance.objects.filter(pk=linked.pk).update(webhook_token_hash=token_digest(token))
    linked.refresh_from_db()
    return linked


@pytest.mark.parametrize(
    ("status", "words"),
    [("noAccount", "This number has no WhatsApp account."), ("failed", "server refused")],
)
def test_a_failure_reported_by_webhook_is_shown(
    reseller_a_user: User, hooked: Instance, sandbox: SandboxControl, status: str, words: str
) -> None:
    # Failures never reach the journal (docs/greenapi.md §3.16): only the webhook tells.
    sandbox.set_outgoing(hooked.pk, deliverAs=status)
    client = logged_in(reseller_a_user)
    _send(client, hooked, **HTMX)

    _status(client, hooked)  # the emulator sends the queue, and posts the webhook, here

    sent = SentTestMessage.objects.get()
    assert (sent.status, sent.chat_id) == ("failed", "")
    assert words in sent.failure
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        polled = _status(client, hooked)
    assert "Not sent" in page_text(polled)
    assert words in page_text(polled)
    assert "every 2s" not in polled.content.decode()


def test_a_webhook_never_moves_a_status_back(
    reseller_a_user: User, hooked: Instance, sandbox: SandboxControl
) -> None:
    sandbox.set_outgoing(hooked.pk, deliverAs="read")
    client = logged_in(reseller_a_user)
    _send(client, hooked, **HTMX)
    _status(client, hooked)
    [remote] = sandbox.outgoing(hooked.pk)["messages"]

    sandbox.set_message_status(remote["idMessage"], "delivered").raise_for_status()

    assert SentTestMessage.objects.get().status == "read"
