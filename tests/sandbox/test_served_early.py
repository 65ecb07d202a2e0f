"""The emulator is a machine's API: served ahead of sessions, CSRF and page headers."""

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_wire_call_loads_no_session_and_gets_no_page_headers(client: Client) -> None:
    client.cookies["sessionid"] = "not-a-session"  # a session lookup would need it

    response = client.get("/sandbox/waInstance1101000001/getStateInstance/token")

    assert response.status_code == 404  # no such instance: the emulator's own answer
    assert response.content == b"Instance not found"
    assert "Content-Security-Policy" not in response
    assert "X-Frame-Options" not in response
    assert not response.cookies


def test_a_control_call_from_another_host_over_plain_http_still_answers(
    client: Client, settings: Any, partner_token: str
) -> None:
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(
        "/sandbox/control/faults",
        HTTP_HOST="10.0.3.7:8000",
        HTTP_AUTHORIZATION=f"Bearer {partner_token}",
    )

    assert response.status_code == 200


def test_an_unknown_emulator_path_is_the_emulators_plain_404(client: Client) -> None:
    response = client.post("/sandbox/no/such/path")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")


def test_portal_pages_keep_their_headers(client: Client) -> None:
    response = client.get("/login/")

    assert "Content-Security-Policy" in response
