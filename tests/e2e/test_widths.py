"""Every page fits a 390 px phone and a 1366 px desktop: nothing scrolls sideways.

Each page of the access matrix, for each role that may open it, at 390 x 844 and 1366 x 900,
in English and in Russian (whose words are longer): the page speaks the language asked for
(<html lang>), the document's and the body's scroll width never pass the viewport's width, and
on the phone everything to tap (buttons, fields, the menu's links) is at least 44 px high
(boxes to tick: 24 px). A screenshot of each lands in
test-artifacts/widths/<language>/<role>-<page>-<width>.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from tests.e2e.conftest import log_in, open_session
from tests.e2e.pages import DESKTOP, LANGUAGES, PHONE, ROLES, Visit, walk
from tests.support.personas import World

# Skipped without Chromium, or failed under E2E_REQUIRED=1: see tests/e2e/conftest.py.
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

_WIDTHS = """() => ({
  viewport: window.innerWidth,
  document: document.documentElement.scrollWidth,
  body: document.body.scrollWidth,
  // The outermost elements past the right edge: the ones to fix.
  widest: [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .filter((el) => el.parentElement.getBoundingClientRect().right <= window.innerWidth + 0.5)
    .slice(0, 4)
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')),
})"""


# Visible controls smaller than a finger. Links inside text are exempt (WCAG 2.5.8).
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, .btn, select, textarea, input:not([type=hidden]), .mainnav a')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .filter((el) => {
    const box = el.getBoundingClientRect();
    const least = el.matches('[type=checkbox], [type=radio]') ? 24 : 44;
    return box.height + 0.5 < least || box.width + 0.5 < 24;
  })
  .map((el) => el.outerHTML.slice(0, 80))"""


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways(
    browser: Browser, live_server: Any, world: World, role: str
) -> None:
    problems: list[str] = []

    def check(page: Page, visit: Visit) -> None:
        page.screenshot(path=visit.screenshot_path("widths"), full_page=True)
        lang = page.get_attribute("html", "lang")
        if lang != visit.language:
            problems.append(f"{visit.label}: <html lang={lang!r}>, asked for {visit.language!r}")
        seen = page.evaluate(_WIDTHS)
        if max(seen["document"], seen["body"]) > seen["viewport"]:
            problems.append(
                f"{visit.label}: {max(seen['document'], seen['body'])} px wide in a "
                f"{seen['viewport']} px viewport; past its edge: {seen['widest']}"
            )

        if visit.width == PHONE["width"]:
            problems.extend(
                f"{visit.label}: too small to tap: {html}" for html in page.evaluate(_SMALL_TARGETS)
            )

    # One browser for both languages; a context for each.
    visited = walk(browser, live_server.url, world, role, check, languages=LANGUAGES)

    # The walk must really have opened pages: at least the role's own two at both widths, in
    # each language.
    assert len(visited) >= 4 * len(LANGUAGES), visited
    assert {visit.language for visit in visited} == set(LANGUAGES)
    assert not problems, "\n".join(problems)


def test_on_a_phone_the_menu_folds_behind_a_button_that_works_from_the_keyboard(
    browser: Browser, live_server: Any, reseller_a_user: User
) -> None:
    session = open_session(browser, live_server.url)
    log_in(session, reseller_a_user)
    page = session.page
    page.set_viewport_size(PHONE)
    page.goto("/account/")
    toggle = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    log_out = page.get_by_role("button", name="Log out")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    expect(log_out).to_be_hidden()

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(log_out).to_be_visible()
    session.shot("widths/menu-open-390")
    page.keyboard.press("Tab")  # into the menu: its first link
    expect(nav.get_by_role("link").first).to_be_focused()

    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(nav).to_be_hidden()

    # On a desktop there is no button: the navigation is always there.
    page.set_viewport_size(DESKTOP)
    expect(toggle).to_be_hidden()
    expect(nav).to_be_visible()
    expect(log_out).to_be_visible()
    assert session.recorder.console_errors == []
    session.context.close()
