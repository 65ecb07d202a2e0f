"""SSRF: with private targets not allowed (production), events go only to public addresses
over https, checked after DNS resolution at registration and at every delivery, and the POST
connects to the address checked (events/targets.py)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from events import targets
from events.models import Endpoint
from events.services import endpoint_create
from events.targets import TargetRefused, url_check
from instances import lifecycle
from instances.models import Instance
from tests.events.receiver import Receiver
from tests.events.support import deliveries, endpoint, flip, run

PRIVATE_URLS = [
    "https://127.0.0.1/hooks",
    "https://127.9.9.9:8443/hooks",
    "https://10.1.2.3/hooks",
    "https://172.16.0.5/hooks",
    "https://192.168.1.10/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://0.0.0.0/hooks",
    "https://224.0.0.1/hooks",
    "https://240.0.0.1/hooks",
    "https://[::1]/hooks",
    "https://[fe80::1]/hooks",
    "https://[fc00::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://localhost/hooks",  # a name that resolves to loopback
]


@pytest.fixture
def production(settings: Any) -> Any:
    settings.DEBUG = False
    settings.EVENTS_ALLOW_PRIVATE_TARGETS = False
    return settings


@pytest.fixture
def dns(monkeypatch: Any) -> dict[str, str]:
    """Names the test resolves itself (the network is closed): name -> address."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return real(answers[host], port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(targets.socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_a_private_loopback_or_link_local_address_is_refused(url: str, admin: User) -> None:
    with pytest.raises(TargetRefused, match="public addresses"):
        endpoint_create(user=admin, url=url, kinds=[lifecycle.CREATED])
    assert not Endpoint.objects.exists()


@pytest.mark.usefixtures("production")
def test_a_public_name_that_resolves_inside_is_refused(dns: dict[str, str], admin: User) -> None:
    dns["crm.example.com"] = "10.0.0.7"
    with pytest.raises(TargetRefused, match="public addresses"):
        url_check("https://crm.example.com/hooks")
    dns["crm.example.com"] = "93.184.215.14"
    assert url_check("https://crm.example.com/hooks").address == "93.184.215.14"


@pytest.mark.usefixtures("production")
def test_plain_http_is_refused_in_production(dns: dict[str, str]) -> None:
    dns["crm.example.com"] = "93.184.215.14"
    with pytest.raises(TargetRefused, match="https"):
        url_check("http://crm.example.com/hooks")


def test_the_page_says_why_an_address_is_refused(
    production: Any, reseller_a_user: User, client: Client
) -> None:
    client.force_login(reseller_a_user)
    response = client.post(
        "/events/new/", {"url": "https://127.0.0.1/hooks", "kinds": [lifecycle.CREATED]}
    )
    assert response.status_code == 200
    assert "events are sent only to public addresses" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_every_delivery_checks_again(
    settings: Any,
    dns: dict[str, str],
    receiver: Receiver,
    reseller_a_user: User,
    instance_a: Instance,
) -> None:
    dns["crm.example.com"] = "93.184.215.14"
    endpoint(reseller_a_user, "https://crm.example.com/hooks", [lifecycle.STATE_CHANGED])
    settings.EVENTS_ALLOW_PRIVATE_TARGETS = False
    dns["crm.example.com"] = "127.0.0.1"  # the name now points at the portal's own machine

    flip(instance_a, "authorized")
    run()

    assert receiver.requests == []
    refused = deliveries()[0]
    assert (refused.status, refused.attempts) == ("pending", 1)
    assert "public addresses" in refused.last_error


def test_the_post_goes_to_the_address_checked_with_the_name_as_host(
    dns: dict[str, str], receiver: Receiver, reseller_a_user: User, instance_a: Instance
) -> None:
    port = receiver.server.server_address[1]
    dns["hooks.example.test"] = "127.0.0.1"
    endpoint(reseller_a_user, f"http://hooks.example.test:{port}/in", [lifecycle.STATE_CHANGED])

    resolved: list[str] = []
    checked = targets._resolve

    def resolve_once(host: str, port: int) -> str:
        address = checked(host, port)
        resolved.append(address)
        dns["hooks.example.test"] = "10.9.9.9"  # rebinding: the next answer points elsewhere
        return address

    targets._resolve = resolve_once  # type: ignore[assignment]
    try:
        flip(instance_a, "authorized")
        run()
    finally:
        targets._resolve = checked  # type: ignore[assignment]

    received = receiver.wait_for(1)
    assert resolved == ["127.0.0.1"]
    assert received[0].headers["host"] == f"hooks.example.test:{port}"
    assert received[0].path == "/in"
