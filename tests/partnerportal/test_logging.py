"""Every handler a token-bearing log record can reach rewrites tokens first."""

import logging

import pytest

from core.redaction import RedactSecretsFilter

# Loggers that print request paths or URLs (customer links and Green API URLs hold tokens).
URL_LOGGERS = [
    "django",
    "django.request",
    "django.server",
    "django.security.csrf",
    "urllib3.connectionpool",
    "instances.services.sync",
]


def reachable_handlers(name: str) -> list[logging.Handler]:
    handlers: list[logging.Handler] = []
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    # pytest's own capture handlers are not part of the configuration under test.
    return [
        h
        for h in handlers
        if not isinstance(h, logging.NullHandler) and not type(h).__module__.startswith("_pytest")
    ]


@pytest.mark.parametrize("name", URL_LOGGERS)
def test_every_handler_redacts(name: str) -> None:
    handlers = reachable_handlers(name)
    assert handlers, f"{name} reaches no handler"
    for handler in handlers:
        assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters), (name, handler)


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (
            '"GET /password-reset/MQ/cz9x1b-8f2e4d1c0a9b7e6f5d4c3b2a1f0e9d8c/ HTTP/1.1" 200',
            "cz9x1b",
        ),
        ('"GET /l/Zq3xkP0s9vB7nW2mYt5rLc8hJd4fAg6uEo1iKy0QwX/status HTTP/1.1" 200', "Zq3xkP0"),
        ("GET /waInstance1101000001/qr/0123456789abcdef0123456789abcdef0123456789abcdef01", "0123"),
    ],
)
def test_access_log_lines_lose_every_kind_of_token(line: str, secret: str) -> None:
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, "%s", (line,), None)

    RedactSecretsFilter().filter(record)

    assert secret not in record.getMessage()
    assert "[redacted]" in record.getMessage()
