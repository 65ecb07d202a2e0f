"""Green API clients built from Django settings, read at call time (tests can override them).

Sessions: one `requests.Session` per thread, shared by every client that thread builds, so
calls to the same host reuse pooled connections. A Session is not documented as thread-safe
(its cookie jar and adapters are shared mutable state), so threads never share one; a
thread-local is the simplest way to get reuse without locks.

Action deadline: a page may make several calls (a delete makes up to four), each with its own
GREEN_API_DEADLINE, which together could outlast gunicorn's worker timeout. Inside
`action_deadline()` (every request is inside one: instances/middleware.py) the clients built get
one shared end time, GREEN_API_ACTION_DEADLINE from its start, that no call runs past.

Metrics: every client built here reports each HTTP attempt to prometheus-client counters
(monitoring/metrics.py), which /metrics and the worker's metrics port serve.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

import requests
from django.conf import settings

from greenapi import (
    ClientConfig,
    GreenAPIError,
    InstanceClient,
    PartnerClient,
    instance_api_url,
    instance_media_url,
    new_session,
)
from monitoring.metrics import greenapi_call_observed

_local = threading.local()
# The time.monotonic() end of the current action's calls, or None outside an action.
_action_ends_at: ContextVar[float | None] = ContextVar("green_api_action_ends_at", default=None)


class InstanceLike(Protocol):
    """An Instance row, a CreatedInstance, a PartnerInstance: anything with these three."""

    @property
    def id_instance(self) -> int: ...

    @property
    def api_token(self) -> str: ...

    @property
    def type_instance(self) -> str: ...


def _session() -> requests.Session:
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = _local.session = new_session()
    return session


def close_session() -> None:
    """Close this thread's pooled connections (tests do so before their server stops)."""
    session = getattr(_local, "session", None)
    if session is not None:
        session.close()
        del _local.session


@contextmanager
def action_deadline(seconds: float | None = None, *, own: bool = False) -> Iterator[None]:
    """Give every Green API call inside one overall deadline (GREEN_API_ACTION_DEADLINE).

    Nested, it ends no later than the outer one, unless `own`: a worker's job item is an action
    of its own even where the job runs inside the request that started it (tests).
    """
    limit = settings.GREEN_API_ACTION_DEADLINE if seconds is None else seconds
    ends_at = time.monotonic() + limit
    outer = _action_ends_at.get()
    if outer is not None and not own:
        ends_at = min(ends_at, outer)  # a nested action cannot extend the one it is part of
    token = _action_ends_at.set(ends_at)
    try:
        yield
    finally:
        _action_ends_at.reset(token)


def client_config() -> ClientConfig:
    """The timeouts, deadline and retries from GREEN_API_* settings, and the action's end."""
    return ClientConfig(
        connect_timeout=settings.GREEN_API_CONNECT_TIMEOUT,
        read_timeout=settings.GREEN_API_READ_TIMEOUT,
        deadline=settings.GREEN_API_DEADLINE,
        get_retries=settings.GREEN_API_GET_RETRIES,
        backoff=getattr(settings, "GREEN_API_BACKOFF", 0.5),
        user_agent=getattr(settings, "GREEN_API_USER_AGENT", "PartnerPortal/0.1"),
        max_listing_bytes=settings.GREEN_API_LISTING_MAX_BYTES,
        ends_at=_action_ends_at.get(),
    )


def partner_client(*, deadline: float | None = None) -> PartnerClient:
    """A client for the partner API at GREEN_API_PARTNER_URL; `deadline` overrides
    GREEN_API_DEADLINE (a whole getInstances answer may need longer)."""
    config = client_config()
    if deadline is not None:
        config = dataclasses.replace(config, deadline=deadline)
    return PartnerClient(
        base_url=settings.GREEN_API_PARTNER_URL,
        partner_token=settings.GREEN_API_PARTNER_TOKEN,
        config=config,
        session=_session(),
        observer=greenapi_call_observed,
    )


def listing_client() -> PartnerClient:
    """The partner client for reading a whole getInstances answer in the worker: the answer
    grows with the account, so it gets GREEN_API_LISTING_DEADLINE."""
    return partner_client(deadline=settings.GREEN_API_LISTING_DEADLINE)


def _base_url(id_instance: int) -> str:
    # The emulator serves the instance API beside the partner API.
    if settings.GREEN_API_SANDBOX:
        return str(settings.GREEN_API_PARTNER_URL).rstrip("/")
    return instance_api_url(id_instance, settings.GREEN_API_INSTANCE_URL)


class TokenMissing(GreenAPIError):
    """The mirror holds no API token for this instance, so Green API cannot be asked."""


def instance_client(instance: InstanceLike, *, get_retries: int | None = None) -> InstanceClient:
    """A client for one instance (anything with id_instance, api_token and type_instance).

    `get_retries` overrides GREEN_API_GET_RETRIES (the worker asks again next round instead).
    Raises TokenMissing (a GreenAPIError, so every service already reports it) when the mirror
    has no token: Green API may stop listing tokens in getInstances (issue #815).
    """
    if not instance.api_token:
        raise TokenMissing(
            "The portal has no API token for this instance, so it cannot ask Green API about "
            "it. Partner staff can check the instance in the Green API console.",
            method="",
        )
    return InstanceClient(
        base_url=_base_url(instance.id_instance),
        id_instance=instance.id_instance,
        api_token=instance.api_token,
        type_instance=instance.type_instance,
        config=(
            client_config()
            if get_retries is None
            else dataclasses.replace(client_config(), get_retries=get_retries)
        ),
        session=_session(),
        observer=greenapi_call_observed,
    )


def _with_max_suffix(url: str, type_instance: str) -> str:
    # The console shows MAX URLs with /v3 (https://3100.api.green-api.com/v3).
    return f"{url}/v3" if type_instance == "v3" else url


def instance_api_url_for(instance: InstanceLike) -> str:
    """The instance's apiUrl as the Green API console would show it, for display."""
    return _with_max_suffix(_base_url(instance.id_instance), instance.type_instance)


def media_url_for(instance: InstanceLike) -> str:
    """The instance's mediaUrl as the Green API console would show it, for display."""
    if settings.GREEN_API_SANDBOX:
        url = str(settings.GREEN_API_PARTNER_URL).rstrip("/")
    else:
        url = instance_media_url(instance.id_instance, settings.GREEN_API_INSTANCE_URL)
    return _with_max_suffix(url, instance.type_instance)
