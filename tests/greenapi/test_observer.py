"""The Transport's observer: one CallEvent per HTTP attempt, safe to label, never in the way."""

import logging
import socket

import pytest

from greenapi import (
    BadResponse,
    CallEvent,
    ClientConfig,
    CreateInstanceParams,
    InstanceClient,
    PartnerClient,
    RateLimited,
    Unavailable,
    UpstreamTimeout,
)
from tests.support.sandbox import SandboxControl

FAST = ClientConfig(connect_timeout=1, read_timeout=2, deadline=4, get_retries=2, backoff=0.01)


class Recorder:
    def __init__(self) -> None:
        self.events: list[CallEvent] = []

    def __call__(self, event: CallEvent) -> None:
        self.events.append(event)

    def outcomes(self) -> list[tuple[str, str, str, int | None, int]]:
        return [(e.method, e.verb, e.outcome, e.status, e.attempt) for e in self.events]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def _partner(
    url: str, token: str, recorder: Recorder, config: ClientConfig = FAST
) -> PartnerClient:
    return PartnerClient(base_url=url, partner_token=token, config=config, observer=recorder)


def test_a_successful_get_is_one_ok_event(
    sandbox: SandboxControl, sandbox_url: str, partner_token: str, recorder: Recorder
) -> None:
    _partner(sandbox_url, partner_token, recorder).get_instances()

    assert recorder.outcomes() == [("getInstances", "GET", "ok", 200, 1)]
    assert recorder.events[0].seconds > 0


def test_a_retried_get_reports_every_attempt(
    sandbox: SandboxControl, sandbox_url: str, partner_token: str, recorder: Recorder
) -> None:
    sandbox.add_fault("getInstances", "http500", times=1)

    _partner(sandbox_url, partner_token, recorder).get_instances()

    assert recorder.outcomes() == [
        ("getInstances", "GET", "unavailable", 500, 1),
        ("getInstances", "GET", "ok", 200, 2),
    ]


def test_a_429_is_rate_limited(
    sandbox: SandboxControl, sandbox_url: str, partner_token: str, recorder: Recorder
) -> None:
    sandbox.add_fault("getInstances", "http429")
    once = ClientConfig(connect_timeout=1, read_timeout=2, deadline=4, get_retries=0)

    with pytest.raises(RateLimited):
        _partner(sandbox_url, partner_token, recorder, once).get_instances()

    assert recorder.outcomes() == [("getInstances", "GET", "rate_limited", 429, 1)]


def test_a_malformed_answer_is_bad_response(
    sandbox: SandboxControl, sandbox_url: str, partner_token: str, recorder: Recorder
) -> None:
    sandbox.add_fault("getInstances", "malformed")

    with pytest.raises(BadResponse):
        _partner(sandbox_url, partner_token, recorder).get_instances()

    # Not retryable: the same call would get the same answer.
    assert recorder.outcomes() == [("getInstances", "GET", "bad_response", 200, 1)]


def test_a_hanging_answer_is_a_timeout_that_took_the_read_timeout(
    sandbox: SandboxControl, sandbox_url: str, partner_token: str, recorder: Recorder
) -> None:
    sandbox.add_fault("getInstances", "hang", seconds=3)
    short = ClientConfig(connect_timeout=1, read_timeout=0.3, deadline=2, get_retries=0)

    with pytest.raises(UpstreamTimeout):
        _partner(sandbox_url, partner_token, recorder, short).get_instances()

    [event] = recorder.events
    assert (event.outcome, event.status) == ("timeout", None)
    assert 0.25 <= event.seconds < 1.5


def test_a_refused_connection_is_unavailable_with_no_status(
    partner_token: str, recorder: Recorder
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    once = ClientConfig(connect_timeout=1, read_timeout=1, deadline=2, get_retries=0)

    with pytest.raises(Unavailable):
        _partner(f"http://127.0.0.1:{port}", partner_token, recorder, once).get_instances()

    assert recorder.outcomes() == [("getInstances", "GET", "unavailable", None, 1)]


def test_posts_and_instance_methods_are_observed_by_name(
    sandbox: SandboxControl, sandbox_url: str, partner_token: str, recorder: Recorder
) -> None:
    created = _partner(sandbox_url, partner_token, recorder).create_instance(
        CreateInstanceParams(name="Observed")
    )
    client = InstanceClient(
        base_url=sandbox_url,
        id_instance=created.id_instance,
        api_token=created.api_token,
        config=FAST,
        observer=recorder,
    )
    client.get_state_instance()

    assert recorder.outcomes() == [
        ("createInstance", "POST", "ok", 200, 1),
        ("getStateInstance", "GET", "ok", 200, 1),
    ]
    # Only names and numbers: nothing that could carry a token or a URL.
    assert created.api_token not in repr(recorder.events)
    assert partner_token not in repr(recorder.events)


def test_an_observer_that_fails_does_not_fail_the_call(
    sandbox: SandboxControl,
    sandbox_url: str,
    partner_token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(event: CallEvent) -> None:
        raise RuntimeError("metrics backend is gone")

    client = PartnerClient(
        base_url=sandbox_url, partner_token=partner_token, config=FAST, observer=broken
    )
    with caplog.at_level(logging.ERROR, logger="greenapi.transport"):
        assert client.get_instances() == []

    assert "observer failed for getInstances" in caplog.text
    assert partner_token not in caplog.text
