"""What the benchmarks share to run servers beside them: ports, the PostgreSQL server, CPU time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# The PostgreSQL server the benchmarks make their throwaway databases on (an admin connection).
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# The shared cache of the benchmarks' servers, a Redis database, as a deployment's CACHE_URL
# (docs/deploy.md): sessions are read from it, and the onboarding pages share answers in it.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


# The project's settings, which a benchmark's server must never inherit from the shell.
_SETTINGS = (
    "DJANGO_",
    "GREEN_API_",
    "SANDBOX_",
    "FIELD_",
    "DATABASE_",
    "REDIS_",
    "CACHE_",
    "PUBLIC_",
    "WEB_",
    "GUNICORN_",
    "PROMETHEUS_",
)


def inherited_environment() -> dict[str, str]:
    """This process's environment without any of the project's settings, for a server's own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_SETTINGS)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def postgres_reachable(url: str = ADMIN_URL) -> bool:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def redis_reachable(url: str = REDIS_URL) -> bool:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except redis.RedisError:
        return False
    return True


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid: int) -> float:
    """CPU time of a server so far: the process and its children, e.g. gunicorn's workers."""
    total = 0
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else []:
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name == str(pid) or fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def gunicorn(
    environment: dict[str, str],
    workdir: Path,
    options: list[str],
    ready: Callable[[int], bool],
    *,
    root: Path = ROOT,
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """The portal's WSGI app on gunicorn with `options`, on a free port, until it is `ready`.

    An empty config file stands in for any gunicorn.conf.py of the checkout. The log goes to
    `workdir`/gunicorn.log and its tail is raised when gunicorn stops or is not ready in 60 s.
    Yields the port and the master process; the server is killed on the way out.
    """
    port = free_port()
    (workdir / "gunicorn.conf.py").write_text("")
    log = (workdir / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603  (our own virtualenv's gunicorn)
        [
            str(BIN / "gunicorn"),
            "partnerportal.wsgi:application",
            f"--config={workdir / 'gunicorn.conf.py'}",
            f"--bind=127.0.0.1:{port}",
            *options,
        ],
        cwd=root,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "gunicorn.log").read_text()[-3000:])
            threading.Event().wait(0.1)
        yield port, server
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=30)
        log.close()
