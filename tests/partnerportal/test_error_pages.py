"""Error pages: ours for 400/403/404/405/500, with a way back, the CSP, and nothing internal."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest
from django.test import Client
from django.urls import path

from accounts.models import User
from instances.models import Instance
from partnerportal.urls import handler400, handler403, handler404, handler500  # noqa: F401
from partnerportal.urls import urlpatterns as portal_urlpatterns
from tests.support.pages import logged_in, page_text
from tests.support.personas import MISSING_ID

SECRET = "Zq9-internal-detail-7Kx"
# A customer link's path carries its token: a 404 must not print it back.
TOKEN = "tok3nSecretAbcdefghijklmnopqrstuvwxyz0123456789"


def _raise_runtime(request: HttpRequest) -> NoReturn:
    raise RuntimeError(f"database said {SECRET}")


def _raise_forbidden(request: HttpRequest) -> NoReturn:
    raise PermissionDenied(f"role check {SECRET}")


def _raise_suspicious(request: HttpRequest) -> NoReturn:
    raise SuspiciousOperation(f"odd input {SECRET}")


# This module is also the URLconf of the tests marked `urls(__name__)`: the portal plus views
# that fail on purpose, under the portal's handlers (imported above).
urlpatterns = [
    path("boom/", _raise_runtime),
    path("forbidden/", _raise_forbidden),
    path("suspicious/", _raise_suspicious),
    *portal_urlpatterns,
]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _production(settings: Any) -> None:
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]


def assert_our_page(response: Any, status: int, heading: str) -> str:
    """The response is our styled page with a way back, under the CSP, showing nothing inside."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    text = page_text(response)
    assert f"<h1>{heading}</h1>" in text
    assert 'href="/static/css/portal.css"' in text
    assert '<a class="brand" href="/">' in text
    assert '<a class="btn" href="/">Go to the home page</a>' in text
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy
    for internal in (SECRET, TOKEN, "Traceback", "Exception", "DEBUG", "/l/", "urlpatterns"):
        assert internal not in text
    return text


@pytest.mark.django_db
def test_unknown_address_is_our_404_without_the_path() -> None:
    response = Client().get(f"/l/{TOKEN}/nothing-here")
    assert_our_page(response, 404, "Page not found")


def test_another_tenants_instance_is_our_404_with_navigation(
    reseller_b_user: User, instance_a: Instance
) -> None:
    for url in (f"/instances/{instance_a.pk}/", f"/instances/{MISSING_ID}/"):
        text = assert_our_page(logged_in(reseller_b_user).get(url), 404, "Page not found")
        assert 'href="/instances/"' in text  # the logged-in navigation


def test_htmx_request_gets_the_same_404(reseller_b_user: User) -> None:
    response = logged_in(reseller_b_user).get(f"/instances/{MISSING_ID}/", **HTMX)
    assert_our_page(response, 404, "Page not found")


def test_role_without_the_right_gets_our_403_with_navigation(support: User) -> None:
    text = assert_our_page(logged_in(support).get("/resellers/"), 403, "You cannot do this")
    assert 'href="/instances/"' in text


@pytest.mark.urls(__name__)
def test_403_does_not_show_the_reason(admin: User) -> None:
    assert_our_page(logged_in(admin).get("/forbidden/"), 403, "You cannot do this")


@pytest.mark.django_db
def test_failed_csrf_check_gets_our_403() -> None:
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "x"})
    assert_our_page(response, 403, "The form has expired")


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_suspicious_request_gets_our_400() -> None:
    assert_our_page(Client().get("/suspicious/"), 400, "Bad request")


@pytest.mark.urls(__name__)
def test_crash_gets_our_500_rendered_without_the_request(admin: User) -> None:
    client = logged_in(admin)
    client.raise_request_exception = False
    text = assert_our_page(client.get("/boom/"), 500, "Something went wrong")
    assert "Log out" not in text  # no request context: nothing of the session is touched


@pytest.mark.django_db
def test_get_on_post_only_logout_is_our_405_keeping_allow() -> None:
    response = Client().get("/logout/")
    assert_our_page(response, 405, "Not available this way")
    assert "POST" in response["Allow"]
    assert "GET" not in response["Allow"]


def test_get_on_post_only_instance_url_is_our_405_for_htmx_too(
    admin: User, instance_a: Instance
) -> None:
    url = f"/instances/{instance_a.pk}/links/revoke/"
    for extra in ({}, HTMX):
        response = logged_in(admin).get(url, **extra)
        text = assert_our_page(response, 405, "Not available this way")
        assert response["Allow"] == "POST"
        assert 'href="/instances/"' in text
