"""Child processes for tests: their output read line by line, each line an event to wait on."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

# How long a process gets to show each expected sign, in seconds.
PATIENCE = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """A child process whose output is read as it comes; tests wait on its lines."""

    argv: list[str]
    env: dict[str, str] | None = None
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.popen = subprocess.Popen(  # noqa: S603 (our own fixed commands)
            self.argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0
        )
        assert self.popen.stdout is not None
        self._fd = self.popen.stdout.fileno()
        self._partial = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._fd, selectors.EVENT_READ)

    def _read(self, timeout: float) -> None:
        # Unbuffered reads: a buffered reader would hide lines it already holds from select().
        if not self._selector.select(timeout=timeout):
            return
        chunk = os.read(self._fd, 65536)
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        self.lines.extend(line.decode(errors="replace") + "\n" for line in complete)

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = PATIENCE) -> None:
        """Read output until `ready()` holds (checked after each read, or each quiet second)."""
        deadline = time.monotonic() + timeout
        while not ready():
            left = deadline - time.monotonic()
            if left <= 0 or self.popen.poll() is not None:
                self._read(0)
                tail = "".join(self.lines[-40:])
                pytest.fail(f"no {what} within {timeout:.0f} s; last output:\n{tail}")
            self._read(min(left, 1.0))

    def wait_for_line(self, pattern: str, timeout: float = PATIENCE) -> str:
        """The first line from now on that matches `pattern`."""
        start = len(self.lines)

        def seen() -> bool:
            return any(re.search(pattern, line) for line in self.lines[start:])

        self.wait_until(seen, f"line matching {pattern!r}", timeout)
        return next(line for line in self.lines[start:] if re.search(pattern, line))

    def stop(self, signum: int = signal.SIGTERM) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signum)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self._selector.close()
        assert self.popen.stdout is not None
        self.popen.stdout.close()
