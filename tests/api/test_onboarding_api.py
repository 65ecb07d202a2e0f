"""The onboarding API: the state and QR code through the pages' shared cache, pairing codes,
customer links; who may, on whose instance, with which scope; and bad input never a 500."""

from __future__ import annotations

import base64
import math
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, User
from api.models import Scope
from instances.models import Instance, OnboardingLink
from instances.services.links import onboarding_link_issue
from instances.services.onboarding import QR_HOLD, STATE_HOLD
from tests.instances.live import live as live  # the fixture
from tests.support.api import ApiClient, api_as, token_for
from tests.support.onboarding import decode_qr, later, logged_in, make_instance
from tests.support.personas import MISSING_ID
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")

PROBLEM = "urn:partnerportal:problem:"
LINK = re.compile(r"^http://testserver/l/([A-Za-z0-9_-]{43})/$")


@pytest.fixture(autouse=True)
def _fresh(settings: Any) -> None:
    later()  # no shared answer from an earlier test's instance
    settings.SANDBOX_RATE_LIMITS = False


def state_of(api: ApiClient, instance: Instance, query: str = "") -> dict[str, Any]:
    response = api.get(f"/api/v1/instances/{instance.pk}/onboarding{query}")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def relative(url: str) -> str:
    assert url.startswith("http://testserver/"), url
    return url.removeprefix("http://testserver")


# --- state and QR code -----------------------------------------------------------------------


def test_the_qr_code_appears_once_the_instance_is_ready(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller, state=Instance.State.STARTING)
    sandbox.set_state(instance.pk, Instance.State.STARTING).raise_for_status()
    api = api_as(reseller_a_user, [Scope.ONBOARDING])

    starting = state_of(api, instance)
    assert starting["step"] == "creating"
    assert starting["qr_version"] is starting["qr_url"] is starting["qr_expires_in"] is None
    assert 0 < starting["poll_seconds"] <= STATE_HOLD + 0.1  # asks again as soon as it may

    sandbox.set_state(instance.pk, Instance.State.NOT_AUTHORIZED).raise_for_status()
    later()
    ready = state_of(api, instance)

    assert ready["step"] == "ready"
    assert ready["linked"] is False
    assert ready["phone"] is None
    assert 0 < ready["qr_expires_in"] <= 20
    assert ready["pairing_by_code"] is True
    assert ready["qr_png_base64"] is None
    path = f"/api/v1/instances/{instance.pk}/onboarding/qr.png?v={ready['qr_version']}"
    assert relative(ready["qr_url"]) == path
    image = api.get(path)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["Cache-Control"] == "no-store"
    assert decode_qr(image.content) == sandbox.instance(instance.pk)["currentQrPayload"]


def test_the_qr_code_inline_comes_from_the_same_answer(
    live: Instance, admin: User, sandbox: SandboxControl
) -> None:
    answer = state_of(api_as(admin, [Scope.ONBOARDING]), live, "?qr=inline")

    assert answer["qr_url"] is None
    png = base64.b64decode(answer["qr_png_base64"])
    assert decode_qr(png) == sandbox.instance(live.pk)["currentQrPayload"]
    assert sandbox.calls(live.pk) == {"qr": 1}  # the image cost no second call


@pytest.mark.parametrize(
    ("state", "method", "hold"),
    [
        (Instance.State.NOT_AUTHORIZED, "qr", QR_HOLD),  # a code shows: qr answers the poll
        (Instance.State.STARTING, "getStateInstance", STATE_HOLD),
    ],
)
def test_polling_ten_times_a_second_costs_at_most_one_call_a_second(
    reseller_a_user: User, sandbox: SandboxControl, state: str, method: str, hold: float
) -> None:
    instance = make_instance(reseller_a_user.reseller, state=state)
    sandbox.set_state(instance.pk, state).raise_for_status()
    api = api_as(reseller_a_user, [Scope.ONBOARDING])
    seconds, per_second = 6, 10

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(seconds * per_second):
            answer = state_of(api, instance)
            if answer["qr_url"]:
                assert api.get(relative(answer["qr_url"])).status_code == 200
            clock.shift(1 / per_second)

    calls = sandbox.calls(instance.pk)
    assert set(calls) == {method}
    assert 1 <= calls[method] <= seconds  # at most one a second...
    assert calls[method] <= math.ceil(seconds / hold)  # ...and no more than the pages make


def test_the_api_and_the_page_share_one_answer(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    page = logged_in(reseller_a_user).get(
        f"/instances/{live.pk}/connect/status/", headers={"HX-Request": "true"}
    )
    assert 'data-step="ready"' in page.content.decode()

    answer = state_of(api_as(reseller_a_user, [Scope.ONBOARDING]), live)

    assert answer["qr_version"] in page.content.decode()  # the very code the page shows
    assert sandbox.calls(live.pk) == {"qr": 1}


def test_scanning_the_code_makes_the_answer_say_linked(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    api = api_as(reseller_a_user, [Scope.ONBOARDING])
    ready = state_of(api, live)
    payload = decode_qr(api.get(relative(ready["qr_url"])).content)

    assert sandbox.scan(payload, phone_number=79005550101).status_code == 200
    later()
    linked = state_of(api, live)

    assert linked["step"] == "linked"
    assert linked["linked"] is True
    assert linked["phone"] == "79005550101"
    assert linked["qr_version"] is linked["qr_url"] is None
    assert linked["poll_seconds"] == 0
    live.refresh_from_db()
    assert live.state == Instance.State.AUTHORIZED


def test_no_qr_image_while_no_code_shows_is_a_404_problem(
    live: Instance, admin: User, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized").raise_for_status()

    response = api_as(admin, [Scope.ONBOARDING]).get(
        f"/api/v1/instances/{live.pk}/onboarding/qr.png"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM + "not-found"


def test_a_deleted_instance_is_a_problem_step(live: Instance, admin: User) -> None:
    live.deleted = True
    live.save(update_fields=["deleted"])

    answer = state_of(api_as(admin, [Scope.ONBOARDING]), live)

    assert answer["step"] == "problem"
    assert answer["message"] == "This instance was deleted."


def test_answers_are_english_whatever_the_language_asked(
    live: Instance, admin: User, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "blocked").raise_for_status()
    response = api_as(admin, [Scope.ONBOARDING]).get(
        f"/api/v1/instances/{live.pk}/onboarding", headers={"Accept-Language": "ru"}
    )

    assert response.json()["step"] == "problem"
    assert "banned" in response.json()["message"]


# --- pairing code ----------------------------------------------------------------------------


def ask_code(api: ApiClient, instance: Instance, phone: Any) -> Any:
    return api.post(
        f"/api/v1/instances/{instance.pk}/onboarding/pairing-code", {"phone_number": phone}
    )


@pytest.mark.parametrize("phone", ["+7 900 123-45-67", 79001234567, "0079001234567"])
def test_a_pairing_code_links_the_phone(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, phone: Any
) -> None:
    api = api_as(reseller_a_user, [Scope.ONBOARDING])

    response = ask_code(api, live, phone)

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    answer = response.json()
    assert len(answer["code"]) == 8
    assert answer["display"] == f"{answer['code'][:4]}-{answer['code'][4:]}"
    assert 140 <= answer["expires_in"] <= 150
    event = AuditEvent.objects.get(action="onboarding.pairing_code")
    assert (event.result, event.actor) == (AuditEvent.Result.OK, reseller_a_user)
    assert event.ip_address == "127.0.0.1"
    assert sandbox.pair(live.pk, answer["display"]).status_code == 200
    later()
    assert state_of(api, live)["linked"] is True


@pytest.mark.parametrize(
    ("phone", "sentence"),
    [
        ("", "Enter the phone number."),
        ("12345", "7 to 15 digits"),
        ("0123456789", "not 0"),
        ("9" * 40, "too long"),
        ("٧٩٠٠١٢٣٤٥٦٧", "7 to 15 digits"),
        ("79001234567\x00", "Null characters are not allowed."),
        ("+7 900 123 45 67 ext 2", "7 to 15 digits"),
    ],
)
def test_a_bad_phone_number_is_a_422_naming_the_field(
    live: Instance, admin: User, sandbox: SandboxControl, phone: Any, sentence: str
) -> None:
    response = ask_code(api_as(admin, [Scope.ONBOARDING]), live, phone)

    assert response.status_code == 422
    body = response.json()
    assert body["type"] == PROBLEM + "validation"
    assert [error["location"] for error in body["errors"]] == ["body.phone_number"]
    assert sentence in body["errors"][0]["message"]
    assert "getAuthorizationCode" not in sandbox.calls(live.pk)


@pytest.mark.parametrize("body", [{}, {"phone_number": None}, {"phone_number": [1]}, "[]"])
def test_a_malformed_pairing_body_is_a_422(live: Instance, admin: User, body: Any) -> None:
    api = api_as(admin, [Scope.ONBOARDING])
    response = api.post(f"/api/v1/instances/{live.pk}/onboarding/pairing-code", body)

    assert response.status_code == 422
    assert response.json()["type"] == PROBLEM + "validation"


def test_no_pairing_code_for_telegram_is_a_409(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller, type_instance="telegram")

    response = ask_code(api_as(reseller_a_user, [Scope.ONBOARDING]), instance, "79001234567")

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "conflict"
    assert "only for WhatsApp" in response.json()["detail"]
    assert "getAuthorizationCode" not in sandbox.calls(instance.pk)


# --- customer links --------------------------------------------------------------------------


def links_of(instance: Instance) -> str:
    return f"/api/v1/instances/{instance.pk}/links"


def test_a_link_is_issued_once_works_for_the_customer_is_listed_without_token_and_revoked(
    live: Instance, reseller_a_user: User
) -> None:
    api = api_as(reseller_a_user, [Scope.ONBOARDING])

    issued = api.post(links_of(live), {"hours": 48})

    assert issued.status_code == 201, issued.content
    assert issued["Cache-Control"] == "no-store"
    answer = issued.json()
    match = LINK.match(answer["url"])
    assert match, answer["url"]
    token = match.group(1)
    link = OnboardingLink.objects.get()
    assert answer["id"] == link.pk
    assert link.expires_at - link.created_at == timezone.timedelta(hours=48)
    assert (
        AuditEvent.objects.filter(action="onboarding.link_issue", actor=reseller_a_user).count()
        == 1
    )

    customer = Client().get(relative(answer["url"]))
    assert customer.status_code == 200
    assert "Link with your phone number" in customer.content.decode()

    listed = api.get(links_of(live))
    assert listed.status_code == 200
    assert [(each["id"], each["status"]) for each in listed.json()] == [(link.pk, "active")]
    assert token not in listed.content.decode()
    assert link.token_hash not in listed.content.decode()
    assert "url" not in listed.json()[0]

    revoked = api.delete(f"{links_of(live)}/{link.pk}")
    assert revoked.status_code == 204
    assert revoked.content == b""
    assert [each["status"] for each in api.get(links_of(live)).json()] == ["revoked"]
    assert Client().get(relative(answer["url"])).status_code == 410
    assert api.delete(f"{links_of(live)}/{link.pk}").status_code == 204  # again: no change
    assert AuditEvent.objects.filter(action="onboarding.link_revoke").count() == 1


def test_a_link_defaults_to_24_hours(live: Instance, admin: User) -> None:
    assert api_as(admin, [Scope.ONBOARDING]).post(links_of(live), {}).status_code == 201
    link = OnboardingLink.objects.get()
    assert link.expires_at - link.created_at == timezone.timedelta(hours=24)


@pytest.mark.parametrize(
    ("hours", "sentence"),
    [
        (0, "at least 1 hour"),
        (-5, "at least 1 hour"),
        (169, "at most 168 hours"),
        (10**30, "at most 168 hours"),
    ],
)
def test_a_bad_lifetime_is_a_422_with_the_pages_message(
    live: Instance, admin: User, hours: int, sentence: str
) -> None:
    response = api_as(admin, [Scope.ONBOARDING]).post(links_of(live), {"hours": hours})

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [error["location"] for error in errors] == ["body.hours"]
    assert sentence in errors[0]["message"]
    assert not OnboardingLink.objects.exists()


@pytest.mark.parametrize("hours", ["abc", 1.5, "1e3", None, [], "🕐"])
def test_a_lifetime_that_is_no_number_is_a_422(live: Instance, admin: User, hours: Any) -> None:
    response = api_as(admin, [Scope.ONBOARDING]).post(links_of(live), {"hours": hours})

    assert response.status_code == 422
    assert response.json()["type"] == PROBLEM + "validation"
    assert not OnboardingLink.objects.exists()


def test_no_link_for_a_linked_or_deleted_instance(live: Instance, admin: User) -> None:
    api = api_as(admin, [Scope.ONBOARDING])
    live.state = Instance.State.AUTHORIZED
    live.save(update_fields=["state"])
    assert api.post(links_of(live), {}).status_code == 409
    live.state, live.deleted = Instance.State.NOT_AUTHORIZED, True
    live.save(update_fields=["state", "deleted"])
    assert api.post(links_of(live), {}).status_code == 409
    assert not OnboardingLink.objects.exists()


def test_revoking_another_instances_link_or_none_is_a_404(
    live: Instance, admin: User, reseller_a_user: User, instance_b: Instance
) -> None:
    other = onboarding_link_issue(instance=instance_b, user=admin).link
    api = api_as(admin, [Scope.ONBOARDING])

    for link_id in (other.pk, other.pk + 1000, 10**30):
        response = api.delete(f"{links_of(live)}/{link_id}")
        assert response.status_code == 404, link_id
        assert response.json()["type"] == PROBLEM + "not-found"
    other.refresh_from_db()
    assert other.revoked_at is None


# --- who may, with which scope ---------------------------------------------------------------


def _operations(instance_id: int, link_id: int) -> list[tuple[str, str, Any, int]]:
    """Each operation on an instance: method, path, body, and its success status."""
    base = f"/api/v1/instances/{instance_id}"
    return [
        ("get", f"{base}/onboarding", None, 200),
        ("get", f"{base}/onboarding/qr.png", None, 200),
        ("post", f"{base}/onboarding/pairing-code", {"phone_number": "79001234567"}, 200),
        ("get", f"{base}/links", None, 200),
        ("post", f"{base}/links", {"hours": 24}, 201),
        ("delete", f"{base}/links/{link_id}", None, 204),
    ]


def _call(api: ApiClient, method: str, path: str, body: Any) -> Any:
    return getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("admin", True), ("support", True), ("reseller_a_user", True), ("reseller_b_user", False)],
)
def test_each_persona_on_reseller_as_instance_and_a_missing_one(
    live: Instance, request: pytest.FixtureRequest, persona: str, allowed: bool
) -> None:
    user: User = request.getfixturevalue(persona)
    link = onboarding_link_issue(instance=live, user=user).link
    api = api_as(user, [Scope.ONBOARDING])

    for method, path, body, success in _operations(live.pk, link.pk):
        later()  # one pairing code a few seconds: each persona asks afresh
        response = _call(api, method, path, body)
        missing = _call(api, method, path.replace(str(live.pk), str(MISSING_ID)), body)
        assert missing.status_code == 404, path
        if allowed:
            assert response.status_code == success, (path, response.content)
        else:
            # Another tenant's instance is exactly a missing one.
            assert response.status_code == 404, path
            assert response.json() | {"instance": ""} == missing.json() | {"instance": ""}
    link.refresh_from_db()
    assert (link.revoked_at is not None) is allowed


@pytest.mark.parametrize(
    "scopes",
    [[Scope.INSTANCES_READ], [Scope.INSTANCES_WRITE, Scope.INSTANCES_DELETE, Scope.EVENTS_MANAGE]],
)
def test_every_onboarding_call_needs_the_onboarding_scope(
    live: Instance, admin: User, sandbox: SandboxControl, scopes: list[str]
) -> None:
    link = onboarding_link_issue(instance=live, user=admin).link
    api = api_as(admin, scopes)

    for method, path, body, _success in _operations(live.pk, link.pk):
        response = _call(api, method, path, body)
        assert response.status_code == 403, path
        assert response.json()["type"] == PROBLEM + "insufficient-scope"
        assert response.json()["scope"] == "onboarding"
    assert sandbox.calls(live.pk) == {}
    assert OnboardingLink.objects.get().revoked_at is None


def test_no_token_is_a_401(live: Instance) -> None:
    for method, path, body, _success in _operations(live.pk, 1):
        assert _call(ApiClient(None), method, path, body).status_code == 401, path


# --- bad input, secrets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/instances/99999999999999999999999/onboarding", 404),
        ("/api/v1/instances/99999999999999999999999/onboarding/qr.png", 404),
        ("/api/v1/instances/0/onboarding", 404),
        ("/api/v1/instances/{pk}/onboarding?qr=svg", 422),
        ("/api/v1/instances/{pk}/onboarding/qr.png?v=" + "f" * 65, 422),
        ("/api/v1/instances/{pk}/onboarding/qr.png?v=%00%ff", 200),
        ("/api/v1/instances/99999999999999999999999/links", 404),
    ],
)
def test_bad_input_is_never_a_500(live: Instance, admin: User, path: str, status: int) -> None:
    response = api_as(admin, [Scope.ONBOARDING]).get(path.format(pk=live.pk))
    assert response.status_code == status, response.content


@pytest.mark.parametrize("raw", ["{", "not json", '{"hours": 1', "\x00"])
def test_a_body_that_is_not_json_is_refused_not_crashed_on(
    live: Instance, admin: User, raw: str
) -> None:
    api = api_as(admin, [Scope.ONBOARDING])
    for path in (links_of(live), f"/api/v1/instances/{live.pk}/onboarding/pairing-code"):
        response = api.client.post(path, raw, content_type="application/json", headers=api.headers)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    assert not OnboardingLink.objects.exists()


def test_answers_never_hold_a_token(
    live: Instance, admin: User, partner_token: str, sandbox: SandboxControl
) -> None:
    secret = token_for(admin, [Scope.ONBOARDING])
    api = ApiClient(secret)
    bodies = [
        api.get(f"/api/v1/instances/{live.pk}/onboarding").content,
        api.get(f"/api/v1/instances/{live.pk}/onboarding?qr=inline").content,
        api.post(links_of(live), {}).content,
        api.get(links_of(live)).content,
        ask_code(api, live, "79001234567").content,
    ]
    for body in bodies:
        for token in (live.api_token, partner_token, secret):
            assert token.encode() not in body
