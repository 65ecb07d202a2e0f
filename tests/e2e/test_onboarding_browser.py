"""Linking a phone in a real browser: QR code, pairing code, customer link, rotation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser

from accounts.models import AuditEvent, User
from instances.models import Instance, OnboardingLink
from instances.services.links import onboarding_link_issue
from tests.e2e.conftest import Session, log_in, open_session
from tests.support.onboarding import decode_qr, make_instance
from tests.support.sandbox import SandboxControl

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("e2e_settings")]


def test_reseller_creates_an_instance_and_links_it_by_qr(
    browser: Browser, live_server: Any, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    session = open_session(browser, live_server.url, clock=True)
    page = session.page
    log_in(session, reseller_a_user)

    page.goto("/instances/new/")
    page.fill("input[name=name]", "Corner bakery")
    page.click("button:has-text('Create instance')")
    page.wait_for_url(re.compile(r".*/instances/\d+/connect/$"))
    instance = Instance.objects.get(name="Corner bakery")
    page.wait_for_selector('[data-step="creating"]')
    session.shot("1-qr-being-created")
    session.mark()

    page.wait_for_selector("img[data-qr]")  # the page moves on by itself
    session.shot("1-qr-ready")
    payload = decode_qr(session.image())
    assert payload == sandbox.instance(instance.pk)["currentQrPayload"]

    assert sandbox.scan(payload, phone_number=79005550111).status_code == 200
    page.clock.run_for(2000)  # the next poll now, not in up to 2 s
    page.wait_for_selector('[data-step="linked"]')
    assert session.not_reloaded()
    assert "+79005550111" in page.inner_text(".success")
    assert page.is_hidden("[data-pairing]")
    session.shot("1-qr-linked")

    _assert_polling_stopped(session)
    session.recorder.assert_no_secret(instance.api_token, settings.GREEN_API_PARTNER_TOKEN)
    assert instance.api_token not in page.content()
    session.context.close()


def _assert_polling_stopped(session: Session) -> None:
    seen: list[str] = []
    session.page.on("request", lambda request: seen.append(request.url))
    polls = session.fetched("/status")
    session.page.clock.run_for(4500)  # the page's next 4.5 s of timers, at once
    assert session.fetched("/status") == polls
    assert not [url for url in seen if "/status" in url or "qr.png" in url]


def test_linking_by_pairing_code(
    browser: Browser, live_server: Any, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller)
    session = open_session(browser, live_server.url)
    page = session.page
    log_in(session, reseller_a_user)
    page.goto(f"/instances/{instance.pk}/connect/")
    page.wait_for_selector("img[data-qr]")
    session.mark()

    page.fill("input[name=phone_number]", "+7 900 555-01-12")
    page.click("button:has-text('Get a code')")
    code = page.inner_text("[data-pairing-code]", timeout=15_000).strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert "Link with phone number instead" in page.inner_text("[data-pairing]")
    session.shot("2-code-shown")

    assert sandbox.pair(instance.pk, code).status_code == 200
    page.wait_for_selector('[data-step="linked"]')
    assert session.not_reloaded()
    assert "+79005550112" in page.inner_text(".success")
    session.shot("2-code-linked")
    session.recorder.assert_no_secret(instance.api_token, settings.GREEN_API_PARTNER_TOKEN)
    session.context.close()


def test_customer_link_in_a_fresh_browser_links_the_phone(
    browser: Browser,
    live_server: Any,
    reseller_a_user: User,
    sandbox: SandboxControl,
) -> None:
    instance = make_instance(reseller_a_user.reseller)
    staff = open_session(browser, live_server.url)
    log_in(staff, reseller_a_user)
    staff.page.goto(f"/instances/{instance.pk}/connect/")
    staff.page.fill("input[name=hours]", "2")
    staff.page.click("button:has-text('Issue a customer link')")
    url = staff.page.input_value("#link-url")
    assert url.startswith(f"{live_server.url}/l/")
    staff.shot("3-link-issued")
    staff.context.close()

    customer = open_session(browser, live_server.url)  # no cookies: not logged in
    page = customer.page
    page.goto(url)
    page.wait_for_selector("img[data-qr]")
    customer.shot("3-link-opened")
    customer.mark()
    assert str(instance.pk) not in page.content()

    sandbox.scan(decode_qr(customer.image()), phone_number=79005550113)
    page.wait_for_selector('[data-step="linked"]')
    assert customer.not_reloaded()
    assert "…0113" in page.inner_text(".success")
    customer.shot("3-link-linked")

    page.reload()
    assert "This phone is already linked" in page.inner_text("main")
    customer.shot("3-link-already-linked")
    link = OnboardingLink.objects.get()
    assert link.used_at is not None
    assert AuditEvent.objects.filter(action="onboarding.link_open").count() == 1
    customer.recorder.assert_no_secret(instance.api_token, settings.GREEN_API_PARTNER_TOKEN)

    expired = onboarding_link_issue(instance=instance, user=reseller_a_user, hours=1)
    OnboardingLink.objects.filter(pk=expired.link.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    page.goto(expired.url)
    assert "This link has expired — ask your provider for a new one." in page.inner_text("main")
    customer.shot("3-link-expired")

    revoked = onboarding_link_issue(instance=instance, user=reseller_a_user, hours=1)
    OnboardingLink.objects.filter(pk=revoked.link.pk).update(revoked_at=timezone.now())
    page.goto(revoked.url)
    assert "This link was revoked" in page.inner_text("main")
    customer.shot("3-link-revoked")
    customer.context.close()


def test_a_rotated_qr_code_is_replaced_on_the_page(
    browser: Browser,
    live_server: Any,
    reseller_a_user: User,
    sandbox: SandboxControl,
    e2e_settings: Any,
) -> None:
    e2e_settings.SANDBOX_QR_ROTATION_SECONDS = 5
    instance = make_instance(reseller_a_user.reseller)
    session = open_session(browser, live_server.url)
    page = session.page
    log_in(session, reseller_a_user)
    page.goto(f"/instances/{instance.pk}/connect/")
    page.wait_for_selector("img[data-qr]")
    session.mark()
    src, first = _shown_qr(session)

    # A new src can still show the old code (its image was fetched just before the rotation):
    # follow the src until the code on screen changes.
    second = first
    for _ in range(3):
        page.wait_for_function(_QR_LOADED, arg=src, timeout=15_000)
        src, second = _shown_qr(session)
        if second != first:
            break

    assert session.not_reloaded()
    assert second != first
    assert int(second.rsplit(",", 1)[1]) > int(first.rsplit(",", 1)[1])
    session.shot("4-rotated")
    session.context.close()


# The QR image shows a fully loaded picture of a src other than `src` (None: of any src).
_QR_LOADED = """src => {
  const img = document.querySelector("img[data-qr]");
  return img !== null && img.getAttribute("src") !== src && img.complete && img.naturalWidth > 0;
}"""


def _shown_qr(session: Session) -> tuple[str, str]:
    """The QR image's src and the text of the code on screen, read from a screenshot of it.

    Not a second fetch of the src: the server answers with the code current at that moment,
    which may be newer than the one the page shows. A src that changes while the screenshot is
    taken means the picture may be of either image, so it is taken again.
    """
    image = session.page.locator("img[data-qr]")
    for _ in range(5):
        session.page.wait_for_function(_QR_LOADED, arg=None)
        src = image.get_attribute("src")
        shot = image.screenshot()
        if src and image.get_attribute("src") == src:
            return src, decode_qr(shot)
    raise AssertionError("the QR image kept changing while it was being read")


def test_polling_pauses_while_the_tab_is_hidden(
    browser: Browser, live_server: Any, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller)
    session = open_session(browser, live_server.url, clock=True)
    page = session.page
    log_in(session, reseller_a_user)
    page.goto(f"/instances/{instance.pk}/connect/")
    page.wait_for_selector("img[data-qr]")

    page.evaluate(_VISIBILITY.format(state="hidden"))
    session.wait_fetches_settled()  # a poll already on its way lands
    polls = session.fetched("/status")
    page.clock.run_for(7500)  # the page's next 7.5 s of timers, at once
    assert session.fetched("/status") == polls

    with page.expect_request(lambda request: "/status" in request.url):
        page.evaluate(_VISIBILITY.format(state="visible"))
    assert session.fetched("/status") == polls + 1  # shown again: it asks at once
    session.context.close()


# Headless tabs are always visible; make the page believe otherwise, as a hidden tab would.
_VISIBILITY = """() => {{
  Object.defineProperty(document, "visibilityState", {{value: "{state}", configurable: true}});
  document.dispatchEvent(new Event("visibilitychange"));
}}"""
