"""Fixtures for the instance page's tests: an emulator instance mirrored for reseller A."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from accounts.models import Reseller
from instances.models import Instance
from tests.support.onboarding import make_instance

# Re-exported for the test modules that import them from here.
from tests.support.pages import logged_in as logged_in
from tests.support.pages import page_text as page_text
from tests.support.sandbox import SandboxControl

# The failures every action must survive (docs/sandbox.md, "Faults").
FAULT_KINDS = ("http500", "http429", "hang", "malformed", "error200")


@pytest.fixture
def live(greenapi_settings: Any, sandbox: SandboxControl, reseller_a: Reseller) -> Instance:
    """Reseller A's instance in the emulator, not linked. Rate limits are off: tests call fast."""
    greenapi_settings.SANDBOX_RATE_LIMITS = False
    return make_instance(reseller_a)


@pytest.fixture
def short_timeouts(settings: Any) -> Any:
    """Give up on a hung emulator soon: each read after half a second (a hang is 1.5 s).

    The deadline over all attempts is 2 s, not 1: a failing GET is retried after a pause, and on
    a busy machine the retry of a quick refusal (error200, http500) crossed one second, so the
    page said "did not answer in time" where the test expects the refusal's own sentence."""
    settings.GREEN_API_READ_TIMEOUT = 0.5
    settings.GREEN_API_DEADLINE = 2.0
    return settings


def add_fault(sandbox: SandboxControl, method: str, kind: str, instance: Instance) -> None:
    """A fault on every call of `method` to this instance; hangs are short but beat the deadline."""
    options: dict[str, Any] = {"idInstance": instance.pk}
    if kind == "hang":
        options["seconds"] = 1.5
    sandbox.add_fault(method, kind, **options)


# What the page says for each fault kind, in words the user can act on.
FAULT_SENTENCES = {
    "http500": "Green API is not answering. Try again in a minute.",
    "http429": "Green API is busy right now. Try again in a minute.",
    "hang": "Green API did not answer in time. Try again in a minute.",
    "malformed": "answer could not be read",
    "error200": "Green API is not answering. Try again in a minute.",
}


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        name = attr.get("name")
        if tag != "input" or not name or attr.get("type") == "submit":
            return
        if attr.get("type") == "checkbox" and "checked" not in attr:
            return
        self.values[name] = attr.get("value") or ("on" if attr.get("type") == "checkbox" else "")


def form_values(response: Any) -> dict[str, str]:
    """What a browser would submit from the page's form as rendered (inputs only)."""
    parser = _Inputs()
    parser.feed(response.content.decode())
    parser.values.pop("csrfmiddlewaretoken", None)
    return parser.values
