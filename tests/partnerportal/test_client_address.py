"""Behind a proxy, lockouts and the audit trail see the client's address, not the proxy's."""

from typing import Any

import pytest
from axes.helpers import get_client_ip_address
from django.http import HttpRequest
from django.test import RequestFactory


@pytest.fixture
def forwarded_request() -> HttpRequest:
    return RequestFactory().get(
        "/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1"
    )


def test_without_a_proxy_the_socket_address_counts(
    settings: Any, forwarded_request: HttpRequest
) -> None:
    assert get_client_ip_address(forwarded_request) == "10.0.0.2"


def test_with_trusted_proxies_the_forwarded_client_counts(
    settings: Any, forwarded_request: HttpRequest
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    assert get_client_ip_address(forwarded_request) == "203.0.113.7"
