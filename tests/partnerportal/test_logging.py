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
        logger = logger.parent if logger.propagate else None  # type: ignore[assignment]
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
