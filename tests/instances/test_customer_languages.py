# ruff: noqa: RUF001  (Russian text, its letters are meant)
"""A customer link's pages speak the customer's language: the browser's (Accept-Language) until
the switcher picks one, which a cookie remembers. Times are sent as `<time datetime>` in UTC,
for the browser to show in its own zone (static/js/local_time.js; tests/e2e/test_customer_time.py).
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from accounts.models import User
from instances.models import Instance, OnboardingLink
from instances.services.links import onboarding_link_issue
from tests.support.pages import page_text
from tests.support.sandbox import SandboxControl

RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9,en;q=0.5"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
HTMX = {"HTTP_HX_REQUEST": "true"}
SWITCHER_NEXT = re.compile(r'<input type="hidden" name="next" value="([^"]*)">')
CONTACT = {
    "PARTNER_DISPLAY_NAME": "Corner Telecom",
    "PARTNER_SUPPORT_PHONE": "+7 900 123-45-67",
    "PARTNER_SUPPORT_URL": "https://t.me/cornertelecom",
}


def issue(instance: Instance, user: User, hours: int = 24) -> str:
    return onboarding_link_issue(instance=instance, user=user, hours=hours).url


@pytest.fixture
def contact(settings: Any) -> Any:
    """The partner's brand and contact, what a reseller without its own shows its customers."""
    for name, value in CONTACT.items():
        setattr(settings, name, value)
    return settings


def test_the_page_follows_a_russian_browser(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, contact: Any
) -> None:
    page = page_text(Client().get(issue(live, reseller_a_user), **RUSSIAN))

    assert '<html lang="ru">' in page
    assert "<title>Corner Telecom · Привяжите телефон</title>" in page
    assert "<h1>Привяжите аккаунт WhatsApp</h1>" in page
    assert "На этом телефоне: получите код для своего номера и введите его в WhatsApp." in page
    assert "Ссылка действует до <time" in page
    assert "Нужна помощь?" in page
    assert "Свяжитесь с Corner Telecom:" in page
    assert "Написать в Telegram" in page
    for english in ("Link your", "On this phone", "This link works until", "Need help?"):
        assert english not in page
    assert "Contact Corner Telecom" not in page


def test_the_page_follows_an_english_browser(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, contact: Any
) -> None:
    page = page_text(Client().get(issue(live, reseller_a_user), **ENGLISH))

    assert '<html lang="en">' in page
    assert "<h1>Link your WhatsApp account</h1>" in page
    assert "This link works until <time" in page
    assert "Need help?" in page
    assert "Contact Corner Telecom:" in page
    assert "Write on Telegram" in page
    assert "Привяжите" not in page


def test_a_page_without_a_brand_name_says_your_provider(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, settings: Any
) -> None:
    settings.PARTNER_SUPPORT_EMAIL = "help@corner.example"
    path = issue(live, reseller_a_user)

    assert "Свяжитесь со своим провайдером:" in page_text(Client().get(path, **RUSSIAN))
    assert "Contact your provider:" in page_text(Client().get(path, **ENGLISH))


def test_the_links_end_is_sent_in_utc_for_the_browser_to_show_in_its_zone(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, settings: Any
) -> None:
    """The text inside is the fallback without JavaScript: the partner's zone, labelled."""
    settings.PARTNER_TIME_ZONE = "Europe/Moscow"
    path = issue(live, reseller_a_user, hours=2)
    expires = OnboardingLink.objects.get().expires_at
    utc = expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    moscow = (expires + timedelta(hours=3)).strftime("%d.%m.%Y %H:%M")

    page = page_text(Client().get(path, **RUSSIAN))

    assert f'<time datetime="{utc}" data-local>{moscow} MSK</time>' in page
    assert "js/local_time.js" in page


@pytest.mark.parametrize(
    ("change", "status", "russian", "english"),
    [
        ("revoke", 410, "Эта ссылка отозвана — попросите у провайдера новую.", "was revoked"),
        ("expire", 410, "Срок действия ссылки истёк — попросите у провайдера новую.", "expired"),
        ("delete", 410, "Эта ссылка больше не работает", "no longer works"),
        ("use", 200, "Этот телефон уже привязан. Страницу можно закрыть.", "already linked"),
    ],
)
def test_a_closed_link_says_why_in_the_customers_language(
    instance_a: Instance, admin: User, change: str, status: int, russian: str, english: str
) -> None:
    path = issue(instance_a, admin, hours=1)
    now = timezone.now()
    if change == "revoke":
        OnboardingLink.objects.update(revoked_at=now)
    elif change == "use":
        OnboardingLink.objects.update(used_at=now)
    elif change == "delete":
        Instance.objects.filter(pk=instance_a.pk).update(deleted=True)
    later = now + timedelta(hours=2) if change == "expire" else now

    with time_machine.travel(later):
        in_russian = Client().get(path, **RUSSIAN)
        in_english = Client().get(path, **ENGLISH)
        fragment = Client().get(f"{path}status", **HTMX, **RUSSIAN)

    assert in_russian.status_code == status
    page = page_text(in_russian)
    assert '<html lang="ru">' in page
    assert "<h1>Привяжите телефон</h1>" in page
    assert russian in page
    assert english not in page
    assert russian in page_text(fragment)
    assert english in page_text(in_english)
    assert "<h1>Link your phone</h1>" in page_text(in_english)


def test_an_unknown_link_says_so_in_the_customers_language(db: None) -> None:
    path = f"/l/{'x' * 43}/"
    russian = page_text(Client().get(path, **RUSSIAN))
    english = page_text(Client().get(path, **ENGLISH))

    assert "Эта ссылка недействительна. Проверьте, что она скопирована целиком" in russian
    assert "This link is not valid" not in russian
    assert "This link is not valid. Check that it was copied whole" in english


@pytest.mark.parametrize(
    ("headers", "wanted", "unwanted"),
    [
        (RUSSIAN, ["Минутку, пожалуйста", "Подождите около", "секунд"], ["One moment"]),
        (ENGLISH, ["One moment, please", "Please wait about", "second"], ["Минутку"]),
    ],
)
def test_the_rate_limited_page_speaks_the_customers_language(
    instance_a: Instance,
    admin: User,
    settings: Any,
    headers: dict[str, str],
    wanted: list[str],
    unwanted: list[str],
) -> None:
    settings.ONBOARDING_LINK_RATE_LIMIT = 1
    path = issue(instance_a, admin)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False):
        client.get(f"{path}qr.png")
        response = client.get(f"{path}status", **headers)

    assert response.status_code == 429
    page = page_text(response)
    assert all(text in page for text in wanted), page
    assert not any(text in page for text in unwanted)
    # Its switcher returns to the link's page, not to the status fragment.
    assert SWITCHER_NEXT.findall(page) == [path]


def test_the_cookie_the_switcher_sets_outweighs_the_browsers_language(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    path = issue(live, reseller_a_user)
    client = Client()
    page = page_text(client.get(path, **ENGLISH))
    assert SWITCHER_NEXT.findall(page) == [path]

    answer = client.post("/language/", {"language": "ru", "next": path}, **ENGLISH)

    assert answer.status_code == 302
    assert answer["Location"] == path
    cookie = answer.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ru"
    assert int(cookie["max-age"]) == django_settings.LANGUAGE_COOKIE_AGE
    assert "<h1>Привяжите аккаунт WhatsApp</h1>" in page_text(client.get(path, **ENGLISH))
    client.post("/language/", {"language": "en", "next": path}, **RUSSIAN)
    assert "<h1>Link your WhatsApp account</h1>" in page_text(client.get(path, **RUSSIAN))


def test_the_switcher_on_the_code_forms_answer_returns_to_the_links_page(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    """Without JavaScript the code form answers with a whole page at .../code, which only takes a
    POST: the switcher must not send the customer back there."""
    path = issue(live, reseller_a_user)

    page = page_text(Client().post(f"{path}code", {"phone_number": "12"}, **RUSSIAN))

    assert "<h1>Привяжите аккаунт WhatsApp</h1>" in page
    assert SWITCHER_NEXT.findall(page) == [path]


def test_the_switcher_never_sends_a_customer_elsewhere(db: None) -> None:
    """Only a path on this site is followed; anything else lands on the site's root."""
    for elsewhere in ("https://evil.example/", "//evil.example/l/x/"):
        answer = Client().post("/language/", {"language": "ru", "next": elsewhere})
        assert answer.status_code == 302
        assert "evil.example" not in answer["Location"]
