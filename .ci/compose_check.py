"""Checks of the running docker-compose stack, through HTTP only, for .ci/compose.sh.

    compose_check.py ENV_FILE WEB_URL EMULATOR_URL STEP [ARG]

ENV_FILE is the stack's env file (the secrets the checks need: the partner token, the demo
password, the metrics token, the allowed host). Steps:

    ready          /readyz answers 200 "ready" (database, cache, queue, worker, sync, states)
    worker         with no page viewed yet: every emulator instance was asked getStateInstance
                   by the worker, and /readyz says every state was confirmed
    login COOKIES  log in as the demo admin; the session cookie goes to the file COOKIES
    russian        the login page, asked for in Russian, is in Russian (compiled catalogues)
    list COOKIES   the list page, with that session, shows each emulator instance's true state
    metrics        /metrics (web) and the worker's /metrics answer the bearer token

The portal runs in production mode (HTTPS on, behind a proxy), so each request says
`X-Forwarded-Proto: https` and names the allowed host, as the TLS proxy would. Standard library
only: it runs on the host's python3.
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

TIMEOUT = 10.0
READY_WAIT = 240.0  # seconds: the first sync and the first round of state checks


class CheckFailed(Exception):
    pass


def read_env(path: str) -> dict[str, str]:
    values = {}
    for line in Path(path).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


class Http:
    """One request per connection, so that the kernel spreads them over the web replicas."""

    def __init__(self, base: str, host: str | None = None) -> None:
        self.base = urllib.parse.urlsplit(base)
        self.host = host

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> tuple[int, dict[str, list[str]], str]:
        connection = http.client.HTTPConnection(self.base.netloc, timeout=TIMEOUT)
        sent = dict(headers or {})
        if self.host:
            sent |= {"Host": self.host, "X-Forwarded-Proto": "https"}
        try:
            connection.request(method, self.base.path.rstrip("/") + path, body=body, headers=sent)
            response = connection.getresponse()
            received: dict[str, list[str]] = {}
            for name, value in response.getheaders():
                received.setdefault(name.lower(), []).append(value)
            return response.status, received, response.read().decode("utf-8", "replace")
        finally:
            connection.close()


def wait_for(what: str, probe: Callable[[], str | None], seconds: float = READY_WAIT) -> None:
    """Call probe until it returns None (done), at most `seconds`; its text says what is missing."""
    deadline = time.monotonic() + seconds
    reason = "never asked"
    while time.monotonic() < deadline:
        try:
            reason = probe() or ""
        except OSError as error:
            reason = f"{type(error).__name__}: {error}"
        if not reason:
            return
        time.sleep(1)
    raise CheckFailed(f"{what}: not within {seconds:.0f} s; last: {reason}")


# --- steps -----------------------------------------------------------------------------------


def step_ready(env: dict[str, str], web: Http, emulator: Http, args: list[str]) -> None:
    last: dict[str, Any] = {}

    def probe() -> str | None:
        status, _, body = web.request("GET", "/readyz")
        if status == 404:
            raise CheckFailed("/readyz is missing (404)")
        last.update(json.loads(body))
        return None if status == 200 else f"HTTP {status}: {body}"

    wait_for("/readyz green", probe)
    print(f"  /readyz: {json.dumps(last)}")


def emulator_instances(env: dict[str, str], emulator: Http) -> list[dict[str, Any]]:
    token = env["GREEN_API_PARTNER_TOKEN"]
    status, _, body = emulator.request("GET", f"/partner/getInstances/{token}")
    if status != 200:
        raise CheckFailed(f"the emulator's getInstances answered HTTP {status}")
    return [row for row in json.loads(body) if not row.get("deleted")]


def emulator_control(env: dict[str, str], emulator: Http, path: str) -> Any:
    bearer = {"Authorization": f"Bearer {env['GREEN_API_PARTNER_TOKEN']}"}
    status, _, body = emulator.request("GET", f"/control/{path}", headers=bearer)
    if status != 200:
        raise CheckFailed(f"the emulator's control/{path} answered HTTP {status}")
    return json.loads(body)


def step_worker(env: dict[str, str], web: Http, emulator: Http, args: list[str]) -> None:
    """No page has been viewed, so every call the emulator counted came from the worker."""
    instances = emulator_instances(env, emulator)
    if not instances:
        raise CheckFailed("the emulator lists no instance (did seed_sandbox run?)")

    def probe() -> str | None:
        unasked = [
            row["name"]
            for row in instances
            if not emulator_control(env, emulator, f"calls?idInstance={row['idInstance']}")[
                "calls"
            ].get("getStateInstance")
        ]
        if unasked:
            return f"never asked getStateInstance: {', '.join(unasked)}"
        _, _, body = web.request("GET", "/readyz")
        states = json.loads(body)["checks"]["states"]
        if states.get("never_confirmed"):
            return f"/readyz: {states['never_confirmed']} states never confirmed"
        return None

    wait_for("the worker's state checks", probe)
    print(f"  the worker asked Green API (the emulator) for all {len(instances)} instances' states")


COOKIE = re.compile(r"^([^=;\s]+)=([^;]*)")


def cookies_from(headers: dict[str, list[str]]) -> dict[str, str]:
    found = {}
    for line in headers.get("set-cookie", []):
        match = COOKIE.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def step_login(env: dict[str, str], web: Http, emulator: Http, args: list[str]) -> None:
    status, headers, page = web.request("GET", "/login/")
    if status != 200:
        raise CheckFailed(f"GET /login/ answered HTTP {status}")
    cookies = cookies_from(headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not token:
        raise CheckFailed("the login page has no CSRF token")
    origin = f"https://{web.host}"
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": "admin",
            "password": env["DEMO_PASSWORD"],
        }
    )
    status, headers, page = web.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(cookies),
            "Origin": origin,
            "Referer": f"{origin}/login/",
        },
    )
    location = headers.get("location", [""])[0]
    if status != 302 or "/login" in location:
        raise CheckFailed(f"logging in answered HTTP {status} to {location!r}")
    cookies |= cookies_from(headers)
    Path(args[0]).write_text(json.dumps(cookies))
    print(f"  logged in as admin: HTTP 302 to {location}")


def step_russian(env: dict[str, str], web: Http, emulator: Http, args: list[str]) -> None:
    """The image carries compiled catalogues: a browser asking for Russian gets the page in it."""
    status, _headers, page = web.request("GET", "/login/", headers={"Accept-Language": "ru"})
    if status != 200:
        raise CheckFailed(f"GET /login/ in Russian answered HTTP {status}")
    if 'lang="ru"' not in page or "Войти" not in page:
        raise CheckFailed("the login page asked for in Russian is not in Russian")
    print("  the login page is in Russian when the browser asks for it")


def table_rows(page: str) -> dict[int, tuple[str, bool]]:
    """Instance id -> (the state its row shows, whether it says the worker confirmed it)."""
    rows = {}
    for row in re.findall(r"<tr\b.*?</tr>", page, flags=re.S):
        link = re.search(r'<a href="/instances/(\d+)/">', row)
        state = re.search(r'class="state state-([A-Za-z]*)"', row)
        if link and state:
            rows[int(link.group(1))] = (state.group(1), "checked by the worker" in row)
    return rows


def step_list(env: dict[str, str], web: Http, emulator: Http, args: list[str]) -> None:
    cookies = json.loads(Path(args[0]).read_text())
    status, headers, page = web.request(
        "GET", "/instances/", headers={"Cookie": cookie_header(cookies)}
    )
    if status != 200:
        location = headers.get("location", [""])[0]
        raise CheckFailed(f"GET /instances/ answered HTTP {status} {location}".strip())
    shown = table_rows(page)
    wrong, seen = [], []
    for row in emulator_instances(env, emulator):
        id_instance = row["idInstance"]
        truth = emulator_control(env, emulator, f"instances/{id_instance}")["stateInstance"]
        state, by_worker = shown.get(id_instance, ("missing", False))
        seen.append(f"{row['name']}: {state}" + (" (by the worker)" if by_worker else ""))
        if state != (truth or "unknown"):
            wrong.append(f"{row['name']}: shows {state}, Green API says {truth}")
    if wrong:
        raise CheckFailed("the list page is wrong: " + "; ".join(wrong))
    print(f"  the list page shows every instance's true state: {'; '.join(seen)}")


def step_metrics(env: dict[str, str], web: Http, emulator: Http, args: list[str]) -> None:
    bearer = {"Authorization": f"Bearer {env['METRICS_TOKEN']}"}
    status, _, body = web.request("GET", "/metrics")
    if status == 200:
        raise CheckFailed("/metrics answered without the token")
    status, _, body = web.request("GET", "/metrics", headers=bearer)
    if status != 200 or "partnerportal_instances" not in body:
        raise CheckFailed(f"/metrics with the token answered HTTP {status}")
    port = env.get("WORKER_METRICS_PORT", "0")
    if port != "0":
        worker = Http(f"http://127.0.0.1:{port}")
        status, _, body = worker.request("GET", "/metrics", headers=bearer)
        if status != 200 or 'method="getStateInstance"' not in body:
            raise CheckFailed(f"the worker's /metrics answered HTTP {status}")
        counter = 'partnerportal_greenapi_requests_total{method="getStateInstance",outcome="ok"}'
        calls = re.findall(re.escape(counter) + r" (\S+)", body)
        print(f"  the worker's /metrics: {calls[0] if calls else 0} getStateInstance calls, ok")
    print("  /metrics answers the token only")


STEPS = {
    "ready": step_ready,
    "worker": step_worker,
    "login": step_login,
    "russian": step_russian,
    "list": step_list,
    "metrics": step_metrics,
}


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[3] not in STEPS:
        print(__doc__, file=sys.stderr)
        return 2
    env_file, web_url, emulator_url, step, *rest = argv
    env = read_env(env_file)
    host = env["DJANGO_ALLOWED_HOSTS"].split(",")[0].strip()
    try:
        STEPS[step](env, Http(web_url, host), Http(emulator_url), rest)
    except CheckFailed as failure:
        print(f"  FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
