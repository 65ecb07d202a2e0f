"""deploy/gunicorn.conf.py: the settings the web service runs with, and its access log."""

import logging
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
TOKEN = "Zx8kLq2mN4pR6sT8vW0yA1bC3dE5fG7h"


@pytest.fixture
def load_conf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """Run the config file as gunicorn does, undoing what it changes in this process."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    # It empties and makes prometheus-client's directory: a throwaway one here.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    loggers = [logging.getLogger(name) for name in ("gunicorn.access", "gunicorn.error")]
    filters = [list(logger.filters) for logger in loggers]

    def load(**environ: str) -> dict[str, Any]:
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONF))

    yield load
    for logger, kept in zip(loggers, filters, strict=True):
        logger.filters = kept


def test_settings_come_from_the_environment(load_conf: Any) -> None:
    conf = load_conf(PORT="9123", WEB_CONCURRENCY="3", GUNICORN_REUSE_PORT="true")

    assert conf["bind"] == ["0.0.0.0:9123"]
    assert conf["workers"] == 3
    assert conf["reuse_port"] is True
    assert conf["timeout"] == 30


def test_replicas_do_not_share_a_port_unless_asked(load_conf: Any) -> None:
    assert load_conf(GUNICORN_REUSE_PORT="")["reuse_port"] is False


def test_access_lines_leave_out_query_strings(load_conf: Any) -> None:
    # %(U)s is the path alone; %(r)s, the request line, would carry ?next=... and the like.
    log_format = load_conf()["access_log_format"]

    assert "%(U)s" in log_format
    assert "%(r)s" not in log_format
    assert "%(q)s" not in log_format


def test_access_lines_hide_customer_link_tokens(
    load_conf: Any, caplog: pytest.LogCaptureFixture
) -> None:
    load_conf()["on_starting"](None)

    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logging.getLogger("gunicorn.access").info(
            '%s "%s %s %s" %s', "10.0.0.7", "GET", f"/l/{TOKEN}/", "HTTP/1.1", 200
        )

    assert TOKEN not in caplog.text
    assert "/l/[redacted]/" in caplog.text


def test_a_process_is_replaced_after_many_requests_not_every_few_seconds(load_conf: Any) -> None:
    # 500 onboarding tabs ask 250 requests a second: 2,000 restarted each process every 16 s.
    assert load_conf()["max_requests"] >= 50_000
    assert load_conf(GUNICORN_MAX_REQUESTS="0")["max_requests"] == 0
