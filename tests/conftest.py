import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.backends.postgresql.operations import DatabaseOperations as PostgreSQLOperations
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from instances import greenapi_factory
from sandbox import busy
from tests.support.personas import (  # noqa: F401  (fixtures: the fixed personas)
    admin,
    anonymous,
    instance_a,
    instance_b,
    instance_unassigned,
    reseller_a,
    reseller_a_user,
    reseller_b,
    reseller_b_user,
    support,
    world,
)
from tests.support.sandbox import SandboxControl

# Hypothesis times each example on the wall clock (200 ms by default). With the suite in parallel
# on a shared machine, a slow example is the machine's load, not a failure of the code under test.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

_real_connect = socket.socket.connect


def _loopback_only_connect(sock: socket.socket, address: Any, *args: Any, **kwargs: Any) -> None:
    # The suite must never reach the internet: Green API is the emulator on loopback.
    host = address[0] if isinstance(address, tuple) else address
    if (
        isinstance(host, str)
        and host not in {"127.0.0.1", "::1", "localhost"}
        and not host.startswith("/")
    ):
        raise RuntimeError(f"Network access to {host!r} is blocked in tests")
    return _real_connect(sock, address, *args, **kwargs)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Long tests first: with the suite in parallel (make test), a minute-long test collected
    # last would keep one worker busy after the others have finished.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True, scope="session")
def _block_network() -> None:
    socket.socket.connect = _loopback_only_connect  # type: ignore[method-assign, assignment]  # blocks the network for the run


def _delete_flush(
    ops: Any, style: Any, tables: list[str], *, reset_sequences: bool = False, **kwargs: Any
) -> list[str]:
    """Empty the tables after a transactional test with DELETE, not PostgreSQL's TRUNCATE.

    TRUNCATE gives each of the ~80 tables a new file: 0.35 s after every live-server test,
    most of the suite's time on PostgreSQL. DELETE of the few rows a test wrote takes
    milliseconds. Foreign keys are checked at commit (Django makes them DEFERRABLE INITIALLY
    DEFERRED), so the order does not matter for them; sorted, a table that a trigger of an
    earlier one writes to (instances_instancecount) is emptied after it.
    """
    if reset_sequences or not tables:
        return _truncate_flush(ops, style, tables, reset_sequences=reset_sequences, **kwargs)
    emptied = sorted(set(tables) - _REFERENCE_TABLES)
    return [";".join(f"DELETE FROM {ops.quote_name(table)}" for table in emptied)]  # noqa: S608


# Rows that Django's post_migrate handlers write back, the same, after every flush: kept, those
# handlers find them all and write nothing (80 ms a test on PostgreSQL when they write).
_REFERENCE_TABLES = {"django_content_type", "auth_permission"}


_truncate_flush = PostgreSQLOperations.sql_flush


@pytest.fixture(autouse=True, scope="session")
def _quick_flush() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PostgreSQLOperations, "sql_flush", _delete_flush)
        yield


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Shared Green API answers and rate-limit counters must not leak from one test to the next.
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # A request in Russian leaves Russian active in the thread (LocaleMiddleware activates the
    # language and nothing deactivates it): a later test would read lazy texts in Russian.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def sandbox_url(live_server: Any) -> str:
    """The emulator's base URL, served over real HTTP by pytest-django's live server."""
    return f"{live_server.url}/sandbox"


@pytest.fixture
def partner_token() -> str:
    return settings.GREEN_API_PARTNER_TOKEN


@pytest.fixture
def sandbox(sandbox_url: str, partner_token: str) -> Iterator[SandboxControl]:
    control = SandboxControl(sandbox_url, partner_token)
    yield control
    control.clear_faults()
    # Hung and dripping emulator requests outlive the client that gave up on them; let them
    # finish while this test's database still exists.
    assert busy.wait_idle(timeout=30), "an emulator request is still hanging after 30 s"


@pytest.fixture
def greenapi_settings(settings: Any, sandbox_url: str) -> Iterator[Any]:
    """Point the portal's Green API client at the live emulator."""
    settings.GREEN_API_PARTNER_URL = sandbox_url
    yield settings
    # A pooled keep-alive connection would hold a live-server thread open past the test.
    greenapi_factory.close_session()
