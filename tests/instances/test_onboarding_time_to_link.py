"""A new instance's QR code shows within about a second of it becoming ready (issue 12).

While an instance is being created or starting, a page asks again as soon as the shared
getStateInstance answer may be replaced (1 call a second per instance at most), not on the
usual 2 s beat, and the answer that sees it ready carries the QR code.
"""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from accounts.models import User
from instances.models import Instance
from instances.services.onboarding import STATE_HOLD, Step, onboarding_check
from instances.services.onboarding_answers import POLL_SECONDS
from tests.support.onboarding import make_instance
from tests.support.sandbox import SandboxControl


def test_while_starting_a_page_asks_again_when_the_state_may_be_asked(
    greenapi_settings: Any, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller, state=Instance.State.STARTING)
    sandbox.set_state(instance.pk, Instance.State.STARTING).raise_for_status()

    first = onboarding_check(instance=instance)
    second = onboarding_check(instance=instance)  # the same shared answer, a moment older

    assert first.step == second.step == Step.CREATING
    assert 0 < second.poll_seconds <= first.poll_seconds <= STATE_HOLD + 0.1
    assert first.poll_seconds < POLL_SECONDS
    assert sandbox.calls(instance.pk).get("getStateInstance") == 1


def test_the_answer_that_sees_it_ready_carries_the_qr_code(
    greenapi_settings: Any, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller, state=Instance.State.STARTING)
    sandbox.set_state(instance.pk, Instance.State.NOT_AUTHORIZED).raise_for_status()

    status = onboarding_check(instance=instance)

    assert status.step == Step.READY
    assert status.qr_version  # no second poll needed for the code
    assert status.poll_seconds == POLL_SECONDS  # a code shows: the usual beat again


def test_the_status_fragment_carries_the_short_wait(
    greenapi_settings: Any, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller, state=Instance.State.STARTING)
    sandbox.set_state(instance.pk, Instance.State.STARTING).raise_for_status()
    client = Client()
    client.force_login(reseller_a_user)

    page = client.get(f"/instances/{instance.pk}/connect/status/", headers={"HX-Request": "true"})

    found = re.search(r'data-poll="([0-9.]+)"', page.content.decode())
    assert found, page.content.decode()[:500]
    assert 0 < float(found.group(1)) <= STATE_HOLD + 0.1
