"""The worker's own metrics: its tasks, and its Green API calls, served on WORKER_METRICS_PORT.

The worker (`manage.py run_huey`) is a process of its own, so the counters it keeps are not in
any web process. Rather than prometheus-client's multiprocess mode, which needs a directory
shared by every process (no use across containers), it serves its own registry: Prometheus
scrapes web replicas at /metrics and the worker at WORKER_METRICS_HOST:WORKER_METRICS_PORT/metrics,
with the same token or allow-list (monitoring/access.py). The mirror's gauges are served by the
web only, so nothing is counted twice.

The server starts from huey's startup hook, which every worker thread runs: the first one
starts it, the others find it running. With huey's "process" workers only the first process
could bind the port, so the worker runs "thread" workers (settings.HUEY).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from huey import signals
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from monitoring.access import Access, metrics_access
from monitoring.metrics import TASK_SECONDS, TASKS

logger = logging.getLogger(__name__)

StartResponse = Any  # wsgiref's start_response callable


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a scrape in progress must not keep the worker from stopping


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """A scrape every 15 s is not news: no access log."""


def metrics_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """A WSGI app that serves this process's registry at /metrics, to allowed scrapers only."""
    if environ.get("PATH_INFO") != "/metrics":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not found.\n"]
    access = metrics_access(
        authorization=environ.get("HTTP_AUTHORIZATION", ""),
        client_address=environ.get("REMOTE_ADDR"),
    )
    if access is not Access.ALLOWED:
        status = "404 Not Found" if access is Access.OFF else "403 Forbidden"
        start_response(status, [("Content-Type", "text/plain")])
        return [b"Not found.\n" if access is Access.OFF else b"Forbidden.\n"]
    body = generate_latest(REGISTRY)
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
    return [body]


_lock = threading.Lock()
_server: WSGIServer | None = None


def metrics_server_start() -> WSGIServer | None:
    """Serve metrics_app on WORKER_METRICS_PORT in a daemon thread, once per process.

    Returns the server (None when the port is 0 or cannot be bound: the worker works on).
    """
    global _server
    port: int = settings.WORKER_METRICS_PORT
    if port <= 0:
        return None
    with _lock:
        if _server is not None:
            return _server
        host: str = settings.WORKER_METRICS_HOST
        try:
            server = make_server(
                host, port, metrics_app, server_class=_ThreadingServer, handler_class=_QuietHandler
            )
        except OSError as exc:
            logger.error("Worker metrics: cannot listen on %s:%s: %s", host, port, exc)
            return None
        thread = threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True)
        thread.start()
        _server = server
        logger.info("Worker metrics at http://%s:%s/metrics", host, server.server_port)
        return server


def metrics_server_stop() -> None:
    """Stop the server started by metrics_server_start (tests)."""
    global _server
    with _lock:
        if _server is not None:
            _server.shutdown()
            _server.server_close()
            _server = None


# When each running task started, by task id; a task runs in one thread at a time.
_started: dict[str, float] = {}
# How a task run can end. A failed task that will be retried also sends "retrying", which is
# not counted: its "error" was.
_ENDINGS = {
    signals.SIGNAL_COMPLETE,
    signals.SIGNAL_ERROR,
    signals.SIGNAL_LOCKED,
    signals.SIGNAL_CANCELED,
    signals.SIGNAL_EXPIRED,
    signals.SIGNAL_REVOKED,
    signals.SIGNAL_INTERRUPTED,
    signals.SIGNAL_TIMEOUT,
    signals.SIGNAL_RATE_LIMITED,
}


def task_signal(signal: str, task: Any, *args: Any) -> None:
    """huey's signal handler: count each task's ending, and time the ones that ran."""
    if signal == signals.SIGNAL_EXECUTING:
        _started[task.id] = time.monotonic()
        return
    if signal not in _ENDINGS:
        return
    started = _started.pop(task.id, None)
    name = task.name
    TASKS.labels(name, signal).inc()
    if started is not None and signal in {signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR}:
        TASK_SECONDS.labels(name).observe(time.monotonic() - started)
