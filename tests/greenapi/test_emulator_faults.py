"""Every emulator fault kind maps to the right client error; GETs retry, POSTs never do."""

import time
from collections.abc import Callable

import pytest

from greenapi import (
    BadResponse,
    ClientConfig,
    CreatedInstance,
    CreateInstanceParams,
    GreenAPIError,
    InstanceClient,
    InstanceExpired,
    InstanceNotReady,
    NotFound,
    PartnerClient,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamTimeout,
)
from tests.support.sandbox import SandboxControl


def _count(sandbox: SandboxControl, method: str, id_instance: int | None = None) -> int:
    return sandbox.calls(id_instance).get(method, 0)


def test_one_http500_on_get_instances_is_retried_and_succeeds(
    partner: PartnerClient, sandbox: SandboxControl
) -> None:
    sandbox.reset_calls()
    sandbox.add_fault("getInstances", "http500", times=1)

    assert partner.get_instances() == []
    assert _count(sandbox, "getInstances") == 2


@pytest.mark.parametrize("kind", ["http500", "http502"])
def test_persistent_5xx_on_a_get_is_unavailable_after_every_retry(
    partner: PartnerClient, sandbox: SandboxControl, config: ClientConfig, kind: str
) -> None:
    sandbox.reset_calls()
    sandbox.add_fault("getInstances", kind)

    with pytest.raises(Unavailable) as caught:
        partner.get_instances()

    assert caught.value.status == int(kind[-3:])
    assert caught.value.retryable is True
    assert _count(sandbox, "getInstances") == 1 + config.get_retries
    assert "<" not in caught.value.message  # no HTML from the 502 page


def test_http429_on_a_get_is_rate_limited_after_retries_that_honour_retry_after(
    sandbox_url: str, partner_token: str, created: CreatedInstance, sandbox: SandboxControl
) -> None:
    config = ClientConfig(read_timeout=2, deadline=5, get_retries=1, backoff=0.05)
    client = InstanceClient(sandbox_url, created.id_instance, created.api_token, config=config)
    sandbox.reset_calls()
    sandbox.add_fault("qr", "http429")

    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        client.qr()

    assert caught.value.retry_after == 1.0
    assert _count(sandbox, "qr", created.id_instance) == 2
    assert time.monotonic() - started >= 1.0  # waited for Retry-After, not the 0.05 s backoff


def test_http429_on_a_post_is_rate_limited_at_once(
    client: InstanceClient, created: CreatedInstance, sandbox: SandboxControl
) -> None:
    sandbox.reset_calls()
    sandbox.add_fault("setSettings", "http429")

    with pytest.raises(RateLimited):
        client.set_settings({"stateWebhook": "yes"})

    assert _count(sandbox, "setSettings", created.id_instance) == 1


def test_hang_on_a_get_times_out_and_is_retried_within_the_deadline(
    sandbox_url: str,
    created: CreatedInstance,
    sandbox: SandboxControl,
) -> None:
    config = ClientConfig(read_timeout=0.5, deadline=1.5, get_retries=1, backoff=0.05)
    client = InstanceClient(sandbox_url, created.id_instance, created.api_token, config=config)
    sandbox.reset_calls()
    sandbox.add_fault("getSettings", "hang", seconds=1.0)

    started = time.monotonic()
    with pytest.raises(UpstreamTimeout) as caught:
        client.get_settings()

    assert time.monotonic() - started < config.deadline + 1
    assert caught.value.retryable is True
    assert _count(sandbox, "getSettings", created.id_instance) == 2


def test_dripping_body_times_out_at_the_deadline(
    sandbox_url: str,
    partner_token: str,
    created: CreatedInstance,
    sandbox: SandboxControl,
) -> None:
    # Each piece arrives well within read_timeout, so only the overall deadline can stop it.
    config = ClientConfig(read_timeout=1.0, deadline=1.5, get_retries=2, backoff=0.05)
    partner = PartnerClient(sandbox_url, partner_token, config)
    sandbox.add_fault("getInstances", "drip", seconds=2.2)

    started = time.monotonic()
    with pytest.raises(UpstreamTimeout) as caught:
        partner.get_instances()
    elapsed = time.monotonic() - started

    assert elapsed < config.deadline + 1
    assert elapsed >= config.deadline - 0.1
    assert "1.5 s" in caught.value.message


def test_a_drip_shorter_than_the_deadline_is_read_in_full(
    client: InstanceClient, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("getSettings", "drip", seconds=1)

    assert client.get_settings().delay_send_messages_milliseconds is not None


def test_malformed_json_is_a_bad_response_and_not_retried(
    partner: PartnerClient, sandbox: SandboxControl
) -> None:
    sandbox.reset_calls()
    sandbox.add_fault("getInstances", "malformed")

    with pytest.raises(BadResponse) as caught:
        partner.get_instances()

    assert "truncated" in caught.value.message
    assert _count(sandbox, "getInstances") == 1


def test_error200_code_500_is_unavailable(partner: PartnerClient, sandbox: SandboxControl) -> None:
    sandbox.add_fault("getInstances", "error200")

    with pytest.raises(Unavailable) as caught:
        partner.get_instances()

    assert caught.value.status == 500


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"code": 401, "description": "Unauthorized"}, Unauthorized),
        ({"code": 404, "description": "Not found"}, NotFound),
    ],
)
def test_error200_with_an_overridden_code_maps_to_that_error(
    partner: PartnerClient,
    sandbox: SandboxControl,
    body: dict[str, object],
    expected: type[GreenAPIError],
) -> None:
    sandbox.add_fault("getInstances", "error200", body=body)

    with pytest.raises(expected):
        partner.get_instances()


def test_error200_on_qr_is_a_qr_error_result(
    client: InstanceClient, sandbox: SandboxControl
) -> None:
    sandbox.add_fault("qr", "error200")

    result = client.qr()

    assert result.is_error
    assert result.message == "Instance has auth. You need to make log out"


def test_expired_text_is_instance_expired(client: InstanceClient, sandbox: SandboxControl) -> None:
    sandbox.add_fault("getStateInstance", "text")

    with pytest.raises(InstanceExpired) as caught:
        client.get_state_instance()

    assert caught.value.retryable is False


def test_400_starting_text_is_instance_not_ready(
    client: InstanceClient, sandbox: SandboxControl
) -> None:
    sandbox.add_fault(
        "getWaSettings", "text", status=400, body="instance in starting process try later"
    )

    with pytest.raises(InstanceNotReady):
        client.get_wa_settings()


def test_create_that_hangs_after_doing_the_work_is_sent_once_and_the_instance_exists(
    sandbox_url: str,
    partner_token: str,
    partner: PartnerClient,
    sandbox: SandboxControl,
) -> None:
    impatient = PartnerClient(
        sandbox_url, partner_token, ClientConfig(read_timeout=0.5, deadline=1.0, get_retries=3)
    )
    sandbox.reset_calls()
    sandbox.add_fault("createInstance", "hang", after=True, seconds=1.5, times=1)

    with pytest.raises(UpstreamTimeout) as caught:
        impatient.create_instance(CreateInstanceParams(name="Paid once"))

    assert caught.value.outcome_unknown is True
    assert "check the result" in caught.value.message
    assert _count(sandbox, "createInstance") == 1
    assert [i.name for i in partner.get_instances()] == ["Paid once"]


def test_create_whose_answer_is_cut_short_says_the_outcome_is_unknown(
    partner: PartnerClient, sandbox: SandboxControl
) -> None:
    sandbox.reset_calls()
    sandbox.add_fault("createInstance", "malformed", after=True, times=1)

    with pytest.raises(BadResponse) as caught:
        partner.create_instance(CreateInstanceParams(name="Maybe"))

    assert caught.value.outcome_unknown is True
    assert _count(sandbox, "createInstance") == 1
    assert [i.name for i in partner.get_instances()] == ["Maybe"]


def _post_calls(
    partner: PartnerClient, client: InstanceClient, created: CreatedInstance
) -> dict[str, Callable[[], object]]:
    return {
        "createInstance": lambda: partner.create_instance(CreateInstanceParams(name="x")),
        "deleteInstanceAccount": lambda: partner.delete_instance_account(created.id_instance),
        "setSettings": lambda: client.set_settings({"stateWebhook": "yes"}),
        "getAuthorizationCode": lambda: client.get_authorization_code(79001234567),
    }


@pytest.mark.parametrize(
    "method", ["createInstance", "deleteInstanceAccount", "setSettings", "getAuthorizationCode"]
)
@pytest.mark.parametrize("kind", ["http500", "http502"])
def test_posts_are_sent_exactly_once_on_server_errors(
    partner: PartnerClient,
    client: InstanceClient,
    created: CreatedInstance,
    sandbox: SandboxControl,
    method: str,
    kind: str,
) -> None:
    sandbox.reset_calls()
    sandbox.add_fault(method, kind)

    with pytest.raises(Unavailable) as caught:
        _post_calls(partner, client, created)[method]()

    assert caught.value.outcome_unknown is True
    assert caught.value.method == method
    assert _count(sandbox, method) == 1
