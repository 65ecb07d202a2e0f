"""Container health checks for docker-compose.yml: standard library only, no Django start-up.

    python deploy/healthcheck.py http /healthz     # this container's gunicorn ($PORT) answers 200
    python deploy/healthcheck.py tcp HOST:PORT     # something accepts connections there

Exit status 0 when healthy, 1 otherwise, with one line saying why.
"""

from __future__ import annotations

import http.client
import os
import socket
import sys

TIMEOUT = 5.0


def http_ok(path: str) -> str | None:
    """None when GET path on this container's port answers 200, else the reason."""
    port = int(os.environ.get("PORT", "8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", path)
        status = connection.getresponse().status
    except OSError as error:
        return f"GET {path} on port {port}: {error}"
    finally:
        connection.close()
    return None if status == 200 else f"GET {path} on port {port}: HTTP {status}"


def tcp_ok(address: str) -> str | None:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=TIMEOUT):
            return None
    except (OSError, ValueError) as error:
        return f"{address}: {error}"


def main(argv: list[str]) -> int:
    checks = {"http": http_ok, "tcp": tcp_ok}
    if len(argv) != 2 or argv[0] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    problem = checks[argv[0]](argv[1])
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
