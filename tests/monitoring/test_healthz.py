"""/healthz: the process answers, whatever else is down, to any prober."""

from typing import Any

from django.test import Client


def test_healthz_answers_without_touching_the_database(client: Client) -> None:
    # No `db` fixture: pytest-django fails any query, so a 200 proves none was made.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_healthz_answers_head(client: Client) -> None:
    assert client.head("/healthz").status_code == 200


def test_healthz_refuses_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


def test_healthz_answers_a_prober_that_comes_by_ip_over_plain_http(
    client: Client, settings: Any
) -> None:
    # As in production: only the portal's name is allowed, and plain HTTP is redirected.
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz", HTTP_HOST="10.0.3.7:8000")

    assert response.status_code == 200


def test_other_pages_still_check_the_host(client: Client, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["portal.example.com"]

    assert client.get("/login/", HTTP_HOST="10.0.3.7:8000").status_code == 400
