"""/metrics: closed by a token or an allow-list; the mirror's gauges and Green API's calls."""

import math
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from huey import SqliteHuey
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from core.models import Heartbeat
from instances.greenapi_factory import partner_client
from instances.models import Instance, SyncState
from tests.monitoring.conftest import add_instance
from tests.support.sandbox import SandboxControl

TOKEN = "m" * 40
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def token(settings: Any) -> str:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return TOKEN


def _scrape(client: Client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


# --- Who may read it ---------------------------------------------------------------------------


def test_metrics_are_off_when_neither_a_token_nor_networks_are_set(
    client: Client, settings: Any
) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []

    assert client.get("/metrics").status_code == 404


@pytest.mark.usefixtures("token")
@pytest.mark.parametrize(
    "authorization",
    ["", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer "],
)
def test_a_wrong_or_missing_token_is_forbidden(client: Client, authorization: str) -> None:
    response = client.get("/metrics", HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 403
    assert b"partnerportal" not in response.content


@pytest.mark.django_db
@pytest.mark.usefixtures("token")
def test_the_token_opens_it_from_anywhere(client: Client) -> None:
    response = client.get(
        "/metrics", HTTP_AUTHORIZATION=f"bearer {TOKEN}", REMOTE_ADDR="203.0.113.9"
    )

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "status"),
    [("10.1.2.3", 200), ("192.168.1.7", 403), ("::ffff:10.0.0.5", 200), ("fd00::1", 200)],
)
def test_the_allow_list_opens_it_to_its_networks_only(
    client: Client, settings: Any, address: str, status: int
) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "fd00::/8"]

    assert client.get("/metrics", REMOTE_ADDR=address).status_code == status


def test_a_forged_forwarded_for_does_not_pass_the_allow_list(client: Client, settings: Any) -> None:
    # No proxy in front (DJANGO_PROXY_COUNT=0): the connecting address is the client's.
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.0.0.1")

    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.usefixtures("token")
def test_a_scraper_that_comes_by_ip_over_plain_http_is_answered(
    client: Client, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    _scrape(client, HTTP_HOST="172.18.0.4:8000")


@pytest.mark.usefixtures("token")
def test_metrics_refuse_post(client: Client) -> None:
    response = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 405


# --- What it says ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("token")
def test_instances_are_counted_by_state_and_messenger(client: Client) -> None:
    now = timezone.now()
    add_instance(1101000001, checked_at=now)
    add_instance(1101000002, checked_at=now)
    add_instance(7103000001, type_instance=Instance.Type.MAX, state=Instance.State.BLOCKED)
    add_instance(1101000003, type_instance=Instance.Type.TELEGRAM, state=Instance.State.UNKNOWN)
    add_instance(1101000004, deleted=True)

    samples = _scrape(client)

    def count(state: str, messenger: str) -> float:
        return samples[("partnerportal_instances", (("messenger", messenger), ("state", state)))]

    assert count("authorized", "whatsapp") == 2
    assert count("blocked", "max") == 1
    assert count("unknown", "telegram") == 1
    # Every combination is there, zeros included, so that no series vanishes.
    assert count("yellowCard", "telegram") == 0
    families = [name for name, _ in samples if name == "partnerportal_instances"]
    assert len(families) == len(Instance.State.values) * len(Instance.Type.values)


@pytest.mark.django_db
@pytest.mark.usefixtures("token")
def test_stale_states_and_the_oldest_state_are_reported(client: Client) -> None:
    now = timezone.now()
    add_instance(1101000001, checked_at=now)
    add_instance(1101000002, checked_at=now - timedelta(seconds=700))  # twice 300 s: stale
    add_instance(1101000003, state=Instance.State.STARTING, checked_at=now - timedelta(seconds=11))
    add_instance(1101000004, state=Instance.State.UNKNOWN)  # never confirmed

    with time_machine.travel(now, tick=False):
        samples = _scrape(client)

    assert samples[("partnerportal_instance_states_stale", ())] == 3
    assert samples[("partnerportal_instance_state_oldest_age_seconds", ())] == 700
    assert samples[("partnerportal_instance_states_unconfirmed", ())] == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("token")
def test_sync_age_is_infinite_before_the_first_sync(client: Client) -> None:
    samples = _scrape(client)

    assert samples[("partnerportal_sync_age_seconds", ())] == math.inf
    assert samples[("partnerportal_sync_failing", ())] == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("token")
def test_sync_age_failure_and_heartbeats_are_reported(client: Client) -> None:
    now = timezone.now()
    SyncState.objects.create(
        pk=1, last_success_at=now - timedelta(seconds=90), last_error="Green API is down"
    )
    Heartbeat.objects.create(name="worker", at=now - timedelta(seconds=4))
    Heartbeat.objects.create(name="sync", at=now - timedelta(seconds=30))

    with time_machine.travel(now, tick=False):
        samples = _scrape(client)

    assert samples[("partnerportal_sync_age_seconds", ())] == 90
    assert samples[("partnerportal_sync_failing", ())] == 1
    assert samples[("partnerportal_heartbeat_age_seconds", (("name", "worker"),))] == 4
    assert samples[("partnerportal_heartbeat_age_seconds", (("name", "sync"),))] == 30


@pytest.mark.django_db
@pytest.mark.usefixtures("token")
def test_queue_depth_is_reported(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    queue = SqliteHuey("metrics-test", filename=str(tmp_path / "queue.db"))
    for _ in range(3):
        queue.storage.enqueue(b"task")
    monkeypatch.setattr("huey.contrib.djhuey.HUEY", queue)

    samples = _scrape(client)

    assert samples[("partnerportal_queue_up", ())] == 1
    assert samples[("partnerportal_queue_pending", ())] == 3
    assert samples[("partnerportal_queue_scheduled", ())] == 0


@pytest.mark.usefixtures("token")
def test_a_scrape_without_a_database_still_answers(client: Client) -> None:
    # No `db` fixture: every query fails, as with a database that is down.
    samples = _scrape(client)

    assert samples[("partnerportal_database_up", ())] == 0
    assert samples[("partnerportal_queue_up", ())] == 1
    assert not any(name == "partnerportal_instances" for name, _ in samples)


def _requests(method: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "partnerportal_greenapi_requests_total", {"method": method, "outcome": outcome}
    )
    return value or 0.0


@pytest.mark.django_db
@pytest.mark.usefixtures("token")
def test_green_api_calls_are_counted_by_method_and_outcome_with_latency(
    client: Client, sandbox: SandboxControl, greenapi_settings: Any
) -> None:
    greenapi_settings.GREEN_API_GET_RETRIES = 1
    ok_before = _requests("getInstances", "ok")
    limited_before = _requests("getInstances", "rate_limited")
    sandbox.add_fault("getInstances", "http429", times=1)

    partner_client().get_instances()  # a 429, then a retry that succeeds

    assert _requests("getInstances", "rate_limited") == limited_before + 1
    assert _requests("getInstances", "ok") == ok_before + 1
    samples = _scrape(client)
    labels = (("method", "getInstances"), ("outcome", "ok"))
    assert samples[("partnerportal_greenapi_requests_total", labels)] == ok_before + 1
    assert samples[("partnerportal_greenapi_request_duration_seconds_count", labels)] >= 1
    assert samples[("partnerportal_greenapi_request_duration_seconds_sum", labels)] > 0


def test_multiprocess_mode_adds_up_every_web_process(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, /metrics shows the calls of all gunicorn workers."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count_one_call = (
        "from greenapi import CallEvent; from monitoring.metrics import greenapi_call_observed; "
        "greenapi_call_observed(CallEvent('qr', 'GET', 'ok', 0.02, 200, 1))"
    )
    for _ in range(2):  # two worker processes, one call each
        subprocess.run([sys.executable, "-c", count_one_call], env=env, cwd=ROOT, check=True)  # noqa: S603
    exposition = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from monitoring.metrics import process_exposition; "
            "sys.stdout.write(process_exposition().decode())",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }
    assert (
        samples[("partnerportal_greenapi_requests_total", (("method", "qr"), ("outcome", "ok")))]
        == 2
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("token")
def test_a_scrape_costs_the_same_queries_at_any_size(client: Client) -> None:
    def queries_with(count: int) -> int:
        Instance.objects.all().delete()
        Instance.objects.bulk_create(
            Instance(id_instance=1101000000 + n, api_token="", state_checked_at=timezone.now())
            for n in range(count)
        )
        with CaptureQueriesContext(connection) as captured:
            _scrape(client)
        return len(captured)

    assert queries_with(3) == queries_with(300)
