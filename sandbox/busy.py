"""Count emulator requests that are still working on purpose (hang and drip faults).

The emulator runs inside the test process, so a test's teardown can wait for them instead of
letting a hung request write to a database that the next test has already flushed. Clearing the
faults (DELETE /control/faults) ends their pauses at once, so that wait is short.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lock = threading.Condition()
_in_flight = 0
_releases = 0  # how many times release() was called


@contextmanager
def held() -> Iterator[Callable[[float], None]]:
    """Count a slow request while it runs; it sleeps with the pause function this yields."""
    global _in_flight
    with _lock:
        _in_flight += 1
        since = _releases
    try:
        yield lambda seconds: _pause(seconds, since)
    finally:
        with _lock:
            _in_flight -= 1
            _lock.notify_all()


def _pause(seconds: float, since: int) -> None:
    """Sleep for `seconds`, unless release() was called after the request began: then return."""
    deadline = time.monotonic() + seconds
    with _lock:
        while _releases == since:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            _lock.wait(remaining)


def release() -> None:
    """End the pauses of every slow request in progress (their faults were cleared)."""
    global _releases
    with _lock:
        _releases += 1
        _lock.notify_all()


def wait_idle(timeout: float) -> bool:
    """Block until no slow request is in flight; False if `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    with _lock:
        while _in_flight:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _lock.wait(remaining)
    return True
