"""A support agent links a customer's phone with the keyboard alone (WCAG 2.1.1).

Tab, Shift+Tab, Enter, Space and typing only: no mouse, no element.click(). The agent logs in,
opens the instance's onboarding page, reaches the pairing-code form, types the phone number,
sends it, copies the code from its copy button, and the page says linked once the phone (the
emulator) has taken the code. Every control reached shows where the focus is.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from accounts.models import Reseller, User
from tests.e2e.conftest import Recorder, Session
from tests.e2e.keyboard import assert_focus_visible, tab_to
from tests.support.onboarding import make_instance
from tests.support.personas import PASSWORD
from tests.support.sandbox import SandboxControl

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("e2e_settings")]


def _open(browser: Browser, base_url: str) -> Session:
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": 1366, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    recorder = Recorder()
    page.on("response", recorder)
    page.on("console", recorder.on_console)
    return Session(context=context, page=page, recorder=recorder, base_url=base_url)


def _log_in_by_keyboard(page: Page, user: User) -> None:
    page.goto("/login/")
    tab_to(page, page.locator("input[name=username]"))
    page.keyboard.type(user.get_username())
    tab_to(page, page.locator("input[name=password]"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/instances/.*"))


def test_a_support_agent_links_a_phone_by_pairing_code_with_the_keyboard_alone(
    browser: Browser,
    live_server: Any,
    support: User,
    reseller_a: Reseller,
    sandbox: SandboxControl,
) -> None:
    instance = make_instance(reseller_a)
    session = _open(browser, live_server.url)
    page = session.page
    _log_in_by_keyboard(page, support)

    page.goto(f"/instances/{instance.pk}/connect/")
    pairing = page.locator("[data-pairing]")
    phone = pairing.locator("input[name=phone_number]")
    phone.wait_for(state="visible")  # shown once the instance is ready for linking

    tab_to(page, phone)
    page.keyboard.type("+7 900 555-01-15")
    tab_to(page, pairing.locator("form button[type=submit]"))
    session.shot("keyboard/1-code-asked")
    page.keyboard.press("Enter")

    code_shown = pairing.locator("[data-pairing-code]")
    code = code_shown.inner_text(timeout=15_000).strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    # The code arrived in a new panel: the focus goes to the code (read out by screen readers),
    # not back to the top of the page.
    expect(code_shown).to_be_focused()
    assert_focus_visible(page)

    # On to the form's button again, then back up to the code's copy button, and copy it.
    new_code = pairing.locator("form button[type=submit]")
    tab_to(page, new_code)
    copy = pairing.locator("button[data-copy]")
    tab_to(page, copy, backwards=True)
    page.keyboard.press("Space")
    expect(copy).to_have_attribute("data-copied", re.compile(".*"))
    assert page.evaluate("navigator.clipboard.readText()") == code.replace("-", "")
    assert_focus_visible(page)
    session.shot("keyboard/2-code-copied")

    assert sandbox.pair(instance.pk, code).status_code == 200
    page.wait_for_selector('[data-step="linked"]')
    assert "+79005550115" in page.inner_text(".success")
    session.shot("keyboard/3-linked")

    session.recorder.assert_no_secret(instance.api_token, settings.GREEN_API_PARTNER_TOKEN)
    session.context.close()
