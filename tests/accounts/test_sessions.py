"""Idle and absolute session limits, and sessions that end when an account is switched off."""

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import AuditEvent, Reseller, User
from tests.support.personas import PASSWORD

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def logged_in(username: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_idle_session_ends_after_the_idle_timeout(admin: User) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in("admin")
        clock.shift(timedelta(minutes=29))
        assert client.get("/account/").status_code == 200
        clock.shift(timedelta(minutes=30, seconds=30))  # 30.5 minutes since that request
        response = client.get("/account/")
        assert response.status_code == 302
        assert response["Location"] == "/login/?next=/account/"
        login_page = client.get(response["Location"])
        assert b"without activity" in login_page.content
    event = AuditEvent.objects.get(action="session.expired")
    assert (event.actor, event.detail) == (admin, "idle")


def test_activity_keeps_a_session_alive_until_the_absolute_limit(admin: User) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in("admin")
        for _ in range(35):  # a request every 20 minutes for 11 h 40 min
            clock.shift(timedelta(minutes=20))
            assert client.get("/account/").status_code == 200
        clock.shift(timedelta(minutes=21))  # 12 h 1 min after login, 21 min idle
        assert client.get("/account/").status_code == 302
    assert AuditEvent.objects.get(action="session.expired").detail == "absolute"


def test_session_limits_come_from_the_settings(settings: Any, admin: User) -> None:
    settings.SESSION_IDLE_MINUTES = 5
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in("admin")
        clock.shift(timedelta(minutes=6))
        assert client.get("/account/").status_code == 302


def test_deactivated_user_is_logged_out_on_the_next_request(reseller_a_user: User) -> None:
    client = logged_in("reseller-a")
    # Even without the service (which deletes sessions), the next request is anonymous.
    User.objects.filter(pk=reseller_a_user.pk).update(is_active=False)
    assert client.get("/account/").status_code == 302


def test_deactivating_a_user_deletes_all_their_sessions(admin: User, reseller_a_user: User) -> None:
    phone, laptop, other = logged_in("reseller-a"), logged_in("reseller-a"), logged_in("admin")
    assert Session.objects.count() == 3
    services.user_deactivate(actor=admin, user=reseller_a_user)
    assert Session.objects.count() == 1
    assert phone.get("/account/").status_code == 302
    assert laptop.get("/account/").status_code == 302
    assert other.get("/account/").status_code == 200


def test_deactivating_a_reseller_logs_out_its_users_at_once(
    admin: User, reseller_a: Reseller, reseller_a_user: User, reseller_b_user: User
) -> None:
    a_client, b_client = logged_in("reseller-a"), logged_in("reseller-b")
    services.reseller_deactivate(actor=admin, reseller=reseller_a)
    assert a_client.get("/account/").status_code == 302
    assert b_client.get("/account/").status_code == 200
    # Reactivating the reseller restores its users (their own flag never changed).
    services.reseller_update(
        actor=admin,
        reseller=reseller_a,
        name=reseller_a.name,
        contact_email=reseller_a.contact_email,
        instance_quota=reseller_a.instance_quota,
        day_price=reseller_a.day_price,
        is_active=True,
    )
    assert logged_in("reseller-a").get("/account/").status_code == 200


def test_changing_the_password_ends_the_other_sessions_only(admin: User) -> None:
    here, elsewhere = logged_in("admin"), logged_in("admin")
    new = "a-New-password-8815"
    response = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert here.get("/account/").status_code == 200
    assert elsewhere.get("/account/").status_code == 302
    assert AuditEvent.objects.filter(action="password.change").count() == 1


def test_htmx_request_after_the_session_ended_reloads_the_login_page(admin: User) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in("admin")
        clock.shift(timedelta(hours=1))
        response = client.get("/audit/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/audit/"


def test_pages_read_the_user_itself_not_a_lazy_stand_in(admin: User) -> None:
    """Django and django-otp hand the request a lazy stand-in for the user, whose every
    attribute read costs a caught exception; the session middleware swaps in the user itself,
    still the one django-otp verified, and an ended session's anonymous user."""
    client = logged_in("admin")
    seen = client.get("/account/").wsgi_request.user
    assert type(seen) is User
    assert seen == admin
    assert seen.is_verified() is False  # django-otp's verdict, kept on the user itself

    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        ended = client.get("/account/").wsgi_request.user
    assert type(ended) is AnonymousUser
