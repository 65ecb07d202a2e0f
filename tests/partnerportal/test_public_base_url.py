"""PUBLIC_BASE_URL receives each instance's webhook token: a wrong one stops start-up."""

import pytest

from tests.partnerportal.test_settings import start_django


@pytest.mark.parametrize(
    "value", ["", "https://portal.example.com", "https://portal.example.com/partners/"]
)
def test_an_https_address_or_none_starts(value: str) -> None:
    result = start_django(PUBLIC_BASE_URL=value)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("portal.example.com", "must be an address such as https://portal.example.com"),
        ("ftp://portal.example.com", "must be an address such as"),
        ("https://portal.example.com/?a=1", "cannot have a query or a fragment"),
        ("https://portal.example.com/#top", "cannot have a query or a fragment"),
        ("http://portal.example.com", "must start with https:// when DJANGO_DEBUG is off"),
    ],
)
def test_a_wrong_address_stops_start_up_naming_the_variable(value: str, says: str) -> None:
    result = start_django(PUBLIC_BASE_URL=value)

    assert result.returncode != 0
    assert f"PUBLIC_BASE_URL {says}" in result.stderr


def test_plain_http_is_fine_in_debug_mode() -> None:
    result = start_django(DJANGO_DEBUG="true", PUBLIC_BASE_URL="http://127.0.0.1:8000")

    assert result.returncode == 0, result.stderr
