"""The branded customer page in a real browser: a phone puts the pairing code first, a desktop
the QR code; copy buttons copy; the issued-link page copies the link and shares it if it can."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect

from accounts.models import ResellerBrand, User
from instances.models import Instance
from instances.services.links import onboarding_link_issue
from tests.e2e.conftest import Recorder, Session, log_in
from tests.support.onboarding import make_instance
from tests.support.sandbox import SandboxControl

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("e2e_settings")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def open_at(browser: Browser, base_url: str, viewport: dict[str, int]) -> Session:
    """A fresh context at this size that may read and write the clipboard."""
    context = browser.new_context(
        base_url=base_url,
        viewport=viewport,  # type: ignore[arg-type]  # Playwright's ViewportSize is a TypedDict
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    recorder = Recorder()
    page.on("response", recorder)
    page.on("console", recorder.on_console)
    return Session(context=context, page=page, recorder=recorder, base_url=base_url)


def clipboard(session: Session) -> str:
    return str(session.page.evaluate("navigator.clipboard.readText()"))


@pytest.fixture
def branded_link(reseller_a_user: User, sandbox: SandboxControl) -> tuple[Instance, str]:
    reseller = reseller_a_user.reseller
    assert reseller is not None
    ResellerBrand.objects.create(
        reseller=reseller,
        display_name="Corner Telecom",
        support_email="help@corner.example",
        support_url="https://wa.me/79001234567",
    )
    instance = make_instance(reseller)
    return instance, onboarding_link_issue(instance=instance, user=reseller_a_user, hours=2).url


def _top(session: Session, selector: str) -> float:
    box = session.page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["y"])


def test_on_a_phone_the_pairing_form_comes_first_and_the_code_copies(
    browser: Browser, live_server: Any, branded_link: tuple[Instance, str]
) -> None:
    instance, path = branded_link
    session = open_at(browser, live_server.url, PHONE)
    page = session.page
    page.goto(path)
    page.wait_for_selector("img[data-qr]")

    assert page.inner_text(".brand-header") == "Corner Telecom"
    assert _top(session, "[data-pairing] form") < _top(session, "img[data-qr]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"
    session.shot("brand-phone-390-opened")

    page.fill("input[name=phone_number]", "+7 900 555-01-14")
    page.click("button:has-text('Get a code')")
    code = page.inner_text("[data-pairing-code]", timeout=15_000).strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    copy = page.locator("[data-pairing] button[data-copy]")
    copy.click()
    page.wait_for_selector("[data-pairing] button[data-copy][data-copied]")
    assert copy.inner_text().startswith("Copied")
    assert clipboard(session) == code.replace("-", "")
    # Screen readers hear it through a polite live region.
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    session.shot("brand-phone-390-code-copied")

    session.recorder.assert_no_secret(instance.api_token, settings.GREEN_API_PARTNER_TOKEN)
    session.context.close()


def test_on_a_desktop_the_qr_code_comes_first(
    browser: Browser, live_server: Any, branded_link: tuple[Instance, str]
) -> None:
    _instance, path = branded_link
    session = open_at(browser, live_server.url, DESKTOP)
    page = session.page
    page.goto(path)
    page.wait_for_selector("img[data-qr]")

    assert _top(session, "img[data-qr]") < _top(session, "[data-pairing] form")
    assert "help@corner.example" in page.inner_text(".brand-contact")
    session.shot("brand-desktop-1366-opened")
    assert session.recorder.console_errors == []
    session.context.close()


def test_the_issued_link_page_copies_the_link_and_shares_only_where_it_can(
    browser: Browser, live_server: Any, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller)
    session = open_at(browser, live_server.url, PHONE)
    page = session.page
    log_in(session, reseller_a_user)
    page.goto(f"/instances/{instance.pk}/connect/")
    page.click("button:has-text('Issue a customer link')")
    url = page.input_value("#link-url")

    page.click("button[data-copy-target='#link-url']")
    page.wait_for_selector("button[data-copy-target='#link-url'][data-copied]")

    assert clipboard(session) == url
    can_share = page.evaluate("typeof navigator.share === 'function'")
    assert page.locator("button[data-share-target]").is_visible() == can_share
    session.shot("brand-link-issued-copied")
    assert session.recorder.console_errors == []
    session.context.close()
