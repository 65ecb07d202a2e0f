"""How long linking takes in a real browser, on the staff page and on a customer's link page:
from the instance being ready to its QR code on screen, and from the scan to "linked".

The goal for the first is 1 s (the page asks again as soon as getStateInstance may be called,
instances/services/onboarding.py); the bound asserted leaves room for a loaded CI machine. Both
times are printed and written to test-artifacts/time-to-link.txt.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from accounts.models import User
from instances.models import Instance
from instances.services.links import onboarding_link_issue
from tests.e2e.conftest import ARTIFACTS, log_in, open_session
from tests.support.onboarding import decode_qr, make_instance
from tests.support.sandbox import SandboxControl

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("e2e_settings")]

READY_TO_QR_BOUND = 2.0  # seconds; the goal is 1, typically measured about 0.5 to 1
QR_SHOWN = """() => {
  const img = document.querySelector("img[data-qr]");
  return Boolean(img && img.complete && img.naturalWidth > 0);
}"""


def _measure(page: Page, instance: Instance, sandbox: SandboxControl) -> tuple[float, float]:
    page.wait_for_selector('[data-step="creating"]')
    page.wait_for_timeout(700)  # a poll or so, so readiness falls anywhere in the page's beat
    ready_at = time.monotonic()
    sandbox.set_state(instance.pk, Instance.State.NOT_AUTHORIZED).raise_for_status()
    page.wait_for_function(QR_SHOWN, polling="raf")
    ready_to_qr = time.monotonic() - ready_at

    payload = decode_qr(page.locator("img[data-qr]").screenshot())
    scanned_at = time.monotonic()
    sandbox.scan(payload, phone_number=79005550123).raise_for_status()
    page.wait_for_selector('[data-step="linked"]')
    return ready_to_qr, time.monotonic() - scanned_at


def _report(where: str, ready_to_qr: float, scan_to_linked: float) -> None:
    line = f"{where}: ready -> QR {ready_to_qr:.2f} s, scan -> linked {scan_to_linked:.2f} s"
    print(f"time to link, {line}")
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "time-to-link.txt").open("a") as out:
        out.write(line + "\n")


def _starting(reseller_user: User, sandbox: SandboxControl) -> Instance:
    """An instance that starts until the test says it is ready (once the emulator built it)."""
    instance = make_instance(reseller_user.reseller, state=Instance.State.STARTING)
    deadline = time.monotonic() + 20
    while sandbox.set_state(instance.pk, Instance.State.STARTING).status_code == 409:
        assert time.monotonic() < deadline, "the emulator never finished creating it"
        time.sleep(0.1)  # the emulator builds an instance in SANDBOX_CREATE_SECONDS
    return instance


def test_time_to_link_on_the_staff_page(
    browser: Browser, live_server: Any, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = _starting(reseller_a_user, sandbox)
    session = open_session(browser, live_server.url)
    log_in(session, reseller_a_user)
    session.page.goto(f"/instances/{instance.pk}/connect/")

    ready_to_qr, scan_to_linked = _measure(session.page, instance, sandbox)

    _report("staff page", ready_to_qr, scan_to_linked)
    assert ready_to_qr <= READY_TO_QR_BOUND
    session.context.close()


def test_time_to_link_on_a_customer_link(
    browser: Browser, live_server: Any, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = _starting(reseller_a_user, sandbox)
    issued = onboarding_link_issue(instance=instance, user=reseller_a_user, hours=1)
    session = open_session(browser, live_server.url)
    session.page.goto(issued.url)

    ready_to_qr, scan_to_linked = _measure(session.page, instance, sandbox)

    _report("customer link", ready_to_qr, scan_to_linked)
    assert ready_to_qr <= READY_TO_QR_BOUND
    session.context.close()
