"""Deploy checks and start-up validation for who may read /metrics."""

import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]


def _ids(settings: Any, *, token: str, networks: list[str]) -> list[str]:
    settings.METRICS_TOKEN = token
    settings.METRICS_ALLOWED_NETWORKS = networks
    return [
        m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("monitoring")
    ]


def test_metrics_off_is_noted(settings: Any) -> None:
    assert _ids(settings, token="", networks=[]) == ["monitoring.I001"]


def test_a_long_token_and_a_private_network_pass(settings: Any) -> None:
    assert _ids(settings, token="t" * 43, networks=["10.0.0.0/8"]) == []


def test_an_allow_list_open_to_everyone_is_flagged(settings: Any) -> None:
    assert _ids(settings, token="", networks=["10.0.0.0/8", "0.0.0.0/0"]) == ["monitoring.W001"]


def test_a_short_token_is_flagged(settings: Any) -> None:
    assert _ids(settings, token="secret", networks=[]) == ["monitoring.W002"]


def test_a_network_that_is_not_one_stops_start_up() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "partnerportal.settings_test",
            "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,prometheus.internal",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert (
        "METRICS_ALLOWED_NETWORKS holds 'prometheus.internal', which is not an IP address or "
        "network." in result.stderr
    )
