"""HTTP for the Green API client: timeouts, one overall deadline, GET-only retries, error mapping.

Why our own retry loop instead of urllib3's `Retry`: a retry must fit in the call's overall
deadline (including a 429's Retry-After), and POSTs must never be re-sent, because a re-sent
createInstance can create (and bill) a second instance. The adapters therefore get
`max_retries=0` and this module decides, per call, whether another attempt is allowed.

Why `stream=True` and small reads: `timeout=(connect, read)` bounds each socket wait, not the
whole answer, so a body that trickles in a few bytes at a time would never time out. Reading in
small pieces lets every piece check the deadline, and the socket's own timeout is shrunk to the
time that is left before each read.

Token safety: `requests` exceptions embed the full URL, and with it the token. They are caught,
reduced to a kind ("refused", "read_timeout", ...), and our own error is raised after the
`except` block has ended, so it has no `__context__` and no `__cause__`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from greenapi import redaction
from greenapi.config import ClientConfig
from greenapi.errors import (
    BadResponse,
    GreenAPIError,
    RateLimited,
    Unavailable,
    UpstreamTimeout,
)
from greenapi.observe import OK, CallEvent, Observer
from greenapi.replies import Reply, interpret
from greenapi.spool import SpooledBody

if TYPE_CHECKING:
    from requests.sessions import _Settings  # the stubs' name for what the method returns

# urllib3 logs "GET /waInstance.../<token>" at DEBUG: filter those loggers before any request.
redaction.install()

logger = logging.getLogger(__name__)

_READ_CHUNK = 64 * 1024
_CHECK_FIRST = (
    "The request may have been carried out anyway: check the result before sending it again."
)


class _Session(requests.Session):
    """A Session that reads the environment's proxy and CA settings once per host.

    requests reads them again on every call (every variable of os.environ, for the proxies):
    about a tenth of the CPU of an onboarding poll. They are set when the process starts, and
    a Session lives as long as its thread.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, Any, Any, Any], _Settings] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> _Settings:
        parts = urlsplit(url)
        key = (f"{parts.scheme}://{parts.netloc}", stream, verify, cert)
        found: _Settings | None = None
        keep = not proxies
        if keep:
            try:
                found = self._environment.get(key)
            except TypeError:  # an unhashable setting (never with our calls): not kept
                keep = False
        if found is None:
            found = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if keep:
                self._environment[key] = found
        return {**found, "proxies": dict(found["proxies"])}  # the caller may change its copy


def new_session() -> requests.Session:
    """A Session whose adapters never retry by themselves (see the module docstring)."""
    session = _Session()
    adapter = HTTPAdapter(max_retries=0, pool_connections=8, pool_maxsize=16)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Transport:
    """Sends one Green API call with the policy of a `ClientConfig`.

    A Transport is as thread-safe as its `requests.Session`: share one per thread, not across
    threads. `observer`, when given, receives a `CallEvent` for every HTTP attempt
    (greenapi/observe.py); it must be thread-safe if several Transports share it.
    """

    def __init__(
        self,
        config: ClientConfig,
        session: requests.Session | None = None,
        *,
        observer: Observer | None = None,
    ) -> None:
        self.config = config
        self.session = session if session is not None else new_session()
        self.observer = observer

    def __repr__(self) -> str:
        return f"Transport(config={self.config!r})"

    def call(
        self,
        verb: str,
        url: str,
        *,
        method: str,
        target: str,
        payload: Any = None,
        retry: bool = True,
        spool: bool = False,
    ) -> Any:
        """Make the call and return the decoded JSON value, or raise a GreenAPIError.

        `spool=True` (getInstances): a successful answer that is a JSON array is written to a
        temporary file up to `config.max_listing_bytes` and returned undecoded as a
        `SpooledBody`, which the caller reads and closes; any other answer is decoded as usual.

        `url` holds a token: it is passed to requests and nowhere else (no log, no error).
        `target` names what is called for logs ("partner", "instance 1101000001").
        `retry=False` sends a GET once: Green API's reboot and logout are GETs that act.
        """
        config = self.config
        started = time.monotonic()
        deadline = started + config.deadline
        if config.ends_at is not None and config.ends_at < deadline:
            if config.ends_at <= started:
                raise UpstreamTimeout(
                    f"Green API was not called for {method}: no time was left of the overall "
                    "deadline. Try again in a minute.",
                    method=method,
                )
            deadline = config.ends_at
            # Errors then name the time this call really had.
            config = dataclasses.replace(config, deadline=deadline - started)
        attempts = 1 + (config.get_retries if verb == "GET" and retry else 0)
        for attempt in range(attempts):
            logger.debug(
                "Green API %s %s (%s), attempt %s of %s",
                verb,
                method,
                target,
                attempt + 1,
                attempts,
            )
            attempt_started = time.monotonic()
            outcome = self._attempt(
                verb,
                url,
                method=method,
                payload=payload,
                deadline=deadline,
                config=config,
                spool=spool,
            )
            seconds = time.monotonic() - attempt_started
            status = outcome.status if isinstance(outcome, Reply) else None
            if isinstance(outcome, Reply) and outcome.spooled is not None:
                self._observe(CallEvent(method, verb, OK, seconds, status, attempt + 1))
                return outcome.spooled
            if isinstance(outcome, Reply):
                try:
                    value = interpret(outcome, method=method, verb=verb)
                except GreenAPIError as exc:
                    error = exc
                else:
                    self._observe(CallEvent(method, verb, OK, seconds, status, attempt + 1))
                    return value
            else:
                error = outcome
            self._observe(CallEvent(method, verb, error.kind, seconds, status, attempt + 1))
            pause = self._pause_before_retry(error, attempt, attempts, deadline)
            if pause is None:
                logger.info("Green API %s (%s) failed: %s", method, target, error.message)
                raise error
            logger.info(
                "Green API %s (%s) failed: %s Retrying in %.2f s.",
                method,
                target,
                error.message,
                pause,
            )
            time.sleep(pause)
        raise AssertionError("unreachable: the last attempt either returns or raises")

    def _observe(self, event: CallEvent) -> None:
        if self.observer is None:
            return
        try:
            self.observer(event)
        except Exception:
            # Metrics must never break a call. The event holds no URL, so the log holds no token.
            logger.exception("Green API call observer failed for %s", event.method)

    def _pause_before_retry(
        self, error: GreenAPIError, attempt: int, attempts: int, deadline: float
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when there must not be one."""
        if attempt + 1 >= attempts or not isinstance(error, Unavailable | RateLimited):
            return None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            pause = error.retry_after
        else:
            pause = self.config.backoff * 2**attempt
        # No point in sleeping into the deadline: fail now with the real reason.
        if pause >= deadline - time.monotonic():
            return None
        return pause

    def _attempt(
        self,
        verb: str,
        url: str,
        *,
        method: str,
        payload: Any,
        deadline: float,
        config: ClientConfig,
        spool: bool,
    ) -> Reply | GreenAPIError:
        """One HTTP exchange: a fully read Reply, or the error that ended it."""
        write = verb != "GET"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return _timeout_error(method, config.deadline, write=False)
        timeout = (min(config.connect_timeout, remaining), min(config.read_timeout, remaining))
        headers = {"User-Agent": config.user_agent, "Accept": "application/json"}
        failure = ""
        response: requests.Response | None = None
        try:
            response = self.session.request(
                verb,
                url,
                json=payload,
                headers=headers,
                timeout=timeout,
                stream=True,
                allow_redirects=False,  # a redirect would carry the token to another URL
            )
        except requests.ConnectTimeout:
            failure = "connect_timeout"
        except requests.ReadTimeout:
            failure = _read_timeout_kind(deadline)
        except requests.ConnectionError as exc:
            failure = "refused" if _never_sent(exc) else "dropped"
        except Exception as exc:
            # Anything else from requests/urllib3 (a bad proxy setting, an invalid header...).
            # Caught broadly because its text may hold the URL; logged redacted.
            logger.warning(
                "Green API %s: unexpected %s: %s",
                method,
                type(exc).__name__,
                redaction.redact(str(exc)),
            )
            failure = "unexpected"
        if response is None:
            return _transport_error(failure, method, config, write=write)
        limit = config.max_listing_bytes if spool else config.max_body_bytes
        sink = SpooledBody() if spool else None
        try:
            body, failure = self._read_body(response, deadline, limit=limit, sink=sink)
            retry_after = response.headers.get("Retry-After")
            status = response.status_code
        finally:
            response.close()
            if sink is not None and failure:
                sink.close()
        if body is None:
            return _transport_error(failure, method, config, write=write, limit=limit)
        if isinstance(body, SpooledBody):
            if 200 <= status < 300 and body.starts_array():
                return Reply(status=status, body=b"", retry_after=retry_after, spooled=body)
            # Anything else (an error object, a text) is small, and decoded as usual.
            with body:
                if body.size > config.max_body_bytes:
                    return _transport_error("too_large", method, config, write=write)
                body = body.read_all()
        return Reply(status=status, body=body, retry_after=retry_after)

    def _read_body(
        self,
        response: requests.Response,
        deadline: float,
        *,
        limit: int,
        sink: SpooledBody | None,
    ) -> tuple[bytes | SpooledBody | None, str]:
        """Read the whole body in small pieces, never past the deadline or the size limit.

        With a `sink` the pieces go to it (a temporary file) instead of memory.
        """
        raw = response.raw
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, "deadline"
            _shrink_socket_timeout(raw, min(self.config.read_timeout, remaining))
            problem = ""
            try:
                chunk = raw.read1(_READ_CHUNK, decode_content=True)
            except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
                problem = _read_timeout_kind(deadline)
            except (urllib3.exceptions.HTTPError, OSError, http.client.HTTPException, ValueError):
                problem = "dropped"
            if problem:
                return None, problem
            if not chunk:
                if sink is not None:
                    sink.finish()
                    return sink, ""
                return b"".join(chunks), ""
            size += len(chunk)
            if size > limit:
                return None, "too_large"
            if sink is not None:
                sink.write(chunk)
            else:
                chunks.append(chunk)


def _read_timeout_kind(deadline: float) -> str:
    # A read timeout that was cut short to fit the deadline is the deadline's doing.
    return "deadline" if deadline - time.monotonic() <= 0.05 else "read_timeout"


def _shrink_socket_timeout(raw: Any, seconds: float) -> None:
    """Best effort: make the next socket read wait at most `seconds`."""
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        # A socket that is already gone is reported by the read that follows.
        with contextlib.suppress(OSError):
            sock.settimeout(max(seconds, 0.001))


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made (refused, DNS), so the request was not sent."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
    )


def _timeout_error(method: str, seconds: float, *, write: bool) -> UpstreamTimeout:
    return UpstreamTimeout(
        f"Green API did not answer {method} within {seconds:g} s. Try again in a minute."
        + (f" {_CHECK_FIRST}" if write else ""),
        method=method,
        outcome_unknown=write,
    )


def _transport_error(
    kind: str, method: str, config: ClientConfig, *, write: bool, limit: int | None = None
) -> GreenAPIError:
    if kind == "connect_timeout":
        return UpstreamTimeout(
            f"Could not connect to Green API for {method} within {config.connect_timeout:g} s. "
            "Try again in a minute.",
            method=method,
        )
    if kind == "read_timeout":
        return _timeout_error(method, config.read_timeout, write=write)
    if kind == "deadline":
        return _timeout_error(method, config.deadline, write=write)
    if kind == "refused":
        return Unavailable(
            f"Could not connect to Green API for {method} (connection refused or host not "
            "found). Check the API URL, then try again in a minute.",
            method=method,
        )
    if kind == "too_large":
        return BadResponse(
            f"Green API's answer to {method} is larger than {limit or config.max_body_bytes} "
            "bytes, so "
            "it was not read." + (f" {_CHECK_FIRST}" if write else ""),
            method=method,
            outcome_unknown=write,
        )
    if kind == "unexpected":
        return Unavailable(
            f"The request to Green API for {method} failed unexpectedly (see the log). "
            "Try again in a minute." + (f" {_CHECK_FIRST}" if write else ""),
            method=method,
            outcome_unknown=write,
        )
    return Unavailable(
        f"The connection to Green API broke during {method}. Try again in a minute."
        + (f" {_CHECK_FIRST}" if write else ""),
        method=method,
        outcome_unknown=write,
    )
