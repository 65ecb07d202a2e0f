"""What a screen reader hears on the onboarding page (issue 12): not every tick of a clock.

The polled status is swapped in every 2 s and its clocks tick every second; none of that sits in
a live region. One polite status region ([data-announcer]) says what changed: a pairing code's
last minute at 60, 30 and 10 s, its end, and a new step. Every text set on it is recorded, in the
page's language, while the page's timers run on Playwright's clock.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from accounts.models import User
from tests.e2e.conftest import log_in, open_session
from tests.support.onboarding import make_instance
from tests.support.sandbox import SandboxControl

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("e2e_settings")]

# Record every text the status region is given (it is emptied before each, so that the same
# words said again are read out again).
_LISTEN = """() => {
  window.__said = [];
  const region = document.querySelector("[data-announcer]");
  new MutationObserver(() => {
    const text = region.textContent.trim();
    if (text) window.__said.push(text);
  }).observe(region, {childList: true, characterData: true, subtree: true});
  return region.getAttribute("role");
}"""
_SAID = "() => window.__said"
# Clocks or the polled status inside any live region would be read out as they change.
_TICKING_IN_LIVE = """() => document.querySelectorAll(
  ":is([aria-live], [role=status], [role=alert], [role=log], [role=timer]) "
  + ":is([data-countdown], [data-elapsed], [data-swap-target])").length"""

TEXTS = {
    "en": {
        "60": "The code expires in 60 seconds.",
        "30": "The code expires in 30 seconds.",
        "10": "The code expires in 10 seconds.",
        "expired": "The code has expired. Ask for a new one.",
        "gone": "no longer: ask for a new one",
        "linked": "Linked. The phone +79005550117 is linked to this instance.",
        "unit": " s",
    },
    "ru": {
        "60": "Код истечёт через 60 секунд.",
        "30": "Код истечёт через 30 секунд.",
        "10": "Код истечёт через 10 секунд.",
        "expired": "Срок действия кода истёк. Запросите новый.",
        "gone": "уже нет: запросите новый",
        "linked": "Привязан. Телефон +79005550117 привязан к этому инстансу.",
        "unit": " с",  # noqa: RUF001  (Cyrillic es: the Russian for "s")
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_countdowns_are_read_out_at_coarse_steps_only(
    browser: Browser,
    live_server: Any,
    reseller_a_user: User,
    sandbox: SandboxControl,
    language: str,
) -> None:
    texts = TEXTS[language]
    reseller_a_user.language = language
    reseller_a_user.save(update_fields=["language"])
    instance = make_instance(reseller_a_user.reseller)
    session = open_session(browser, live_server.url, clock=True)
    page = session.page
    log_in(session, reseller_a_user)
    page.goto(f"/instances/{instance.pk}/connect/")
    page.wait_for_selector("img[data-qr]")
    assert page.evaluate(_LISTEN) == "status"
    assert page.evaluate(_TICKING_IN_LIVE) == 0

    # Ten seconds of polls and of the QR code's countdown: the clock ticks, nothing is said.
    page.clock.run_for(10_000)
    session.wait_fetches_settled()
    assert page.inner_text("[data-swap-target] [data-countdown]").endswith(texts["unit"])
    assert page.evaluate(_SAID) == []

    page.fill("input[name=phone_number]", "+7 900 555-01-17")
    page.locator("[data-pairing] form button[type=submit]").click()
    code = page.inner_text("[data-pairing-code]", timeout=15_000).strip()
    assert page.evaluate(_TICKING_IN_LIVE) == 0

    # 150 s to type it: said at 60, 30 and 10 s left and when it ends; nothing in between.
    page.clock.run_for(95_000)
    assert page.evaluate(_SAID) == [texts["60"]]
    left = page.inner_text("[data-pairing] [data-countdown]")
    assert left in {"54" + texts["unit"], "55" + texts["unit"]}  # from 149 or 150 s
    page.clock.run_for(60_000)
    assert page.evaluate(_SAID) == [texts["60"], texts["30"], texts["10"], texts["expired"]]
    assert page.inner_text("[data-pairing] [data-countdown]") == texts["gone"]
    session.shot(f"screen-reader/code-expired-{language}")

    # A new step is said once, however many polls bring it again.
    assert sandbox.pair(instance.pk, code).status_code == 200
    page.clock.run_for(2_000)
    page.wait_for_selector('[data-step="linked"]')
    page.clock.run_for(500)
    page.wait_for_function("() => window.__said.length === 5")
    assert page.evaluate(_SAID)[-1] == texts["linked"]
    session.context.close()
