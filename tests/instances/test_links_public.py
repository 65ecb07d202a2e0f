"""The pages a customer link opens: no login, one instance only, private, rate limited."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, User
from instances.models import Instance, OnboardingLink
from instances.services.links import onboarding_link_issue
from tests.support.onboarding import HTMX, decode_qr, later, text
from tests.support.sandbox import SandboxControl

EXPIRED = "This link has expired — ask your provider for a new one."
REVOKED = "This link was revoked"
USED = "This phone is already linked"


def issue(instance: Instance, user: User, hours: int = 24) -> str:
    """A new link's path, /l/<token>/."""
    issued = onboarding_link_issue(instance=instance, user=user, hours=hours)
    return issued.url


def assert_private(response: Any) -> None:
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "no-store"
    # The origin alone, never the path with the token (nor Origin: null, which CSRF refuses).
    assert response["Referrer-Policy"] == "strict-origin"


def test_page_shows_only_this_instances_onboarding(
    live: Instance, reseller_a_user: User, partner_token: str
) -> None:
    path = issue(live, reseller_a_user)

    response = Client().get(path)

    assert response.status_code == 200
    assert_private(response)
    page = text(response)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert f'src="{path}qr.png?v=' in page
    assert f'data-status-url="{path}status"' in page
    assert "Link with your phone number" in page
    for secret in (
        str(live.pk),
        live.name,
        live.api_token,
        partner_token,
        "Reseller A",
        "/instances/",
        "reseller-a",
    ):
        assert secret not in page
    assert "'unsafe" not in response["Content-Security-Policy"]


def test_status_and_image_are_private_too(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    path = issue(live, reseller_a_user)
    client = Client()

    fragment = client.get(f"{path}status", **HTMX)
    image = client.get(f"{path}qr.png")

    assert_private(fragment)
    assert_private(image)
    assert 'data-step="ready"' in text(fragment)
    assert str(live.pk) not in text(fragment)
    assert image["Content-Type"] == "image/png"
    assert decode_qr(image.content) == sandbox.instance(live.pk)["currentQrPayload"]


def test_customer_links_the_phone_and_the_link_is_used(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    path = issue(live, reseller_a_user)
    client = Client()
    payload = decode_qr(client.get(f"{path}qr.png").content)

    sandbox.scan(payload, phone_number=79005550123)
    later()
    fragment = text(client.get(f"{path}status", **HTMX))

    assert 'data-step="linked"' in fragment
    assert 'data-poll="stop"' in fragment
    assert "…0123" in fragment
    assert "79005550123" not in fragment
    link = OnboardingLink.objects.get()
    assert link.used_at is not None
    event = AuditEvent.objects.get(action="onboarding.linked")
    assert event.detail == f"through customer link {link.pk}"
    assert event.actor is None
    response = client.get(path)
    assert response.status_code == 200
    assert USED in text(response)
    assert "qr.png" not in text(response)


def test_customer_links_by_pairing_code(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    path = issue(live, reseller_a_user)
    client = Client()

    fragment = text(client.post(f"{path}code", {"phone_number": "+7 900 555 01 24"}, **HTMX))
    start = fragment.index("data-pairing-code>") + len("data-pairing-code>")
    code = fragment[start : fragment.index("<", start)].strip()
    assert sandbox.pair(live.pk, code).status_code == 200
    later()

    assert "Your phone (…0124) is linked" in text(client.get(f"{path}status", **HTMX))
    assert AuditEvent.objects.filter(action="onboarding.pairing_code").get().actor is None


@pytest.mark.parametrize("phone", ["", "abc", "٣" * 11, "1" * 33, "+"])
def test_bad_numbers_on_the_public_form_are_form_errors(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, phone: str
) -> None:
    path = issue(live, reseller_a_user)
    for extra in ({}, HTMX):
        response = Client().post(f"{path}code", {"phone_number": phone}, **extra)
        assert response.status_code == 200
        assert "errorlist" in text(response)
    assert "getAuthorizationCode" not in sandbox.calls(live.pk)


def test_expired_link_says_so(instance_a: Instance, admin: User) -> None:
    path = issue(instance_a, admin, hours=1)

    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        response = Client().get(path)
        fragment = Client().get(f"{path}status", **HTMX)

    assert response.status_code == 410
    assert_private(response)
    assert EXPIRED in text(response)
    assert EXPIRED in text(fragment)
    assert 'data-poll="stop"' in text(fragment)


def test_revoked_link_says_so(instance_a: Instance, admin: User) -> None:
    path = issue(instance_a, admin)
    OnboardingLink.objects.update(revoked_at=timezone.now())

    response = Client().get(path)

    assert response.status_code == 410
    assert REVOKED in text(response)
    assert Client().post(f"{path}code", {"phone_number": "79001234567"}).status_code == 410
    assert Client().get(f"{path}qr.png").status_code == 204


def test_link_of_a_deleted_instance_no_longer_works(instance_a: Instance, admin: User) -> None:
    path = issue(instance_a, admin)
    Instance.objects.filter(pk=instance_a.pk).update(deleted=True)

    response = Client().get(path)

    assert response.status_code == 410
    assert "no longer works" in text(response)


@pytest.mark.parametrize(
    "token", ["x" * 43, "short", "a" * 200, "%C3%A9" * 10, "..", "A" * 42 + "~"]
)
def test_unknown_or_malformed_tokens_are_not_found(db: None, token: str) -> None:
    response = Client().get(f"/l/{token}/")
    assert response.status_code == 404
    assert_private(response)
    assert "This link is not valid" in text(response)


def test_opening_is_audited_once_per_session(instance_a: Instance, admin: User) -> None:
    path = issue(instance_a, admin)
    browser, other_browser = Client(), Client()

    browser.get(path)
    browser.get(path)
    other_browser.get(path)

    events = AuditEvent.objects.filter(action="onboarding.link_open")
    assert events.count() == 2
    assert {event.actor for event in events} == {None}
    assert OnboardingLink.objects.get().last_opened_at is not None


def test_rate_limit_per_address_gives_a_friendly_429(
    instance_a: Instance, admin: User, settings: Any
) -> None:
    settings.ONBOARDING_LINK_RATE_LIMIT = 3
    first, second = issue(instance_a, admin), issue(instance_a, admin)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False):  # all in one minute's window
        for _ in range(3):
            assert client.get(f"{first}qr.png").status_code == 204

        response = client.get(second)  # another link, the same address

    assert response.status_code == 429
    assert_private(response)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "One moment, please" in text(response)


def test_rate_limit_per_link_holds_across_addresses(
    instance_a: Instance, admin: User, settings: Any
) -> None:
    settings.ONBOARDING_LINK_RATE_LIMIT = 3
    path = issue(instance_a, admin)
    with time_machine.travel(timezone.now(), tick=False):  # all in one minute's window
        for number in range(3):
            Client(REMOTE_ADDR=f"10.0.0.{number}").get(f"{path}qr.png")

        assert Client(REMOTE_ADDR="10.0.0.9").get(f"{path}qr.png").status_code == 429


def test_the_limit_ends_with_its_minute(instance_a: Instance, admin: User, settings: Any) -> None:
    settings.ONBOARDING_LINK_RATE_LIMIT = 1
    path = issue(instance_a, admin)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        Client().get(f"{path}qr.png")
        assert Client().get(f"{path}qr.png").status_code == 429
        clock.shift(timedelta(seconds=61))
        assert Client().get(f"{path}qr.png").status_code == 204


def test_logs_never_print_the_token(
    instance_a: Instance, admin: User, caplog: pytest.LogCaptureFixture
) -> None:
    path = issue(instance_a, admin)
    token = path.rsplit("/", 2)[-2]
    OnboardingLink.objects.update(revoked_at=timezone.now())

    with caplog.at_level(logging.INFO):
        Client().get(path)  # a 410 answer: Django logs its path
        Client().get(f"/l/{'y' * 43}/")

    assert "/l/[redacted]" in caplog.text
    assert token not in caplog.text


def test_public_pages_refuse_the_wrong_method(instance_a: Instance, admin: User) -> None:
    path = issue(instance_a, admin)
    assert Client().get(f"{path}code").status_code == 405
    assert Client().post(f"{path}status").status_code == 405


def test_customer_link_events_name_no_actor_even_for_a_logged_in_visitor(
    live: Instance, reseller_a_user: User, reseller_b_user: User, sandbox: SandboxControl
) -> None:
    """Another tenant's user who opens the link is a visitor: their name stays out of A's log."""
    path = issue(live, reseller_a_user)
    browser = Client()
    browser.force_login(reseller_b_user)

    browser.get(path)
    fragment = text(browser.post(f"{path}code", {"phone_number": "+7 900 555 01 25"}, **HTMX))
    start = fragment.index("data-pairing-code>") + len("data-pairing-code>")
    assert sandbox.pair(live.pk, fragment[start : fragment.index("<", start)].strip()).ok
    later()
    browser.get(f"{path}status", **HTMX)

    events = AuditEvent.objects.filter(
        action__in=["onboarding.link_open", "onboarding.pairing_code", "onboarding.linked"]
    )
    assert sorted(events.values_list("action", flat=True)) == [
        "onboarding.link_open",
        "onboarding.linked",
        "onboarding.pairing_code",
    ]
    for event in events:
        assert (event.actor, event.actor_username, event.actor_role) == (None, "", "")
        assert event.reseller == reseller_a_user.reseller
