"""The metrics each process counts for itself: its Green API requests and the tasks it ran.

They live in prometheus-client's default registry, per process: a web process serves its own at
/metrics (with the mirror's gauges, monitoring/mirror.py), the worker at WORKER_METRICS_PORT
(monitoring/worker.py). With several gunicorn worker processes, set PROMETHEUS_MULTIPROC_DIR
and /metrics adds up all of them (docs/operations.md).
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from greenapi import CallEvent

# Green API answers in tens of milliseconds; a call may take up to GREEN_API_DEADLINE (15 s).
_SECONDS_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0)

GREEN_API_REQUESTS = Counter(
    "partnerportal_greenapi_requests",
    "HTTP requests to Green API by method and outcome (ok, rate_limited, timeout, ...); "
    "each retry is a request of its own.",
    ["method", "outcome"],
)
GREEN_API_SECONDS = Histogram(
    "partnerportal_greenapi_request_duration_seconds",
    "Time from sending a request to Green API to having its whole answer, by method and outcome.",
    ["method", "outcome"],
    buckets=_SECONDS_BUCKETS,
)
TASKS = Counter(
    "partnerportal_tasks",
    "Background tasks by task and how they ended (complete, error, locked, ...).",
    ["task", "outcome"],
)
TASK_SECONDS = Histogram(
    "partnerportal_task_duration_seconds",
    "Run time of background tasks that completed or failed, by task.",
    ["task"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)


def greenapi_call_observed(event: CallEvent) -> None:
    """The Green API client's observer (wired in instances/greenapi_factory.py)."""
    GREEN_API_REQUESTS.labels(event.method, event.outcome).inc()
    GREEN_API_SECONDS.labels(event.method, event.outcome).observe(event.seconds)


def process_exposition() -> bytes:
    """This process's metrics in Prometheus' text format, or every web process's in
    multiprocess mode (PROMETHEUS_MULTIPROC_DIR set before the processes started)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # unannotated __init__
        return generate_latest(registry)
    return generate_latest(REGISTRY)
