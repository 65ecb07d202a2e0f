"""No partner or instance token in any log record, error, or repr, with everything at DEBUG."""

import logging
from collections.abc import Callable, Iterator

import pytest

from greenapi import (
    ClientConfig,
    CreatedInstance,
    CreateInstanceParams,
    GreenAPIError,
    InstanceClient,
    PartnerClient,
)
from greenapi.redaction import RedactTokensFilter
from tests.support.sandbox import SandboxControl


@pytest.fixture
def without_handler_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the redaction filter that settings.LOGGING puts on the console handler.

    A handler filter rewrites the shared record before caplog's handler sees it, which would
    hide a leak. Without it, only the client's own protection (filters on the urllib3 loggers,
    installed when the transport is imported) stands between a token and the log.
    """
    for handler in logging.getLogger().handlers:
        kept = [f for f in handler.filters if not isinstance(f, RedactTokensFilter)]
        monkeypatch.setattr(handler, "filters", kept)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]


def _texts_of(error: BaseException) -> list[str]:
    texts = []
    for link in _chain(error):
        texts += [str(link), repr(link), repr(link.args)]
    return texts


def test_no_token_escapes_into_logs_errors_or_reprs(
    caplog: pytest.LogCaptureFixture,
    sandbox_url: str,
    partner_token: str,
    partner: PartnerClient,
    client_for: Callable[..., InstanceClient],
    sandbox: SandboxControl,
    without_handler_redaction: None,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "urllib3.connectionpool", "requests", "instances"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    texts: list[str] = []

    def attempt(call: Callable[[], object]) -> object:
        try:
            result = call()
        except GreenAPIError as error:
            texts.extend(_texts_of(error))
            return error
        texts.append(repr(result))
        return result

    created = partner.create_instance(CreateInstanceParams(name="Secret", webhook_url_token="w"))
    texts.append(repr(created))
    client = client_for(created)
    texts += [repr(partner), repr(client)]
    tokens = [partner_token, created.api_token]

    # The happy path, every method.
    attempt(partner.get_instances)
    attempt(client.get_state_instance)
    attempt(client.qr)
    attempt(lambda: client.get_authorization_code(79001234567))
    attempt(client.get_settings)
    attempt(client.get_wa_settings)
    attempt(lambda: client.set_settings({"webhookUrlToken": "hook-secret"}))
    attempt(client.reboot)
    attempt(client.logout)

    # Errors of every kind.
    for kind in ("http500", "http502", "http429", "malformed", "error200", "text"):
        sandbox.add_fault("getSettings", kind, times=3)
        attempt(client.get_settings)
        sandbox.clear_faults()
    sandbox.add_fault("getWaSettings", "hang", seconds=0.6, times=1)
    impatient = ClientConfig(read_timeout=0.3, deadline=0.5, get_retries=0)
    attempt(client_for(created, impatient).get_wa_settings)
    sandbox.add_fault("createInstance", "http502", times=1)
    attempt(lambda: partner.create_instance(CreateInstanceParams(name="x")))
    wrong = CreatedInstance(
        id_instance=created.id_instance, api_token="f" * 50, type_instance="whatsapp"
    )
    attempt(client_for(wrong).get_settings)
    tokens.append(wrong.api_token)
    bad_partner = PartnerClient(sandbox_url, "gac." + "9" * 32, ClientConfig(get_retries=0))
    tokens.append("gac." + "9" * 32)
    attempt(bad_partner.get_instances)
    attempt(lambda: partner.delete_instance_account(created.id_instance))
    attempt(lambda: partner.delete_instance_account(created.id_instance))  # NotFound
    attempt(client.get_state_instance)  # InstanceDeleted

    messages = [record.getMessage() for record in caplog.records]
    messages += [record.exc_text or "" for record in caplog.records]
    # The test is only meaningful if urllib3 did log request lines at DEBUG.
    assert any("/partner/getInstances/[redacted]" in m for m in messages)
    assert any("/getSettings/[redacted]" in m for m in messages)
    assert sum(isinstance(t, str) for t in texts) > 20
    for token in tokens:
        leaks = [text for text in messages + texts if token in text]
        assert leaks == [], f"a token leaked: {leaks[:3]}"
    assert "hook-secret" not in "".join(texts)
