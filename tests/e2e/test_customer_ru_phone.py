"""A customer opens a reseller's link on the phone they are linking, in Russian, and links it by
pairing code: the page speaks the browser's language, names the reseller (its name, logo and
contact) and nothing of the partner or the portal, and puts the pairing code first.

A screenshot lands in test-artifacts/customer-ru-phone.png (the code shown) and
customer-ru-phone-linked.png.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from accounts.branding import logo_clean
from accounts.models import ResellerBrand, User
from instances.models import Instance
from instances.services.links import onboarding_link_issue
from tests.e2e.conftest import Recorder, Session
from tests.support.onboarding import make_instance
from tests.support.sandbox import SandboxControl

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("e2e_settings")]

PHONE = {"width": 390, "height": 844}
CYRILLIC = re.compile("[\u0400-\u04ff]")
BRAND = {
    "display_name": "Corner Telecom",
    "support_phone": "+7 900 123-45-67",
    "support_email": "help@corner.example",
    "support_url": "https://t.me/cornertelecom",
}
# What the customer must never see: the partner's own brand and the portal's internals.
PARTNER = {
    "PARTNER_DISPLAY_NAME": "Big Partner Ltd",
    "PARTNER_SUPPORT_PHONE": "+44 20 7946 0000",
    "PARTNER_SUPPORT_EMAIL": "care@partner.example",
    "PARTNER_SUPPORT_URL": "https://t.me/bigpartner",
}

# The page's visible headings, steps and controls' words, to be read in the page's language.
_TEXTS = """() => [...document.querySelectorAll(
    'h1, h2, h3, .steps li, .howto li, main label, main button')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => el.innerText.trim())
  .filter(Boolean)"""
_LOGO_SHOWN = """() => {
  const img = document.querySelector("img.brand-logo");
  return Boolean(img && img.complete && img.naturalWidth > 0);
}"""


def _logo_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 48), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def ru_branded_link(
    settings: Any, reseller_a_user: User, sandbox: SandboxControl
) -> tuple[Instance, str]:
    for name, value in PARTNER.items():
        setattr(settings, name, value)
    reseller = reseller_a_user.reseller
    assert reseller is not None
    png = _logo_png()
    logo = logo_clean(io.BytesIO(png), size=len(png))
    ResellerBrand.objects.create(
        reseller=reseller,
        logo=logo.data,
        logo_type=logo.content_type,
        logo_name="e2e-corner-logo.png",
        **BRAND,
    )
    instance = make_instance(reseller)
    return instance, onboarding_link_issue(instance=instance, user=reseller_a_user, hours=2).url


def _open_phone_in_russian(browser: Browser, base_url: str) -> Session:
    """A phone whose browser asks for Russian, as a Russian-speaking customer's would."""
    context = browser.new_context(
        base_url=base_url,
        viewport=PHONE,  # type: ignore[arg-type]  # Playwright's ViewportSize is a TypedDict
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
        extra_http_headers={"Accept-Language": "ru-RU,ru;q=0.9"},
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    recorder = Recorder()
    page.on("response", recorder)
    page.on("console", recorder.on_console)
    return Session(context=context, page=page, recorder=recorder, base_url=base_url)


def _top(page: Page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["y"])


def test_a_customer_links_a_phone_by_code_on_a_branded_page_in_russian(
    browser: Browser,
    live_server: Any,
    reseller_a_user: User,
    ru_branded_link: tuple[Instance, str],
    sandbox: SandboxControl,
) -> None:
    instance, path = ru_branded_link
    session = _open_phone_in_russian(browser, live_server.url)
    page = session.page
    page.goto(path)
    page.wait_for_selector("img[data-qr]")
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    # Whose page it is: the reseller's name, logo and contact.
    assert BRAND["display_name"] in page.inner_text(".brand-header")
    page.wait_for_function(_LOGO_SHOWN)
    contact = page.inner_text(".brand-contact")
    assert BRAND["support_phone"] in contact
    assert BRAND["support_email"] in contact
    expect(page.locator(f".brand-contact a[href='{BRAND['support_url']}']")).to_be_visible()

    # On the phone itself the pairing code comes first: the QR code cannot be scanned by it.
    pairing = page.locator("[data-pairing]")
    assert _top(page, "[data-pairing] form") < _top(page, "img[data-qr]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"
    texts = [page.title(), *page.evaluate(_TEXTS)]

    pairing.locator("input[name=phone_number]").tap()
    page.keyboard.type("+7 900 555-01-16")
    pairing.locator("form button[type=submit]").tap()
    code = pairing.locator("[data-pairing-code]").inner_text(timeout=15_000).strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    copy = pairing.locator("button[data-copy]")
    expect(copy).to_be_visible()
    assert copy.get_attribute("data-copy") == code.replace("-", "")
    texts += page.evaluate(_TEXTS)
    session.shot("customer-ru-phone")

    assert sandbox.pair(instance.pk, code).status_code == 200
    page.wait_for_selector('[data-step="linked"]')
    assert "0116" in page.inner_text(".success")
    texts += page.evaluate(_TEXTS)
    session.shot("customer-ru-phone-linked")

    # Nothing of the partner or the portal: not its brand, the reseller's own record, the
    # instance, nor its token.
    shown = page.content()
    reseller = reseller_a_user.reseller
    assert reseller is not None
    internals = (
        *PARTNER.values(),
        reseller.name,
        str(instance.pk),
        "/instances/",
        "Partner Portal",
    )
    assert [internal for internal in internals if internal in shown] == []
    session.recorder.assert_no_secret(instance.api_token, settings.GREEN_API_PARTNER_TOKEN)

    # And it is in Russian: every heading, step and button the customer saw; the switcher
    # offers English in its own name.
    english = sorted({text for text in texts if not CYRILLIC.search(text)})
    assert english == [], f"shown in English on the Russian page: {english}"
    expect(page.locator(".language-switcher [lang=en]")).to_have_text("English")
    session.context.close()
