"""Long, empty, unicode and odd values on every accounts form field: form errors, never a 500."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import TOTPDevice
from tests.accounts.test_twofactor import code
from tests.support.personas import PASSWORD, World

LONG = "x" * 10_000
VALUES = {
    "empty": "",
    "long": LONG,
    "unicode": "Zoë ñ 中文 🙂 \u202e",
    "nul": "a\x00b",
    "huge number": "9" * 30,
}
_addresses = (f"198.51.100.{i % 250 + 1}" for i in itertools.count())


@dataclass
class FormCase:
    name: str
    prepare: Callable[[World], tuple[Client, str, dict[str, str]]]
    fields: list[str]
    method: str = "post"
    optional: set[str] = field(default_factory=set)
    checkboxes: set[str] = field(default_factory=set)


def _client(world: World, persona: str = "admin") -> Client:
    return world.client(persona)


def _login(world: World) -> tuple[Client, str, dict[str, str]]:
    # A fresh address per post keeps the lockout out of the way.
    client = Client(REMOTE_ADDR=next(_addresses))
    return client, "/login/", {"username": "admin", "password": PASSWORD}


def _login_verify(world: World) -> tuple[Client, str, dict[str, str]]:
    device = TOTPDevice.objects.create(user=world.admin, key="ab" * 20, confirmed=True)
    client = Client(REMOTE_ADDR=next(_addresses))
    client.post("/login/", {"username": "admin", "password": PASSWORD})
    return client, "/login/verify/", {"token": code(device)}


def _password_change(world: World) -> tuple[Client, str, dict[str, str]]:
    new = "Brand-new-pass-6203"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    return _client(world), "/account/password/", data


def _password_reset(world: World) -> tuple[Client, str, dict[str, str]]:
    return Client(), "/password-reset/", {"email": "admin@example.com"}


def _password_reset_confirm(world: World) -> tuple[Client, str, dict[str, str]]:
    uid = urlsafe_base64_encode(force_bytes(world.admin.pk))
    token = default_token_generator.make_token(world.admin)
    client = Client()
    url = client.get(f"/password-reset/{uid}/{token}/")["Location"]
    new = "Brand-new-pass-6203"
    return client, url, {"new_password1": new, "new_password2": new}


def _reseller(world: World, url: str) -> tuple[Client, str, dict[str, str]]:
    data = {"name": "Reseller Z", "contact_email": "z@example.com", "instance_quota": "3"}
    return _client(world), url, data | {"is_active": "on"}


def _user(world: World, url: str, username: str) -> tuple[Client, str, dict[str, str]]:
    data = {
        "username": username,
        "email": f"{username}@example.com",
        "first_name": "F",
        "last_name": "L",
        "role": "reseller",
        "reseller": str(world.reseller_a.pk),
        "is_active": "on",
    }
    return _client(world), url, data


def _totp_confirm(world: World) -> tuple[Client, str, dict[str, str]]:
    client = _client(world)
    client.post("/account/2fa/start/")
    return client, "/account/2fa/setup/", {"token": "000000"}


def _totp_disable(world: World) -> tuple[Client, str, dict[str, str]]:
    TOTPDevice.objects.create(user=world.admin, key="ab" * 20, confirmed=True)
    return _client(world), "/account/2fa/disable/", {"token": "000000"}


def _audit(world: World) -> tuple[Client, str, dict[str, str]]:
    data = {
        "user": str(world.support.pk),
        "reseller": str(world.reseller_a.pk),
        "action": "login.success",
    }
    return _client(world), "/audit/", data | {"date_from": "2026-01-01", "date_to": "2026-12-31"}


USER_FIELDS = ["username", "email", "first_name", "last_name", "role", "reseller", "is_active"]
FORMS = [
    FormCase("login", _login, ["username", "password"]),
    FormCase("login_verify", _login_verify, ["token"]),
    FormCase(
        "password_change", _password_change, ["old_password", "new_password1", "new_password2"]
    ),
    FormCase("password_reset", _password_reset, ["email"]),
    FormCase("password_reset_confirm", _password_reset_confirm, ["new_password1", "new_password2"]),
    FormCase(
        "reseller_create",
        lambda w: _reseller(w, "/resellers/new/"),
        ["name", "contact_email", "instance_quota", "is_active"],
        optional={"contact_email"},
        checkboxes={"is_active"},
    ),
    FormCase(
        "reseller_edit",
        lambda w: _reseller(w, f"/resellers/{w.reseller_a.pk}/"),
        ["name", "contact_email", "instance_quota", "is_active"],
        optional={"contact_email"},
        checkboxes={"is_active"},
    ),
    FormCase(
        "user_create",
        lambda w: _user(w, "/users/new/", "fresh-user"),
        USER_FIELDS[:-1],
        optional={"first_name", "last_name"},
    ),
    FormCase(
        "user_edit",
        lambda w: _user(w, f"/users/{w.reseller_a_user.pk}/", "reseller-a"),
        USER_FIELDS,
        optional={"first_name", "last_name"},
        checkboxes={"is_active"},
    ),
    FormCase("totp_setup_confirm", _totp_confirm, ["token"]),
    FormCase("totp_disable", _totp_disable, ["token"]),
    FormCase(
        "audit_filter",
        _audit,
        ["user", "reseller", "action", "date_from", "date_to"],
        method="get",
        optional={"user", "reseller", "action", "date_from", "date_to"},
    ),
]
CASES = [
    pytest.param(form, name, id=f"{form.name}-{name}") for form in FORMS for name in form.fields
]


@pytest.mark.parametrize(("form", "field_name"), CASES)
def test_bad_values_give_form_errors_never_a_500(
    world: World, form: FormCase, field_name: str
) -> None:
    for kind, value in VALUES.items():
        client, url, data = form.prepare(world)
        response = getattr(client, form.method)(url, data | {field_name: value})
        where = f"{form.name}.{field_name} = {kind}"
        assert response.status_code in {200, 302}, where
        must_fail = kind in {"long", "nul"} or (kind == "empty" and field_name not in form.optional)
        if must_fail and field_name not in form.checkboxes:
            assert response.status_code == 200, where
            assert b"errorlist" in response.content, where


@pytest.mark.parametrize(
    "url", ["/users/99999999999999999999/", "/resellers/99999999999999999999/"]
)
def test_out_of_range_ids_in_urls_are_404(world: World, url: str) -> None:
    assert world.client("admin").get(url).status_code == 404
