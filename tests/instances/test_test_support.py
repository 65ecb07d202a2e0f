"""The tests' own helpers hold on a busy machine."""

from __future__ import annotations

from typing import Any

from accounts.models import Reseller
from tests.support.onboarding import make_instance
from tests.support.sandbox import SandboxControl


def test_an_emulator_instance_is_made_whatever_timeouts_the_test_set(
    greenapi_settings: Any, sandbox: SandboxControl, short_timeouts: Any, reseller_a: Reseller
) -> None:
    """A test that shortens the timeouts for the calls it checks may be set up before its
    instance is made; a slow createInstance (the emulator holds it for 0.8 s, longer than
    those timeouts) still makes it."""
    sandbox.add_fault("createInstance", "hang", seconds=0.8)

    instance = make_instance(reseller_a)

    assert sandbox.instance(instance.pk)["idInstance"] == instance.pk
