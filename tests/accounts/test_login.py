"""Login by username or e-mail, logout, brute-force lockout with a cool-off, and their audit."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from accounts.models import AuditEvent, Reseller, User
from core.models import AttemptCounter
from tests.support.parallel import count_password_checks, post_in_parallel, postgres_only
from tests.support.personas import PASSWORD

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def login(client: Client, username: str, password: str = PASSWORD, **extra: str) -> "TestResponse":
    return client.post("/login/", {"username": username, "password": password}, **extra)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_login_with_username_goes_to_the_overview(reseller_a_user: User) -> None:
    client = Client()
    response = login(client, "reseller-a")
    assert response.status_code == 302
    assert response["Location"] == "/instances/overview/"
    assert client.get("/account/").status_code == 200
    event = AuditEvent.objects.get(action="login.success")
    assert (event.actor, event.actor_role, event.actor_reseller) == (
        reseller_a_user,
        "reseller",
        reseller_a_user.reseller,
    )
    assert event.ip_address == "127.0.0.1"


def test_login_with_email_in_any_case(support: User) -> None:
    response = login(Client(), "  SUPPORT@Example.COM ")
    assert response.status_code == 302


def test_login_follows_a_safe_next_and_ignores_another_site(admin: User) -> None:
    client = Client()
    response = client.post("/login/?next=/audit/", {"username": "admin", "password": PASSWORD})
    assert response["Location"] == "/audit/"
    client = Client()
    response = client.post(
        "/login/?next=https://evil.example/", {"username": "admin", "password": PASSWORD}
    )
    assert response["Location"] == "/instances/overview/"


def test_wrong_password_shows_a_generic_error_and_is_audited(admin: User) -> None:
    response = login(Client(), "admin", "wrong-password")
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content
    event = AuditEvent.objects.get()
    assert (event.action, event.result, event.detail) == (
        "login.failed",
        "failed",
        "wrong password",
    )
    assert (event.actor, event.target_type, event.target_id) == (None, "user", str(admin.pk))


def test_unknown_username_is_audited_without_keeping_what_was_typed(db: None) -> None:
    typed = "Marker-Typed-Password-9931"  # people type passwords into the username box
    login(Client(), typed, "whatever")
    event = AuditEvent.objects.get()
    assert (event.action, event.detail, event.target_id) == ("login.failed", "unknown username", "")
    assert typed not in str(AuditEvent.objects.values().get())
    assert not AccessAttempt.objects.filter(username__icontains=typed).exists()
    assert not AttemptCounter.objects.filter(key__icontains=typed).exists()


def test_inactive_user_cannot_log_in(reseller_a_user: User) -> None:
    reseller_a_user.is_active = False
    reseller_a_user.save()
    response = login(Client(), "reseller-a")
    assert response.status_code == 200
    assert AuditEvent.objects.get().detail == "account or reseller inactive"


def test_user_of_an_inactive_reseller_cannot_log_in(
    reseller_a_user: User, reseller_a: Reseller
) -> None:
    reseller_a.is_active = False
    reseller_a.save()
    assert login(Client(), "reseller-a").status_code == 200
    assert login(Client(), "reseller-a@example.com").status_code == 200


def test_logout_is_post_only_and_audited(admin: User) -> None:
    client = Client()
    login(client, "admin")
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert client.get("/account/").status_code == 302
    assert actions() == ["login.success", "logout"]


def fail(client: Client, username: str = "admin", times: int = 1) -> list[int]:
    return [login(client, username, "wrong").status_code for _ in range(times)]


def test_lockout_after_the_failure_limit_with_a_page_that_says_when(admin: User) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    with time_machine.travel(T0, tick=False):
        assert fail(client, times=limit - 1) == [200] * (limit - 1)
        response = login(client, "admin", "wrong")
        assert response.status_code == 429
        assert response["Retry-After"] == str(15 * 60)
        assert b"Try again in 15 minutes" in response.content
        assert b"09:15 UTC" in response.content
        # Even the right password is refused while locked.
        assert login(client, "admin").status_code == 429
    # The last failure locks; the attempt after it is blocked without a password check.
    assert Counter(actions()) == {"login.failed": limit, "login.locked": 1, "login.blocked": 1}


def test_the_lockout_page_gives_the_time_in_utc_whatever_the_time_zone(
    settings: Any, admin: User
) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"
    with time_machine.travel(T0, tick=False):
        fail(Client(), times=settings.AXES_FAILURE_LIMIT - 1)
        response = login(Client(), "admin", "wrong")
    assert b"09:15 UTC" in response.content


def test_a_lockout_ends_after_the_cool_off_and_is_not_extended_by_attempts(admin: User) -> None:
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        fail(client, times=settings.AXES_FAILURE_LIMIT)
        clock.shift(timedelta(minutes=10))
        assert fail(client) == [429]  # an attempt during the lockout...
        clock.shift(timedelta(minutes=4, seconds=59))
        assert login(client, "admin").status_code == 429
        clock.shift(timedelta(seconds=2))  # ...did not push the end past T0 + 15 min
        assert login(client, "admin").status_code == 302


def test_username_and_email_spellings_share_one_counter(admin: User) -> None:
    client = Client()
    spellings = ["admin", "ADMIN@example.com", "admin@EXAMPLE.com", "admin", "Admin@Example.com"]
    codes = [login(client, name, "wrong").status_code for name in spellings]
    assert codes == [200, 200, 200, 200, 429]


def test_each_attempt_is_counted_before_its_password_is_checked(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted_at_check: list[list[int]] = []
    check = User.check_password

    def spy(user: User, raw_password: str) -> bool:
        counted_at_check.append(list(AttemptCounter.objects.values_list("count", flat=True)))
        return check(user, raw_password)

    monkeypatch.setattr(User, "check_password", spy)
    fail(Client(), times=2)
    login(Client(), "admin")

    assert counted_at_check == [[1], [2], [3]]
    # The login gave its attempt back and reset the count.
    assert list(AttemptCounter.objects.values_list("count", flat=True)) == [0]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_check_no_more_than_the_limit(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    checked = count_password_checks(monkeypatch)
    clients = [Client() for _ in range(20)]

    statuses = post_in_parallel(clients, "/login/", {"username": "admin", "password": "wrong"})

    assert len(checked) == limit
    assert statuses == [200] * (limit - 1) + [429] * (20 - limit + 1)
    assert login(Client(), "admin").status_code == 429
    assert len(checked) == limit
    blocked = 20 - limit + 1
    assert Counter(actions()) == {
        "login.failed": limit,
        "login.locked": 1,
        "login.blocked": blocked,
    }


def test_lockout_is_per_ip_address(admin: User) -> None:
    fail(Client(), times=settings.AXES_FAILURE_LIMIT)
    other_address = login(Client(), "admin", REMOTE_ADDR="198.51.100.7")
    assert other_address.status_code == 302


def test_lockout_is_per_username(admin: User, support: User) -> None:
    client = Client()
    fail(client, "admin", times=settings.AXES_FAILURE_LIMIT)
    assert login(client, "support").status_code == 302


def test_a_successful_login_resets_the_failure_count(admin: User) -> None:
    client = Client()
    fail(client, times=settings.AXES_FAILURE_LIMIT - 1)
    assert login(client, "admin").status_code == 302
    client.post("/logout/")
    assert fail(client, times=settings.AXES_FAILURE_LIMIT - 1) == [200] * (
        settings.AXES_FAILURE_LIMIT - 1
    )


def test_failed_logins_keep_no_password_in_axes_records(admin: User) -> None:
    marker = "Marker-Wrong-Password-5512"
    login(Client(), "admin", marker)
    attempt = AccessAttempt.objects.get()
    assert marker not in attempt.post_data
    assert marker not in str(AuditEvent.objects.values().get())


@pytest.mark.parametrize("value", ["0", "-3"])
def test_lockout_settings_must_be_positive(value: str) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "partnerportal.settings_test",
            "LOGIN_COOLOFF_MINUTES": value,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "LOGIN_COOLOFF_MINUTES must be a whole number of at least 1" in result.stderr
