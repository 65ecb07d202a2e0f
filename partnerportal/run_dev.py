"""`make run`: serve the dashboard, then seed the demo once the server answers.

The demo seed (`manage.py seed_demo`) mirrors the emulator's instances through the portal's own
sync, over HTTP to the emulator this server hosts, so the server has to be up first; so does the
worker (`manage.py run_huey`), which then keeps the mirror and the states true. Both run as child
processes and this launcher stays in the foreground: Ctrl-C or SIGTERM stops every child, and
when one child stops the others are stopped too.

Usage: python partnerportal/run_dev.py --port 8000 (with the environment `make run` sets).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

MANAGE = str(Path(__file__).resolve().parent.parent / "manage.py")
READY_TIMEOUT = 60.0  # seconds for runserver to answer /login/
STOP_TIMEOUT = 10.0  # seconds a child gets to exit before it is killed


def children(port: int) -> dict[str, list[str]]:
    """The long-running processes of `make run`, by name, in the order they start."""
    return {
        "runserver": [sys.executable, MANAGE, "runserver", f"127.0.0.1:{port}"],
        # The task consumer and its schedule (instances/tasks.py). It starts once the server
        # answers: its first sync calls the emulator that the server hosts.
        "worker": [sys.executable, MANAGE, "run_huey"],
    }


def say(message: str) -> None:
    print(f"run_dev: {message}", file=sys.stderr, flush=True)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (a fixed http://127.0.0.1 URL)
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False


def wait_until_ready(url: str, processes: dict[str, subprocess.Popen[bytes]]) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if answers(url):
            return True
        if any(process.poll() is not None for process in processes.values()):
            return False
        time.sleep(0.3)
    say(f"{url} did not answer within {READY_TIMEOUT:.0f} s; stopping.")
    return False


def stop(processes: dict[str, subprocess.Popen[bytes]], signum: int = signal.SIGTERM) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signum)
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop within {STOP_TIMEOUT:.0f} s; killing it.")
            process.kill()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    port = parser.parse_args().port
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # children's lines in the order they happen

    (server, server_argv), *others = children(port).items()
    processes = {server: subprocess.Popen(server_argv, env=env)}  # noqa: S603

    def forward(signum: int, _frame: FrameType | None) -> None:
        # Ctrl-C reaches the children from the terminal too; SIGTERM (`kill`) reaches only us.
        stop(processes, signum)
        sys.exit(128 + signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)

    if not wait_until_ready(f"http://127.0.0.1:{port}/login/", processes):
        stop(processes)
        return 1
    for name, argv in others:
        processes[name] = subprocess.Popen(argv, env=env)  # noqa: S603
    seed = subprocess.run([sys.executable, MANAGE, "seed_demo", "--port", str(port)], env=env)  # noqa: S603
    if seed.returncode != 0:
        say("seed_demo failed (see above); stopping.")
        stop(processes)
        return seed.returncode

    # Serve until a child stops (runserver on an error), then stop the rest.
    while all(process.poll() is None for process in processes.values()):
        time.sleep(0.5)
    stopped = next(name for name, process in processes.items() if process.poll() is not None)
    say(f"{stopped} exited with status {processes[stopped].returncode}; stopping.")
    stop(processes)
    return processes[stopped].returncode or 0


if __name__ == "__main__":
    sys.exit(main())
