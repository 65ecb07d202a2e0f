"""The client's Session reads the environment's proxy settings once per host, and obeys them."""

from typing import Any

import pytest
import requests.sessions

from greenapi import new_session

URL = "https://api.green-api.com/waInstance1101000001/qr/" + "ab" * 25
OTHER = "https://7103.api.green-api.com/waInstance1101000001/qr/" + "ab" * 25


@pytest.fixture
def environment_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = requests.sessions.get_environ_proxies

    def counted(url: str, no_proxy: Any = None) -> dict[str, str]:
        reads.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.sessions, "get_environ_proxies", counted)
    return reads


def test_the_proxy_from_the_environment_is_used(
    monkeypatch: pytest.MonkeyPatch, environment_reads: list[str]
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "7103.api.green-api.com")
    session = new_session()

    through = session.merge_environment_settings(URL, {}, True, None, None)
    bypassed = session.merge_environment_settings(OTHER, {}, True, None, None)

    assert through["proxies"]["https"] == "http://proxy.example:3128"
    assert "https" not in bypassed["proxies"]


def test_the_environment_is_read_once_per_host(
    monkeypatch: pytest.MonkeyPatch, environment_reads: list[str]
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = new_session()

    answers = [session.merge_environment_settings(URL, {}, True, None, None) for _ in range(3)]
    answers[0]["proxies"].clear()  # a caller's change stays in its own copy

    assert len(environment_reads) == 1
    assert session.merge_environment_settings(URL, {}, True, None, None)["proxies"] == {
        "https": "http://proxy.example:3128"
    }
