"""The system check reports wrong Green API settings with stable ids."""

from typing import Any

import pytest
from django.core.checks import run_checks

from instances.checks import check_green_api_over_https, check_green_api_settings


def ids(settings: Any) -> set[str]:
    return {problem.id for problem in check_green_api_settings()}


def test_sandbox_settings_pass(settings: Any) -> None:
    settings.GREEN_API_PARTNER_URL = "http://127.0.0.1:8000/sandbox"
    assert ids(settings) == set()


@pytest.mark.parametrize("url", ["", "api.green-api.com", "ftp://api.green-api.com", "https://"])
def test_partner_url_must_be_http(settings: Any, url: str) -> None:
    settings.GREEN_API_PARTNER_URL = url
    assert "greenapi.E001" in ids(settings)


@pytest.mark.parametrize("token", ["", "gac.abc def", "gac.abc/def", "gac.a?b", "gac.a+b", "gac.é"])
def test_partner_token_must_fit_in_a_url_path(settings: Any, token: str) -> None:
    settings.GREEN_API_PARTNER_TOKEN = token
    assert "greenapi.E002" in ids(settings)


def test_instance_url_must_be_empty_or_http(settings: Any) -> None:
    settings.GREEN_API_INSTANCE_URL = "7105.api.greenapi.com"
    assert "greenapi.E003" in ids(settings)


def test_timeouts_must_be_positive_and_deadline_cover_connect(settings: Any) -> None:
    settings.GREEN_API_READ_TIMEOUT = 0
    settings.GREEN_API_DEADLINE = 1
    settings.GREEN_API_CONNECT_TIMEOUT = 3
    assert {"greenapi.E004", "greenapi.E005"} <= ids(settings)


def test_sandbox_mode_warns_when_client_points_elsewhere(settings: Any) -> None:
    settings.GREEN_API_SANDBOX = True
    settings.GREEN_API_PARTNER_URL = "https://api.green-api.com"
    assert "greenapi.W001" in ids(settings)


def test_emulator_url_without_sandbox_mode_warns(settings: Any) -> None:
    settings.GREEN_API_SANDBOX = False
    settings.GREEN_API_PARTNER_URL = "http://127.0.0.1:8000/sandbox"
    assert "greenapi.W002" in ids(settings)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
def test_timeouts_must_be_finite_and_positive(settings: Any, value: float) -> None:
    settings.GREEN_API_READ_TIMEOUT = value
    assert "greenapi.E004" in ids(settings)


@pytest.mark.parametrize("value", [0.0, -5.0, float("nan")])
def test_action_deadline_must_be_positive(settings: Any, value: float) -> None:
    settings.GREEN_API_ACTION_DEADLINE = value
    assert "greenapi.E004" in ids(settings)


@pytest.mark.parametrize("keys", [["not-a-key"], ["", "x" * 44]])
def test_encryption_keys_must_be_fernet_keys(settings: Any, keys: list[str]) -> None:
    settings.FIELD_ENCRYPTION_KEYS = keys
    assert "greenapi.E007" in ids(settings)


@pytest.mark.parametrize("name", ["GREEN_API_PARTNER_URL", "GREEN_API_INSTANCE_URL"])
def test_deploy_check_refuses_plain_http_green_api_urls(settings: Any, name: str) -> None:
    settings.DEBUG = False
    settings.GREEN_API_PARTNER_URL = "https://api.green-api.com"
    settings.GREEN_API_INSTANCE_URL = ""
    assert check_green_api_over_https() == []

    setattr(settings, name, "http://api.green-api.com")

    assert [problem.id for problem in check_green_api_over_https()] == ["greenapi.E008"]


def test_http_green_api_url_is_fine_in_development(settings: Any) -> None:
    settings.DEBUG = True
    settings.GREEN_API_PARTNER_URL = "http://127.0.0.1:8000/sandbox"
    assert check_green_api_over_https() == []


def test_manage_py_check_deploy_fails_on_http(settings: Any) -> None:
    settings.DEBUG = False
    settings.GREEN_API_PARTNER_URL = "http://api.green-api.com"
    errors = [
        message.id
        for message in run_checks(include_deployment_checks=True, tags=["greenapi"])
        if message.is_serious()
    ]
    assert "greenapi.E008" in errors
