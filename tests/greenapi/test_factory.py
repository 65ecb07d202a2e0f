"""Clients built from settings: URLs, timeouts, sandbox routing and per-thread sessions."""

import threading
import time
from types import SimpleNamespace

import pytest
from pytest_django.fixtures import Settings

from greenapi import CreateInstanceParams
from instances.greenapi_factory import (
    action_deadline,
    client_config,
    instance_api_url_for,
    instance_client,
    media_url_for,
    partner_client,
)

WHATSAPP = SimpleNamespace(id_instance=7105187566, api_token="ab" * 25, type_instance="whatsapp")
MAX = SimpleNamespace(id_instance=3100000001, api_token="cd" * 25, type_instance="v3")


@pytest.fixture
def production_like(settings: Settings) -> Settings:
    settings.GREEN_API_SANDBOX = False
    settings.GREEN_API_PARTNER_URL = "https://api.green-api.com/"
    settings.GREEN_API_INSTANCE_URL = ""
    return settings


def test_config_comes_from_settings(settings: Settings) -> None:
    settings.GREEN_API_CONNECT_TIMEOUT = 1.5
    settings.GREEN_API_READ_TIMEOUT = 7.0
    settings.GREEN_API_DEADLINE = 9.0
    settings.GREEN_API_GET_RETRIES = 4

    config = client_config()

    assert (config.connect_timeout, config.read_timeout, config.deadline) == (1.5, 7.0, 9.0)
    assert config.get_retries == 4
    assert partner_client().config == config


def test_instance_hosts_are_derived_from_the_id_without_a_universal_url(
    production_like: Settings,
) -> None:
    assert partner_client().base_url == "https://api.green-api.com"
    assert instance_client(WHATSAPP).base_url == "https://7105.api.green-api.com"
    assert instance_api_url_for(WHATSAPP) == "https://7105.api.green-api.com"
    assert media_url_for(WHATSAPP) == "https://7105.media.green-api.com"
    assert instance_api_url_for(MAX) == "https://3100.api.green-api.com/v3"
    assert media_url_for(MAX) == "https://3100.media.green-api.com/v3"
    assert instance_client(MAX)._path == "https://3100.api.green-api.com/v3/waInstance3100000001"


def test_a_universal_instance_url_serves_every_instance(
    production_like: Settings,
) -> None:
    production_like.GREEN_API_INSTANCE_URL = "https://api.greenapi.com/"

    assert instance_client(WHATSAPP).base_url == "https://api.greenapi.com"
    assert media_url_for(WHATSAPP) == "https://media.greenapi.com"


def test_sandbox_mode_sends_instance_calls_to_the_emulator(
    greenapi_settings: Settings, sandbox_url: str
) -> None:
    created = partner_client().create_instance(CreateInstanceParams(name="Factory"))

    client = instance_client(created)

    assert client.base_url == sandbox_url
    assert instance_api_url_for(created) == sandbox_url
    assert client.get_state_instance() == "notAuthorized"


def test_one_session_per_thread() -> None:
    sessions = []

    def build() -> None:
        sessions.append(partner_client()._transport.session)
        sessions.append(instance_client(WHATSAPP)._transport.session)

    build()
    thread = threading.Thread(target=build)
    thread.start()
    thread.join()

    assert sessions[0] is sessions[1]
    assert sessions[2] is sessions[3]
    assert sessions[0] is not sessions[2]


def test_factory_clients_do_not_show_tokens(settings: Settings) -> None:
    assert settings.GREEN_API_PARTNER_TOKEN not in repr(partner_client())
    assert WHATSAPP.api_token not in repr(instance_client(WHATSAPP))


def test_calls_inside_an_action_share_its_deadline(settings: Settings) -> None:
    settings.GREEN_API_ACTION_DEADLINE = 20.0
    assert client_config().ends_at is None

    before = time.monotonic()
    with action_deadline():
        client = partner_client()
        ends_at = client_config().ends_at
    after = time.monotonic()

    assert ends_at is not None
    assert before + 20 <= ends_at <= after + 20
    # A client keeps the end it was built with: later calls get only what is left of it.
    assert client.config.ends_at == ends_at
    assert client_config().ends_at is None


def test_an_inner_action_never_extends_the_outer_one(settings: Settings) -> None:
    with action_deadline(seconds=1):
        outer = client_config().ends_at
        with action_deadline(seconds=60):
            assert client_config().ends_at == outer
        with action_deadline(seconds=0.5):
            inner = client_config().ends_at
    assert outer is not None
    assert inner is not None
    assert inner < outer
