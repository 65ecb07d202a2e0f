"""The API token pages in Chromium: a new token's secret shown once, with a copy button, and
every token page fitting a 390 px phone with no serious accessibility violation (the same checks
as test_widths.py and test_accessibility.py, which walk these pages too, for every role)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from api.models import ApiToken
from tests.e2e.conftest import Recorder, Session, log_in
from tests.e2e.pages import DESKTOP, PHONE, furnish
from tests.e2e.test_accessibility import _FIELD_BORDERS, _RUN_AXE, BLOCKING, axe_script
from tests.e2e.test_widths import _SMALL_TARGETS, _WIDTHS
from tests.support.personas import World

pytestmark = [pytest.mark.e2e]
__all__ = ["axe_script"]  # the fixture, shared


def _problems(page: Page, where: str, axe: str, width: int) -> list[str]:
    found = []
    seen = page.evaluate(_WIDTHS)
    if max(seen["document"], seen["body"]) > seen["viewport"]:
        found.append(f"{where}: {seen['document']} px wide; past the edge: {seen['widest']}")
    if width == PHONE["width"]:
        found += [f"{where}: too small to tap: {html}" for html in page.evaluate(_SMALL_TARGETS)]
    page.add_script_tag(path=axe)
    found += [
        f"{where}: {v['id']} ({v['impact']}): {v['help']} at {v['targets'][:3]}"
        for v in page.evaluate(_RUN_AXE)
        if v["impact"] in BLOCKING
    ]
    found += [
        f"{where}: field border {r:.2f}:1: {html}" for r, html in page.evaluate(_FIELD_BORDERS)
    ]
    return found


def test_a_token_is_created_shown_once_and_every_page_fits_a_phone(
    browser: Browser, live_server: Any, world: World, axe_script: str
) -> None:
    furnish(world)
    # bypass_csp: the checks inject axe-core, a script the policy would refuse.
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, bypass_csp=True)
    context.set_default_timeout(20_000)
    session = Session(context=context, page=context.new_page(), recorder=Recorder(), base_url="")
    session.page.on("response", session.recorder)
    page = session.page
    log_in(session, world.admin)
    problems: list[str] = []
    furnished = ApiToken.objects.filter(user=world.admin).get()

    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        for url in (
            "/account/api-tokens/",
            "/account/api-tokens/new/",
            f"/account/api-tokens/{furnished.pk}/revoke/",
            "/api-tokens/",
            f"/api-tokens/{furnished.pk}/revoke/",
        ):
            page.goto(url)
            problems += _problems(page, f"{url} at {size['width']}", axe_script, size["width"])

    page.set_viewport_size(PHONE)
    page.goto("/account/api-tokens/new/")
    page.get_by_label("Name").fill("Shop platform on Long Street, orders and deliveries")
    page.get_by_label("Expires after (days)").fill("30")
    page.get_by_label("Read instances").check()
    page.get_by_role("button", name="Create the token").click()

    secret_field = page.locator("#new-api-token")
    expect(secret_field).to_have_value(re.compile(r"^ppat_[A-Za-z0-9_-]{43}$"))
    secret = secret_field.input_value()
    expect(page.get_by_role("button", name="Copy the API token")).to_be_visible()
    problems += _problems(page, "the new token at 390", axe_script, PHONE["width"])
    session.shot("api-token-created-390")

    page.go_back()
    page.goto("/account/api-tokens/")
    name = "Shop platform on Long Street, orders and deliveries"
    expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
    assert secret not in page.content()
    assert ApiToken.objects.filter(user=world.admin).count() == 2
    # The secret reached the browser once: in the answer to the POST that made it.
    assert [url for url, body in session.recorder.bodies if secret.encode() in body] == [
        live_server.url + "/account/api-tokens/new/"
    ]
    assert not problems, "\n".join(problems)
