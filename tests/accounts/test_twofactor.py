"""TOTP two-factor authentication: setup, encrypted secret, the login step and the admin rule."""

import base64
import io
import re
import time
from binascii import unhexlify
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import time_machine
import zxingcpp
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp.oath import TOTP
from PIL import Image

from accounts.models import AuditEvent, TOTPDevice, User
from core import crypto
from core.models import AttemptCounter
from tests.support.parallel import post_in_parallel, postgres_only
from tests.support.personas import PASSWORD

# After any real "now", so codes made at T0 come after those of a setup done at real time.
T0 = datetime(2030, 3, 2, 9, 0, tzinfo=UTC)


def code(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(unhexlify(device.key), device.step, device.t0, device.digits)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def logged_in(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def set_up(client: Client, user: User) -> TOTPDevice:
    assert client.post("/account/2fa/start/")["Location"] == "/account/2fa/setup/"
    device = TOTPDevice.objects.get(user=user)
    assert client.post("/account/2fa/setup/", {"token": code(device)})["Location"] == "/account/"
    return TOTPDevice.objects.get(user=user)


def test_setup_shows_a_server_side_qr_code_that_an_app_can_read(admin: User) -> None:
    client = logged_in("admin")
    client.post("/account/2fa/start/")
    response = client.get("/account/2fa/setup/")
    assert "no-store" in response["Cache-Control"]
    png = re.search(rb'src="data:image/png;base64,([^"]+)"', response.content)
    assert png is not None
    image = Image.open(io.BytesIO(base64.b64decode(png.group(1))))
    [barcode] = zxingcpp.read_barcodes(image)
    uri = urlparse(barcode.text)
    assert (uri.scheme, uri.netloc, unquote(uri.path)) == (
        "otpauth",
        "totp",
        "/Partner Portal:admin",
    )
    secret = parse_qs(uri.query)["secret"][0]
    device = TOTPDevice.objects.get(user=admin)
    assert base64.b32decode(secret) == unhexlify(device.key)
    assert device.confirmed is False


def test_the_secret_is_encrypted_at_rest(admin: User) -> None:
    client = logged_in("admin")
    device = set_up(client, admin)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
        [stored] = cursor.fetchone()
    assert device.key not in stored
    assert base64.b32encode(unhexlify(device.key)).decode() not in stored
    assert stored.startswith(crypto.V2)  # AES-GCM (core/crypto.py)
    assert crypto.decrypt(stored) == device.key


def test_a_wrong_code_does_not_turn_it_on(admin: User) -> None:
    client = logged_in("admin")
    client.post("/account/2fa/start/")
    response = client.post("/account/2fa/setup/", {"token": "000000"})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert TOTPDevice.objects.get(user=admin).confirmed is False


def test_after_setup_the_secret_is_never_shown_again(admin: User) -> None:
    client = logged_in("admin")
    device = set_up(client, admin)
    secret = base64.b32encode(unhexlify(device.key)).decode().rstrip("=")
    for url in ("/account/", "/account/2fa/setup/", "/audit/"):
        page = client.get(url, follow=True)
        assert secret[:8].encode() not in page.content
        assert device.key.encode() not in page.content
    assert AuditEvent.objects.filter(action="totp.enable").count() == 1


def test_login_asks_for_the_code_after_the_password(admin: User) -> None:
    device = set_up(logged_in("admin"), admin)
    client = Client()
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        response = client.post("/login/", {"username": "admin", "password": PASSWORD})
        assert response["Location"] == "/login/verify/"
        assert client.get("/account/").status_code == 302  # not logged in yet
        assert (
            client.post("/login/verify/", {"token": code(device)})["Location"]
            == "/instances/overview/"
        )
        assert client.get("/account/").status_code == 200
    event = AuditEvent.objects.filter(action="login.success").order_by("id").last()
    assert event.detail == "with a two-factor code"


def test_a_code_cannot_be_used_twice(admin: User) -> None:
    device = set_up(logged_in("admin"), admin)
    with time_machine.travel(T0, tick=False):
        token = code(device)
        first, second = Client(), Client()
        for client in (first, second):
            client.post("/login/", {"username": "admin", "password": PASSWORD})
        assert first.post("/login/verify/", {"token": token}).status_code == 302
        assert second.post("/login/verify/", {"token": token}).status_code == 200


def test_the_password_step_expires(admin: User) -> None:
    device = set_up(logged_in("admin"), admin)
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        client.post("/login/", {"username": "admin", "password": PASSWORD})
        clock.shift(timedelta(minutes=6))
        response = client.post("/login/verify/", {"token": code(device)})
    assert response["Location"] == "/login/"


def test_wrong_codes_count_towards_the_login_lockout(admin: User) -> None:
    set_up(logged_in("admin"), admin)
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        client.post("/login/", {"username": "admin", "password": PASSWORD})
        codes = []
        for _ in range(settings.AXES_FAILURE_LIMIT):
            clock.shift(timedelta(minutes=1))  # past the device's own back-off
            codes.append(client.post("/login/verify/", {"token": "123456"}).status_code)
    assert codes == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    failed = AuditEvent.objects.filter(action="login.failed")
    assert set(failed.values_list("detail", flat=True)) == {"wrong two-factor code"}


def test_each_code_is_counted_before_it_is_checked(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(logged_in("admin"), admin)
    client = Client()
    counted_at_check: list[list[int]] = []
    verify = TOTPDevice.verify_token

    def spy(device: TOTPDevice, token: object) -> bool:
        counted_at_check.append(list(AttemptCounter.objects.values_list("count", flat=True)))
        return verify(device, token)

    monkeypatch.setattr(TOTPDevice, "verify_token", spy)
    with time_machine.travel(T0, tick=False) as clock:
        client.post("/login/", {"username": "admin", "password": PASSWORD})
        for _ in range(2):
            clock.shift(timedelta(minutes=1))  # past the device's own back-off
            client.post("/login/verify/", {"token": "123456"})

    # The right password of the first step gave its attempt back.
    assert counted_at_check == [[1], [2]]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_check_no_more_than_the_limit(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = set_up(logged_in("admin"), admin)
    clients = [Client() for _ in range(20)]
    for client in clients:
        client.post("/login/", {"username": "admin", "password": PASSWORD})
    checked: list[str] = []
    verify = TOTPDevice.verify_token

    def counting(device: TOTPDevice, token: object) -> bool:
        checked.append(str(token))
        return verify(device, token)

    monkeypatch.setattr(TOTPDevice, "verify_token", counting)
    limit = settings.AXES_FAILURE_LIMIT

    statuses = post_in_parallel(clients, "/login/verify/", {"token": "123456"})

    assert len(checked) == limit
    assert statuses == [200] * (limit - 1) + [429] * (20 - limit + 1)
    assert clients[0].post("/login/verify/", {"token": code(device)}).status_code == 429
    assert len(checked) == limit
    failed = AuditEvent.objects.filter(action="login.failed", detail="wrong two-factor code")
    assert failed.count() == limit
    assert AuditEvent.objects.filter(action="login.locked").count() == 1


def test_the_device_back_off_is_capped(admin: User) -> None:
    device = set_up(logged_in("admin"), admin)
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(50):
            device.verify_token("000000")
            clock.shift(timedelta(hours=1))
        device.refresh_from_db()
        assert device.throttling_failure_count == TOTPDevice.MAX_THROTTLE_STEPS
        clock.shift(timedelta(seconds=2 ** (TOTPDevice.MAX_THROTTLE_STEPS - 1)))
        assert device.verify_token(code(device)) is True


def test_turning_it_on_ends_the_users_other_sessions(admin: User) -> None:
    here, elsewhere = logged_in("admin"), logged_in("admin")
    set_up(here, admin)
    assert here.get("/account/").status_code == 200
    assert elsewhere.get("/account/").status_code == 302


def test_turning_it_off_needs_a_current_code(support: User) -> None:
    client = logged_in("support")
    device = set_up(client, support)
    assert client.post("/account/2fa/disable/", {"token": "000000"}).status_code == 200
    assert TOTPDevice.objects.filter(user=support).exists()
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=False):
        response = client.post("/account/2fa/disable/", {"token": code(device)})
    assert response["Location"] == "/account/"
    assert not TOTPDevice.objects.filter(user=support).exists()
    assert AuditEvent.objects.filter(action="totp.disable").count() == 1


@pytest.fixture
def admin_2fa_required(settings: Any) -> None:
    settings.REQUIRE_ADMIN_2FA = True


@pytest.mark.usefixtures("admin_2fa_required")
def test_required_admin_2fa_sends_admins_to_set_it_up_first(admin: User, support: User) -> None:
    client = logged_in("admin")
    for url in ("/instances/", "/audit/", "/users/"):
        assert client.get(url)["Location"] == "/account/"
    assert b"must set up two-factor" in client.get("/account/").content
    device = set_up(client, admin)
    assert client.get("/users/").status_code == 200
    # Support agents are not bound by the rule.
    assert logged_in("support").get("/audit/").status_code == 200
    # And admins cannot turn it off.
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=False):
        client.post("/account/2fa/disable/", {"token": code(device)})
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
