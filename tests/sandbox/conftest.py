"""Helpers for the emulator's tests: a thin wire client, a frozen clock, a webhook sink."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests
import time_machine

# Later than any real clock here, so instances made before the freeze are already ready.
FROZEN_AT = datetime(2031, 3, 2, 9, 30, 0, tzinfo=UTC)


@dataclass
class Wire:
    """Plain `requests` calls shaped like Green API's URLs (the real client is elsewhere)."""

    base_url: str
    partner_token: str = field(repr=False)

    def partner(self, method: str, body: Any = None, verb: str = "POST") -> requests.Response:
        url = f"{self.base_url}/partner/{method}/{self.partner_token}"
        return requests.request(verb, url, json=body, timeout=10)

    def create(self, **params: Any) -> dict[str, Any]:
        response = self.partner("createInstance", params or {"name": "test"})
        assert response.status_code == 200
        created = response.json()
        assert "idInstance" in created, created
        return created

    def url(self, instance: dict[str, Any], method: str, token: str | None = None) -> str:
        prefix = "/v3" if instance["typeInstance"] == "v3" else ""
        token = instance["apiTokenInstance"] if token is None else token
        return f"{self.base_url}{prefix}/waInstance{instance['idInstance']}/{method}/{token}"

    def call(
        self, instance: dict[str, Any], method: str, verb: str = "GET", **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return requests.request(verb, self.url(instance, method), **kwargs)

    def control(self, verb: str, path: str, **kwargs: Any) -> requests.Response:
        """The control API with any body, for what SandboxControl has no helper for."""
        headers = {"Authorization": f"Bearer {self.partner_token}"}
        return requests.request(
            verb, f"{self.base_url}{path}", headers=headers, timeout=10, **kwargs
        )

    def force(self, instance: dict[str, Any], **body: Any) -> dict[str, Any]:
        path = f"/control/instances/{instance['idInstance']}/state"
        response = self.control("POST", path, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def state(self, instance: dict[str, Any]) -> str | None:
        response = self.call(instance, "getStateInstance")
        assert response.status_code == 200, response.text
        body = response.json()
        return None if body is None else body["stateInstance"]


@pytest.fixture(autouse=True)
def _rate_limits_off(settings: Any) -> None:
    # Most tests call one method several times a second; test_rate_limits.py turns them on.
    settings.SANDBOX_RATE_LIMITS = False


@pytest.fixture
def wire(sandbox_url: str, partner_token: str) -> Wire:
    return Wire(sandbox_url, partner_token)


@pytest.fixture
def instance(wire: Wire) -> dict[str, Any]:
    """A fresh WhatsApp instance (SANDBOX_CREATE_SECONDS is 0 in tests: ready at once)."""
    return wire.create(name="test")


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Frozen time shared with the live server thread; move it with `clock.shift(seconds)`."""
    with time_machine.travel(FROZEN_AT, tick=False) as traveller:
        yield traveller


@dataclass
class WebhookSink:
    url: str
    received: list[tuple[dict[str, str], dict[str, Any]]]


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    """A local HTTP server that records the webhooks posted to it."""
    received: list[tuple[dict[str, str], dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received.append((dict(self.headers), json.loads(self.rfile.read(length))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield WebhookSink(f"http://127.0.0.1:{server.server_port}/hook", received)
    server.shutdown()
    server.server_close()
