"""deploy/healthcheck.py: the containers' health checks (standard library only)."""

import http.server
import runpy
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "healthcheck.py"
healthcheck = runpy.run_path(str(SCRIPT))


class _Probe(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Probe)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_http_is_healthy_on_200(server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", str(server))

    assert healthcheck["main"](["http", "/healthz"]) == 0


def test_http_is_unhealthy_on_another_status(
    server: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", str(server))

    assert healthcheck["main"](["http", "/readyz"]) == 1
    assert "HTTP 503" in capsys.readouterr().err


def test_http_is_unhealthy_when_nothing_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", str(closed_port()))

    assert healthcheck["main"](["http", "/healthz"]) == 1


def test_tcp_is_healthy_while_something_accepts(server: int) -> None:
    assert healthcheck["main"](["tcp", f"127.0.0.1:{server}"]) == 0
    assert healthcheck["main"](["tcp", f"127.0.0.1:{closed_port()}"]) == 1


def test_a_wrong_call_says_how_to_use_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck["main"](["ping"]) == 2
    assert "healthcheck.py http" in capsys.readouterr().err
