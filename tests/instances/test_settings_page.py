"""The settings page: read from Green API, only changed keys sent, the webhook token never shown."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent, User
from instances.greenapi_factory import instance_client
from instances.models import Instance, StateChange
from tests.instances.live import (
    FAULT_KINDS,
    FAULT_SENTENCES,
    add_fault,
    form_values,
    logged_in,
    page_text,
)
from tests.support.sandbox import SandboxControl

SECRET = "hook-secret-7f3a9c"


def url(instance: Instance) -> str:
    return f"/instances/{instance.pk}/settings/"


def test_page_shows_the_current_settings_and_the_restart_warning(
    reseller_a_user: User, live: Instance
) -> None:
    instance_client(live).set_settings(
        {"webhookUrl": "https://hooks.example.com/a", "stateWebhook": "yes"}
    )

    response = logged_in(reseller_a_user).get(url(live))

    text = page_text(response)
    assert response.status_code == 200
    values = form_values(response)
    assert values["webhook_url"] == "https://hooks.example.com/a"
    assert values["state_webhook"] == "on"
    assert "incoming_webhook" not in values  # unticked
    assert values["delay_send_messages_milliseconds"] == "3000"
    assert "Saving restarts the instance" in text
    assert "up to 5 minutes" in text
    assert "No webhook token is set." in text


def test_round_trip_saves_only_what_changed(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)
    data = form_values(client.get(url(live)))
    # Someone changes a setting in the console while the form is open.
    instance_client(live).set_settings({"incomingCallWebhook": "yes"})
    data |= {
        "webhook_url": "https://hooks.example.com/new",
        "webhook_url_token": SECRET,
        "delay_send_messages_milliseconds": "1500",
        "state_webhook": "on",
    }

    response = client.post(url(live), data)

    assert response.status_code == 302
    assert response["Location"] == f"/instances/{live.pk}/"
    remote = instance_client(live).get_settings()
    assert remote.webhook_url == "https://hooks.example.com/new"
    assert remote.webhook_url_token == SECRET
    assert remote.delay_send_messages_milliseconds == 1500
    assert remote.state_webhook == "yes"
    assert remote.incoming_call_webhook == "yes"  # not sent, so not overwritten
    event = AuditEvent.objects.get(action="instance.settings")
    assert event.detail == (
        "changed delaySendMessagesMilliseconds, stateWebhook, webhookUrl, "
        "webhookUrlToken (replaced)"
    )
    assert SECRET not in event.detail
    change = StateChange.objects.get(instance=live)
    assert (change.state, change.source) == ("starting", StateChange.Source.ACTION)
    assert "can take up to 5 minutes" in page_text(client.get(response["Location"]))


def test_webhook_token_is_never_echoed(reseller_a_user: User, live: Instance) -> None:
    instance_client(live).set_settings({"webhookUrlToken": SECRET})
    client = logged_in(reseller_a_user)

    page = client.get(url(live))
    data = form_values(page)
    # A form error re-renders the page with what was typed, the token included.
    again = client.post(
        url(live), data | {"webhook_url_token": SECRET, "webhook_url": "ftp://files.example.com/"}
    )

    assert SECRET not in page.content.decode()
    assert "A webhook token is set (it is never shown here)." in page_text(page)
    assert again.status_code == 200
    assert SECRET not in again.content.decode()
    assert "A webhook token is set" in page_text(again)
    assert "must start with https:// or http://" in page_text(again)


def test_token_can_be_cleared(reseller_a_user: User, live: Instance) -> None:
    instance_client(live).set_settings({"webhookUrlToken": SECRET})
    client = logged_in(reseller_a_user)
    data = form_values(client.get(url(live)))

    response = client.post(url(live), data | {"clear_webhook_url_token": "on"})

    assert response.status_code == 302
    assert instance_client(live).get_settings().webhook_url_token == ""
    assert AuditEvent.objects.get(action="instance.settings").detail == (
        "changed webhookUrlToken (cleared)"
    )


def test_unchanged_form_sends_nothing(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)
    data = form_values(client.get(url(live)))

    response = client.post(url(live), data)

    assert response.status_code == 200
    assert "Nothing was changed" in page_text(response)
    assert sandbox.calls(live.pk).get("setSettings", 0) == 0


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("webhook_url", "javascript:alert(1)", "Enter a valid URL."),
        ("webhook_url", "ftp://files.example.com/", "must start with https:// or http://"),
        ("webhook_url", "https://" + "a" * 600 + ".com", "at most 500 characters"),
        ("webhook_url", "https://exa mple.com", "Enter a valid URL."),
        ("webhook_url", "https://example.com/\x00", "Null characters are not allowed."),
        ("webhook_url_token", "tok en", "without spaces"),
        ("webhook_url_token", "tökén", "without spaces"),
        ("webhook_url_token", "t" * 201, "at most 200 characters"),
        ("webhook_url_token", "line\nbreak", "without spaces"),
        ("delay_send_messages_milliseconds", "499", "greater than or equal to 500"),
        ("delay_send_messages_milliseconds", "600001", "less than or equal to 600000"),
        ("delay_send_messages_milliseconds", "9" * 400, "less than or equal to 600000"),
        ("delay_send_messages_milliseconds", "1.5", "Enter a whole number."),
        ("delay_send_messages_milliseconds", "abc", "Enter a whole number."),
        ("delay_send_messages_milliseconds", "\u0664\u0660\u0660", "greater than or equal to 500"),
        ("delay_send_messages_milliseconds", "NaN", "Enter a whole number."),
    ],
)
def test_bad_input_is_a_form_error(
    reseller_a_user: User,
    live: Instance,
    sandbox: SandboxControl,
    field: str,
    value: str,
    error: str,
) -> None:
    client = logged_in(reseller_a_user)
    data = form_values(client.get(url(live)))

    response = client.post(url(live), data | {field: value})

    assert response.status_code == 200
    assert error in page_text(response)
    assert sandbox.calls(live.pk).get("setSettings", 0) == 0


def test_new_token_and_clear_together_is_refused(reseller_a_user: User, live: Instance) -> None:
    client = logged_in(reseller_a_user)
    data = form_values(client.get(url(live)))

    response = client.post(
        url(live), data | {"webhook_url_token": SECRET, "clear_webhook_url_token": "on"}
    )

    assert "not both" in page_text(response)


def test_garbled_or_missing_fields_never_500(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)
    for data in (
        {},
        {"initial-webhook_url": "x" * 10_000, "initial-state_webhook": "maybe"},
        {"state_webhook": ["on", "off"], "delay_send_messages_milliseconds": ["1", "2"]},
        {"had_token": "☃", "webhook_url": "https://例え.jp/hook"},
    ):
        response = client.post(url(live), data)
        assert response.status_code in {200, 302}
    assert Instance.objects.filter(pk=live.pk, deleted=False).exists()


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.usefixtures("short_timeouts")
def test_reading_fails_plainly(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    add_fault(sandbox, "getSettings", kind, live)

    response = logged_in(reseller_a_user).get(url(live))

    text = page_text(response)
    assert response.status_code == 200
    assert "Could not read the settings" in text
    assert FAULT_SENTENCES[kind] in text
    assert "<form" not in text.split("<main", 1)[1]  # no form to save blind values from


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.usefixtures("short_timeouts")
def test_saving_fails_plainly(
    reseller_a_user: User, live: Instance, sandbox: SandboxControl, kind: str
) -> None:
    client = logged_in(reseller_a_user)
    data = form_values(client.get(url(live)))
    add_fault(sandbox, "setSettings", kind, live)

    response = client.post(url(live), data | {"webhook_url": "https://hooks.example.com/b"})

    text = page_text(response)
    assert response.status_code == 200
    assert "Could not save the settings" in text
    assert FAULT_SENTENCES[kind] in text
    if kind != "http429":  # a 429 is a refusal; the others may have been carried out
        assert "It may have happened anyway" in text
    assert sandbox.calls(live.pk)["setSettings"] == 1  # a POST is never re-sent
    event = AuditEvent.objects.get(action="instance.settings")
    assert event.result == "failed"
    live.refresh_from_db()
    assert live.state == Instance.State.NOT_AUTHORIZED
    assert not live.deleted


def test_support_may_not_see_or_change_settings(support: User, live: Instance) -> None:
    client = logged_in(support)
    assert client.get(url(live)).status_code == 403
    assert client.post(url(live), {"webhook_url": "https://x.example"}).status_code == 403


def test_other_reseller_gets_404(reseller_b_user: User, live: Instance) -> None:
    assert logged_in(reseller_b_user).get(url(live)).status_code == 404
