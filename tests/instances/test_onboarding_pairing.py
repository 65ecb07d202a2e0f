"""Linking by phone number: getAuthorizationCode's code shown large, and every bad input."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import AuditEvent, User
from instances.models import Instance
from tests.support.onboarding import HTMX, later, logged_in, text
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    settings.SANDBOX_RATE_LIMITS = False


def _digits(number: str, zero: int) -> str:
    """The number written with another script's digits (zero: that script's digit zero)."""
    return "".join(chr(zero + int(digit)) for digit in number)


def ask(user: User, instance: Instance, phone: str, **extra: Any) -> Any:
    return logged_in(user).post(
        f"/instances/{instance.pk}/connect/code/", {"phone_number": phone}, **extra
    )


def test_code_is_shown_large_with_its_validity_and_the_steps(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    response = ask(reseller_a_user, live, "+7 900 123-45-67", **HTMX)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    fragment = text(response)
    code = _code(fragment)
    assert len(code.replace("-", "")) == 8
    assert 'data-countdown="150"' in fragment or 'data-countdown="149"' in fragment
    assert "Link with phone number instead</strong>" in fragment
    assert "Linked devices" in fragment
    assert "Get a new code" in fragment
    event = AuditEvent.objects.get(action="onboarding.pairing_code")
    assert event.result == AuditEvent.Result.OK
    assert "79001234567" not in event.detail  # only the last digits are kept
    assert "…4567" in event.detail

    assert sandbox.pair(live.pk, code).status_code == 200
    later()
    page = text(logged_in(reseller_a_user).get(f"/instances/{live.pk}/connect/"))
    assert 'data-step="linked"' in page
    assert "+79001234567" in page


def _code(fragment: str) -> str:
    start = fragment.index("data-pairing-code>") + len("data-pairing-code>")
    return fragment[start : fragment.index("<", start)].strip()


def test_without_javascript_the_code_comes_on_the_full_page(
    live: Instance, reseller_a_user: User
) -> None:
    page = text(ask(reseller_a_user, live, "0079001234567"))

    assert "<h1>Link a phone" in page
    assert len(_code(page).replace("-", "")) == 8


@pytest.mark.parametrize(
    "phone", ["79001234567", "+7 (900) 123 45 67", "0079001234567", "7.900.123.45.67"]
)
def test_usual_ways_of_writing_a_number_are_accepted(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, phone: str
) -> None:
    assert "data-pairing-code" in text(ask(reseller_a_user, live, phone, **HTMX))


@pytest.mark.parametrize(
    ("phone", "sentence"),
    [
        ("", "Enter the phone number."),
        ("   ", "Enter the phone number."),
        ("abcdefgh", "7 to 15 digits"),
        ("+7 900 CALL ME", "7 to 15 digits"),
        ("123", "7 to 15 digits"),
        ("1234567890123456", "7 to 15 digits"),
        ("7" * 40, "too long for a phone number"),
        # Arabic-Indic and full-width digits: Python's int() would take them.
        (_digits("79001234567", 0x0660), "7 to 15 digits"),
        (_digits("79001234567", 0xFF10), "7 to 15 digits"),
        ("+", "7 to 15 digits"),
        ("0 900 123 45 67", "Start with the country code"),
        ("7900\x001234567", "Null characters are not allowed."),
        ("📞 79001234567", "7 to 15 digits"),
        ("79001234567#", "7 to 15 digits"),
    ],
)
def test_bad_numbers_are_form_errors_and_call_nothing(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, phone: str, sentence: str
) -> None:
    for extra in ({}, HTMX):
        response = ask(reseller_a_user, live, phone, **extra)
        assert response.status_code == 200
        assert sentence in text(response)
    assert "getAuthorizationCode" not in sandbox.calls(live.pk)
    assert not AuditEvent.objects.filter(action="onboarding.pairing_code").exists()


def test_missing_field_is_a_form_error(live: Instance, reseller_a_user: User) -> None:
    response = logged_in(reseller_a_user).post(f"/instances/{live.pk}/connect/code/", {}, **HTMX)
    assert response.status_code == 200
    assert "Enter the phone number." in text(response)


def test_a_linked_instance_gets_no_code_and_a_reason(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")

    fragment = text(ask(reseller_a_user, live, "79001234567", **HTMX))

    assert "data-pairing-code" not in fragment
    assert "could not make a code just now" in fragment
    event = AuditEvent.objects.get(action="onboarding.pairing_code")
    assert event.result == AuditEvent.Result.FAILED


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        ("http429", "Green API is busy right now"),
        ("http502", "Green API is not answering."),
        ("malformed", "could not be read"),
    ],
)
def test_green_api_trouble_is_a_calm_message(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, kind: str, sentence: str
) -> None:
    sandbox.add_fault("getAuthorizationCode", kind, idInstance=live.pk)

    fragment = text(ask(reseller_a_user, live, "79001234567", **HTMX))

    assert sentence in fragment
    assert sandbox.calls(live.pk)["getAuthorizationCode"] == 1  # a POST is never re-sent


def test_a_starting_instance_is_not_ready_for_a_code(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "starting")
    assert "not ready yet" in text(ask(reseller_a_user, live, "79001234567", **HTMX))


def test_another_resellers_instance_is_not_found(
    live: Instance, reseller_b_user: User, sandbox: SandboxControl
) -> None:
    assert ask(reseller_b_user, live, "79001234567").status_code == 404
    assert "getAuthorizationCode" not in sandbox.calls(live.pk)


def test_a_second_code_within_seconds_is_refused_without_a_call(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    assert "data-pairing-code" in text(ask(reseller_a_user, live, "79001234567", **HTMX))

    again = text(ask(reseller_a_user, live, "79001234567", **HTMX))

    assert "A code was asked for a moment ago" in again
    assert sandbox.calls(live.pk)["getAuthorizationCode"] == 1
