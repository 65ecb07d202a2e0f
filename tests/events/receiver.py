"""A real HTTP server on 127.0.0.1 in a thread: the reseller's system receiving events.

It records every request (headers and body) and answers from a script: a status per request
in order (then 200), optionally a redirect, or holding the answer back until the test ends
(for timeouts). Tests wait on its condition, never sleep.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    headers: dict[str, str]
    body: str
    path: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)  # statuses to answer, in order; then 200
    redirect_to: str = ""
    hold: bool = False  # keep the answer back until released (for timeouts)
    released: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.requests) >= count, timeout), (
                f"{len(self.requests)} requests arrived, {count} expected"
            )
            return list(self.requests)

    def bodies(self) -> list[Any]:
        return [request.json for request in self.requests]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            with receiver.changed:
                receiver.requests.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body, self.path)
                )
                status = receiver.script.pop(0) if receiver.script else 200
                receiver.changed.notify_all()
            if receiver.hold:
                receiver.released.wait(timeout=30)
            if receiver.redirect_to:
                self.send_response(302)
                self.send_header("Location", receiver.redirect_to)
            else:
                self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(None))  # type: ignore[arg-type]
    made = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks", server=server)
    server.RequestHandlerClass = _handler(made)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield made
    made.released.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
