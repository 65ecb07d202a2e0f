"""Count emulator requests that are still working on purpose (hang and drip faults).

The emulator runs inside the test process, so a test's teardown can wait for them instead of
letting a hung request write to a database that the next test has already flushed.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Condition()
_in_flight = 0


@contextmanager
def held() -> Iterator[None]:
    global _in_flight
    with _lock:
        _in_flight += 1
    try:
        yield
    finally:
        with _lock:
            _in_flight -= 1
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
