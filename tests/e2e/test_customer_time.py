"""A customer's page shows its times in the browser's own time zone and the page's language
(static/js/local_time.js), whatever zone the partner runs in; and its language switcher works
for a customer without an account, remembered by the browser.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from accounts.models import User
from instances.models import OnboardingLink
from instances.services.links import onboarding_link_issue
from tests.e2e.conftest import Recorder, Session
from tests.support.onboarding import make_instance
from tests.support.sandbox import SandboxControl

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("e2e_settings")]

# 20:45 UTC on 1 March: already 2 March, 01:45, in Yekaterinburg (UTC+5 all year); 15:45 on
# 1 March in New York (EST, UTC-5 until the second Sunday of March).
EXPIRES = datetime(2030, 3, 1, 20, 45, tzinfo=UTC)


@pytest.fixture
def link_path(settings: Any, reseller_a_user: User, sandbox: SandboxControl) -> str:
    settings.PARTNER_TIME_ZONE = "Europe/Moscow"  # the server's fallback text: 23:45 MSK
    reseller = reseller_a_user.reseller
    assert reseller is not None
    instance = make_instance(reseller)
    path = onboarding_link_issue(instance=instance, user=reseller_a_user, hours=2).url
    OnboardingLink.objects.update(expires_at=EXPIRES)
    return path


def _open(
    browser: Browser, base_url: str, *, zone: str, locale: str, javascript: bool = True
) -> Session:
    context = browser.new_context(
        base_url=base_url,
        java_script_enabled=javascript,
        timezone_id=zone,
        locale=locale,
        extra_http_headers={"Accept-Language": f"{locale},{locale[:2]};q=0.9"},
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    recorder = Recorder()
    page.on("response", recorder)
    page.on("console", recorder.on_console)
    return Session(context=context, page=page, recorder=recorder, base_url=base_url)


def _shown_time(session: Session) -> str:
    moment = session.page.locator("time[data-local]")
    expect(moment).to_have_attribute("data-local", "shown")
    assert moment.get_attribute("datetime") == "2030-03-01T20:45:00Z"
    return moment.inner_text()


def test_the_links_end_in_yekaterinburg_in_russian(
    browser: Browser, live_server: Any, link_path: str
) -> None:
    session = _open(browser, live_server.url, zone="Asia/Yekaterinburg", locale="ru-RU")
    session.page.goto(link_path)

    shown = _shown_time(session)

    assert re.search(r"2 мар\.? 2030", shown), shown
    assert "01:45" in shown
    assert "GMT+5" in shown or "YEKT" in shown, shown
    assert "23:45" not in shown  # not the partner's zone
    assert "MSK" not in shown
    assert "Ссылка действует до" in session.page.inner_text(".link-expires")
    title = session.page.locator("time[data-local]").get_attribute("title")
    assert title == "Asia/Yekaterinburg"
    assert session.recorder.console_errors == []
    session.context.close()


def test_the_links_end_in_new_york_in_english(
    browser: Browser, live_server: Any, link_path: str
) -> None:
    session = _open(browser, live_server.url, zone="America/New_York", locale="en-US")
    session.page.goto(link_path)

    shown = _shown_time(session)

    assert "Mar 1, 2030" in shown, shown
    assert re.search(r"3:45\sPM", shown), shown
    assert "EST" in shown, shown
    assert "This link works until" in session.page.inner_text(".link-expires")
    session.context.close()


def test_a_customer_switches_the_language_and_the_browser_keeps_it(
    browser: Browser, live_server: Any, link_path: str
) -> None:
    session = _open(browser, live_server.url, zone="Asia/Yekaterinburg", locale="ru-RU")
    page = session.page
    page.goto(link_path)
    expect(page.locator("h1")).to_have_text("Привяжите аккаунт WhatsApp")

    with page.expect_request(re.compile(r".*/language/$")) as switching:
        page.click(".language-switcher button[lang=en]")

    # The switcher's post names the site alone: never the link's path, the token in it.
    headers = switching.value.headers
    assert headers.get("referer") in (None, live_server.url + "/"), headers
    assert headers.get("origin") == live_server.url
    expect(page.locator("h1")).to_have_text("Link your WhatsApp account")
    assert page.url == live_server.url + link_path
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shown = _shown_time(session)
    assert "Mar 2, 2030" in shown, shown
    assert re.search(r"1:45\sAM", shown), shown
    # The browser still asks for Russian: the cookie the switcher set outweighs it.
    page.reload()
    expect(page.locator("h1")).to_have_text("Link your WhatsApp account")
    page.click(".language-switcher button[lang=ru]")
    expect(page.locator("h1")).to_have_text("Привяжите аккаунт WhatsApp")
    assert session.recorder.console_errors == []
    session.context.close()


def test_without_javascript_the_code_form_works_and_the_server_time_shows(
    browser: Browser, live_server: Any, link_path: str
) -> None:
    """The form posts the whole page (no Origin: null refused by CSRF); the time stays the
    server's text, in the partner's zone, labelled."""
    session = _open(
        browser, live_server.url, zone="Asia/Yekaterinburg", locale="ru-RU", javascript=False
    )
    page = session.page
    page.goto(link_path)
    assert page.inner_text("time[data-local]") == "01.03.2030 23:45 MSK"
    form = page.locator("[data-pairing] form")
    for _ in range(40):  # as the page says: refresh to see the instance ready
        if form.is_visible():
            break
        page.wait_for_timeout(500)
        page.reload()

    page.fill("[data-pairing] input[name=phone_number]", "+7 900 555-01-16")
    page.click("[data-pairing] form button[type=submit]")

    code = page.locator("[data-pairing-code]").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    expect(page.locator("h1")).to_have_text("Привяжите аккаунт WhatsApp")
    session.context.close()
