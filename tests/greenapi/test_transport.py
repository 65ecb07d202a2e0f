"""Transport behaviour the emulator cannot produce, on a mocked adapter (`responses`) or a
closed local port: 2022-era texts, 466, refused connections, redirects, headers, size limits."""

import gzip
import json
import socket
import time

import pytest
import responses

from greenapi import (
    BadResponse,
    ClientConfig,
    CreateInstanceParams,
    InstanceClient,
    PartnerClient,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamTimeout,
)

BASE = "https://api.green-api.com"
TOKEN = "gac.0123456789abcdef0123456789abcdef"
INSTANCE_TOKEN = "ab" * 25
FAST = ClientConfig(connect_timeout=1, read_timeout=2, deadline=5, get_retries=2, backoff=0.01)


def _partner(config: ClientConfig = FAST, base: str = BASE) -> PartnerClient:
    return PartnerClient(base_url=base, partner_token=TOKEN, config=config)


def _instance(config: ClientConfig = FAST) -> InstanceClient:
    return InstanceClient(
        base_url=BASE, id_instance=1101000001, api_token=INSTANCE_TOKEN, config=config
    )


@responses.activate
def test_2022_http_400_unauthorized_on_get_instances_is_unauthorized_and_not_retried() -> None:
    url = f"{BASE}/partner/getInstances/{TOKEN}"
    responses.get(url, status=400, body="Unauthorized")

    with pytest.raises(Unauthorized) as caught:
        _partner().get_instances()

    assert caught.value.status == 400
    assert len(responses.calls) == 1


@responses.activate
def test_http_466_quota_body_is_quota_exceeded() -> None:
    body = {
        "correspondentsStatus": {
            "method": "correspondents",
            "used": 3,
            "total": 3,
            "status": "QUOTE_EXCEEDED",
            "description": "Monthly quota has been exceeded.",
        }
    }
    responses.get(
        f"{BASE}/waInstance1101000001/getSettings/{INSTANCE_TOKEN}", status=466, json=body
    )

    with pytest.raises(QuotaExceeded, match="correspondents: 3 of 3 used") as caught:
        _instance().get_settings()

    assert caught.value.retryable is False


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_connection_refused_is_unavailable_and_a_post_is_known_not_sent() -> None:
    client = _partner(base=f"http://127.0.0.1:{_closed_port()}")

    with pytest.raises(Unavailable) as get_error:
        client.get_instances()
    with pytest.raises(Unavailable) as post_error:
        client.create_instance(CreateInstanceParams(name="x"))

    assert get_error.value.retryable is True
    assert post_error.value.outcome_unknown is False
    assert "connection refused" in post_error.value.message
    for error in (get_error.value, post_error.value):
        assert error.__context__ is None
        assert error.__cause__ is None


def test_refused_get_is_retried_with_backoff_inside_the_deadline() -> None:
    config = ClientConfig(connect_timeout=1, read_timeout=1, deadline=5, get_retries=2, backoff=0.2)
    client = _partner(config, base=f"http://127.0.0.1:{_closed_port()}")

    started = time.monotonic()
    with pytest.raises(Unavailable):
        client.get_instances()

    # Two pauses: 0.2 s and 0.4 s.
    assert 0.6 <= time.monotonic() - started < 2


@responses.activate
def test_get_is_retried_after_503_then_succeeds() -> None:
    url = f"{BASE}/waInstance1101000001/getStateInstance/{INSTANCE_TOKEN}"
    responses.get(url, status=503, body="")
    responses.get(url, json={"stateInstance": "authorized"})

    assert _instance().get_state_instance() == "authorized"
    assert len(responses.calls) == 2


@responses.activate
def test_post_is_never_retried_after_503() -> None:
    responses.post(f"{BASE}/partner/createInstance/{TOKEN}", status=503, body="")

    with pytest.raises(Unavailable) as caught:
        _partner().create_instance(CreateInstanceParams(name="x"))

    assert caught.value.outcome_unknown is True
    assert len(responses.calls) == 1


@responses.activate
def test_retry_after_longer_than_the_deadline_fails_at_once() -> None:
    url = f"{BASE}/waInstance1101000001/qr/{INSTANCE_TOKEN}"
    responses.get(url, status=429, headers={"Retry-After": "60"})

    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        _instance().qr()

    assert caught.value.retry_after == 60
    assert len(responses.calls) == 1
    assert time.monotonic() - started < 1


@responses.activate
def test_call_after_the_callers_overall_end_fails_at_once_and_sends_nothing() -> None:
    responses.post(f"{BASE}/partner/deleteInstanceAccount/{TOKEN}", json={})
    config = ClientConfig(deadline=5, ends_at=time.monotonic() - 0.1)

    with pytest.raises(UpstreamTimeout) as caught:
        _partner(config).delete_instance_account(1101000001)

    assert len(responses.calls) == 0
    assert caught.value.outcome_unknown is False
    assert "no time was left" in caught.value.message


def test_callers_overall_end_cuts_a_calls_own_deadline_short() -> None:
    # A server that takes the connection and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        config = ClientConfig(read_timeout=5, deadline=5, ends_at=time.monotonic() + 0.3)

        started = time.monotonic()
        with pytest.raises(UpstreamTimeout):
            _partner(config, base=base).get_instances()

    assert time.monotonic() - started < 1


@pytest.mark.parametrize("ends_at", [float("nan"), float("inf"), "soon"])
def test_overall_end_must_be_a_finite_time(ends_at: object) -> None:
    with pytest.raises(ValueError, match="ends_at"):
        ClientConfig(ends_at=ends_at)  # type: ignore[arg-type]  # a wrong type on purpose


@responses.activate
def test_redirects_are_not_followed() -> None:
    url = f"{BASE}/partner/getInstances/{TOKEN}"
    responses.get(url, status=302, headers={"Location": "https://elsewhere.example/"})

    with pytest.raises(BadResponse, match="unexpected HTTP 302"):
        _partner().get_instances()

    assert len(responses.calls) == 1


@responses.activate
def test_requests_carry_user_agent_and_json_content_type() -> None:
    responses.post(
        f"{BASE}/waInstance1101000001/setSettings/{INSTANCE_TOKEN}", json={"saveSettings": True}
    )
    config = ClientConfig(user_agent="PartnerPortal/9.9 (tests)")

    assert _instance(config).set_settings({"stateWebhook": "yes"}) is True

    request = responses.calls[0].request
    assert request.headers["User-Agent"] == "PartnerPortal/9.9 (tests)"
    assert request.headers["Content-Type"] == "application/json"
    assert isinstance(request.body, bytes | str)
    assert json.loads(request.body) == {"stateWebhook": "yes"}


@responses.activate
def test_gzip_bodies_are_decoded() -> None:
    body = gzip.compress(b'{"stateInstance": "authorized"}')
    responses.get(
        f"{BASE}/waInstance1101000001/getStateInstance/{INSTANCE_TOKEN}",
        body=body,
        headers={"Content-Encoding": "gzip"},
        content_type="application/json",
    )

    assert _instance().get_state_instance() == "authorized"


@responses.activate
def test_answers_over_the_size_limit_are_refused() -> None:
    responses.get(f"{BASE}/partner/getInstances/{TOKEN}", body=b"{" + b" " * 5000 + b"}")
    config = ClientConfig(max_body_bytes=1000)

    with pytest.raises(BadResponse, match="larger than 1000 bytes"):
        _partner(config).get_instances()


@responses.activate
def test_an_instance_list_may_pass_the_body_limit_up_to_its_own_limit() -> None:
    listing = b"[" + b" " * 5000 + b"]"
    responses.get(f"{BASE}/partner/getInstances/{TOKEN}", body=listing)

    assert _partner(ClientConfig(max_body_bytes=1000)).get_instances() == []
    with pytest.raises(BadResponse, match="larger than 4000 bytes"):
        _partner(ClientConfig(max_listing_bytes=4000)).get_instances()
