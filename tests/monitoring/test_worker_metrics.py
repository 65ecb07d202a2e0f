"""The worker's own metrics: its tasks and Green API calls, served on WORKER_METRICS_PORT."""

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
import requests
from huey.contrib.djhuey import task
from prometheus_client import REGISTRY

from greenapi import CallEvent
from monitoring import worker
from monitoring.metrics import greenapi_call_observed
from tests.support.processes import free_port

TOKEN = "w" * 40
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def token(settings: Any) -> str:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return TOKEN


def _call_app(path: str, **environ: str) -> tuple[str, bytes]:
    env: dict[str, Any] = {"PATH_INFO": path, "REMOTE_ADDR": "10.0.0.9", **environ}
    setup_testing_defaults(env)
    answered: list[str] = []
    body = b"".join(worker.metrics_app(env, lambda status, headers: answered.append(status)))
    return answered[0], body


@pytest.mark.usefixtures("token")
def test_the_worker_app_serves_this_process_registry_with_the_token() -> None:
    greenapi_call_observed(CallEvent("getStateInstance", "GET", "timeout", 0.3, None, 1))

    status, body = _call_app("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert status == "200 OK"
    assert (
        b'partnerportal_greenapi_requests_total{method="getStateInstance",outcome="timeout"}'
        in body
    )
    # The mirror's gauges are the web's to serve: nothing is counted twice.
    assert b"partnerportal_instances" not in body


@pytest.mark.usefixtures("token")
def test_the_worker_app_follows_the_same_access_rule() -> None:
    assert _call_app("/metrics")[0] == "403 Forbidden"
    assert _call_app("/metrics", HTTP_AUTHORIZATION="Bearer nope")[0] == "403 Forbidden"
    assert _call_app("/other", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")[0] == "404 Not Found"


def test_the_worker_app_is_off_like_the_web(settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []

    assert _call_app("/metrics")[0] == "404 Not Found"


@pytest.fixture
def server_stopped() -> Iterator[None]:
    worker.metrics_server_stop()
    yield
    worker.metrics_server_stop()


@pytest.mark.usefixtures("token", "server_stopped")
def test_the_server_starts_once_per_process(settings: Any) -> None:
    settings.WORKER_METRICS_PORT = free_port()

    # Every worker thread runs the startup hook: the first starts the server.
    first = worker.metrics_server_start()
    second = worker.metrics_server_start()

    assert first is not None
    assert second is first
    url = f"http://127.0.0.1:{settings.WORKER_METRICS_PORT}/metrics"
    response = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert response.status_code == 200
    assert "process_cpu_seconds_total" in response.text


@pytest.mark.usefixtures("server_stopped")
def test_port_zero_means_no_server(settings: Any) -> None:
    settings.WORKER_METRICS_PORT = 0

    assert worker.metrics_server_start() is None


@pytest.mark.usefixtures("server_stopped")
def test_a_port_in_use_is_logged_and_the_worker_goes_on(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings.WORKER_METRICS_PORT = taken.getsockname()[1]

        assert worker.metrics_server_start() is None

    assert "cannot listen on" in caplog.text


@task()
def _works(value: int) -> int:
    return value * 2


@task()
def _fails() -> None:
    raise ValueError("a task that fails")


def _tasks(name: str, outcome: str) -> float:
    return (
        REGISTRY.get_sample_value("partnerportal_tasks_total", {"task": name, "outcome": outcome})
        or 0.0
    )


def _task_runs(name: str) -> float:
    return (
        REGISTRY.get_sample_value("partnerportal_task_duration_seconds_count", {"task": name})
        or 0.0
    )


def test_tasks_are_counted_by_how_they_ended() -> None:
    completed, failed, timed = (
        _tasks("_works", "complete"),
        _tasks("_fails", "error"),
        _task_runs("_works"),
    )

    # Tests run tasks where they are enqueued (huey's immediate mode), with the worker's signals.
    assert _works(21)() == 42
    with pytest.raises(Exception, match="a task that fails"):
        _fails()()

    assert _tasks("_works", "complete") == completed + 1
    assert _tasks("_fails", "error") == failed + 1
    assert _task_runs("_works") == timed + 1


def test_the_running_worker_serves_its_metrics(tmp_path: Path) -> None:
    """`manage.py run_huey`, as `make run` and the worker container start it."""
    port = free_port()
    env = {
        **os.environ,
        # The real settings: a consumer cannot run on the tests' immediate-mode queue.
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
        "DJANGO_DEBUG": "true",
        "GREEN_API_SANDBOX": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3"),
        "REDIS_URL": "",
        "WORKER_METRICS_PORT": str(port),
        "METRICS_TOKEN": TOKEN,
        "METRICS_ALLOWED_NETWORKS": "10.255.255.0/24",
        "LOG_LEVEL": "INFO",
    }
    # -A: no tasks modules, so no periodic job runs against this empty database.
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "-A", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    assert process.stderr is not None
    stderr = process.stderr

    def read() -> None:
        for line in stderr:
            lines.put(line)
        lines.put(None)  # the worker exited

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        seen: list[str] = []
        while not seen or "Worker metrics at" not in seen[-1]:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, "the worker exited:\n" + "".join(seen)
            seen.append(line)
        url = f"http://127.0.0.1:{port}/metrics"

        assert requests.get(url, timeout=5).status_code == 403
        response = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        assert response.status_code == 200
        assert "# HELP partnerportal_greenapi_requests_total" in response.text
        assert "# HELP partnerportal_tasks_total" in response.text
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
