"""Every page fits a 390 px phone and a 1366 px desktop: nothing scrolls sideways.

Each page of the access matrix, for each role that may open it, at 390 x 844 and 1366 x 900:
the document's and the body's scroll width never pass the viewport's width. A screenshot of
each lands in test-artifacts/widths/<role>-<page>-<width>.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.pages import ROLES, Visit, walk
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


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways(
    browser: Browser, live_server: Any, world: World, role: str
) -> None:
    too_wide: list[str] = []

    def check(page: Page, visit: Visit) -> None:
        page.screenshot(path=visit.screenshot_path("widths"), full_page=True)
        seen = page.evaluate(_WIDTHS)
        if max(seen["document"], seen["body"]) > seen["viewport"]:
            too_wide.append(
                f"{visit.label}: {max(seen['document'], seen['body'])} px wide in a "
                f"{seen['viewport']} px viewport; past its edge: {seen['widest']}"
            )

    visited = walk(browser, live_server.url, world, role, check)

    # The walk must really have opened pages: at least the role's own two at both widths.
    assert len(visited) >= 4, visited
    assert not too_wide, "\n".join(too_wide)
