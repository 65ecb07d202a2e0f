"""The staff onboarding pages in Russian and English: the page, its polled status, the pairing
panel, the customer links; a shared Green API answer read by each reader in their own
language; and the countdowns kept out of what screen readers read out (issue 12)."""

# ruff: noqa: RUF001  (Russian text: its letters look like Latin ones)

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEvent, User
from instances.models import Instance, OnboardingLink
from instances.services.links import onboarding_link_issue
from tests.support.onboarding import HTMX, later, make_instance, text
from tests.support.pages import speaking
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")

CYRILLIC = re.compile("[\u0400-\u04ff]")


@pytest.fixture(autouse=True)
def _fresh(settings: Any) -> None:
    later()  # no shared answer from an earlier test's instance
    settings.SANDBOX_RATE_LIMITS = False


def page(client: Client, instance: Instance) -> str:
    response = client.get(f"/instances/{instance.pk}/connect/")
    assert response.status_code == 200
    return text(response)


def poll(client: Client, instance: Instance) -> str:
    response = client.get(f"/instances/{instance.pk}/connect/status/", **HTMX)
    assert response.status_code == 200
    return text(response)


def ask_code(client: Client, instance: Instance, phone: str) -> str:
    response = client.post(
        f"/instances/{instance.pk}/connect/code/", {"phone_number": phone}, **HTMX
    )
    return text(response)


# --- the page and its poll -----------------------------------------------------------------


def test_the_onboarding_page_in_russian(live: Instance, reseller_a_user: User) -> None:
    shown = page(speaking(reseller_a_user, "ru"), live)

    assert "Привязать телефон" in shown
    assert "2. Готов к привязке" in shown
    assert "Отсканируйте QR-код в WhatsApp" in shown
    assert 'alt="QR-код для сканирования в WhatsApp"' in shown
    assert "Следующая смена примерно через" in shown
    assert "20 с</strong>" in shown
    assert "<strong>Связанные устройства</strong>" in shown
    assert "Наведите телефон на этот код." in shown
    assert "Привязка по номеру телефона" in shown
    assert "Номер телефона аккаунта WhatsApp" in shown
    assert "С кодом страны, например +7 900 123 45 67." in shown
    assert "Получить код" in shown
    assert "Ссылки для клиента" in shown
    assert "Ссылок для клиента пока нет." in shown
    assert "Срок действия (часов)" in shown
    assert "Выдать ссылку для клиента" in shown
    for english in (
        "Link a phone",
        "Scan the QR code",
        "Next change",
        "Ready to link",
        "Point the phone",
        "Get a code",
        "Customer links",
        "Issue a customer link",
        "With the country code",
    ):
        assert english not in shown


def test_the_onboarding_page_in_english(live: Instance, reseller_a_user: User) -> None:
    shown = page(speaking(reseller_a_user, "en"), live)

    assert "Link a phone" in shown
    assert "Scan the QR code with WhatsApp" in shown
    assert "Next change in about <strong" in shown
    assert "20 s</strong>" in shown
    assert "Link with your phone number" in shown
    assert "Issue a customer link" in shown
    assert not CYRILLIC.search(shown.split("<main", 1)[1].split("</main>", 1)[0])


def test_the_polled_status_in_russian_and_in_english(
    live: Instance, reseller_a_user: User, admin: User
) -> None:
    russian = poll(speaking(reseller_a_user, "ru"), live)
    english = poll(speaking(admin, "en"), live)

    assert "Отсканируйте QR-код в WhatsApp" in russian
    assert "Код меняется примерно каждые 20 секунд" in russian
    assert "Scan the QR code" not in russian
    assert "Scan the QR code with WhatsApp" in english
    assert "The code changes about every 20 seconds" in english
    assert not CYRILLIC.search(english)


def test_a_telegram_instance_is_explained_in_russian(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    instance = make_instance(reseller_a_user.reseller, type_instance="telegram")

    shown = poll(speaking(reseller_a_user, "ru"), instance)

    assert "Отсканируйте QR-код в Telegram" in shown
    assert "<strong>Устройства</strong>" in shown
    assert "Telegram привязывается сканированием кода" in shown


def test_a_new_instance_waits_in_russian(
    reseller_a_user: User, sandbox: SandboxControl, settings: Any
) -> None:
    settings.SANDBOX_CREATE_SECONDS = 3600
    instance = make_instance(
        reseller_a_user.reseller, age=timedelta(seconds=75), state=Instance.State.CREATING
    )

    shown = poll(speaking(reseller_a_user, "ru"), instance)

    assert "Инстанс создаётся" in shown
    assert "1. Создаётся" in shown
    assert 'Ожидание: <strong data-elapsed="75">1 мин 15 с</strong>.' in shown
    assert "being created" not in shown


def test_a_linked_phone_in_russian(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "authorized")

    shown = poll(speaking(reseller_a_user, "ru"), live)

    assert "3. Привязан" in shown
    assert "Телефон <strong data-phone>+" in shown
    assert "привязан к этому инстансу." in shown
    assert "Отправьте тестовое сообщение</a>" in shown
    assert "is linked" not in shown


def test_a_shared_failure_is_worded_for_each_reader(
    live: Instance, reseller_a_user: User, admin: User, sandbox: SandboxControl
) -> None:
    """One qr call serves every open page: its failure is told in each reader's language."""
    sandbox.add_fault("qr", "http429", idInstance=live.pk)

    russian = poll(speaking(reseller_a_user, "ru"), live)
    calls = sandbox.calls(live.pk)["qr"]
    english = poll(speaking(admin, "en"), live)

    assert "Green API сейчас перегружен. Страница продолжает попытки сама." in russian
    assert "Green API is busy right now. The page keeps trying by itself." in english
    assert not CYRILLIC.search(english)
    assert sandbox.calls(live.pk)["qr"] == calls  # the second reader got the same answer


# --- the pairing panel -------------------------------------------------------------------------


def test_the_pairing_code_in_russian(live: Instance, reseller_a_user: User) -> None:
    shown = ask_code(speaking(reseller_a_user, "ru"), live, "+7 900 123-45-67")

    assert "Введите этот код в WhatsApp на телефоне:" in shown
    assert "Он действует ещё <strong data-countdown=" in shown
    assert re.search(r">1(50|49) с</strong>", shown)
    assert 'data-zero-text="уже нет: запросите новый"' in shown
    assert 'data-expired-text="Срок действия кода истёк. Запросите новый."' in shown
    assert "<strong>Привязать по номеру телефона</strong>" in shown
    assert "Получить новый код" in shown
    assert "valid for" not in shown


def test_a_bad_number_and_a_refusal_in_russian_the_audit_in_english(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    client = speaking(reseller_a_user, "ru")
    bad = ask_code(client, live, "0123")
    assert "В номере телефона от 7 до 15 цифр, начиная с кода страны." in bad
    assert "С кодом страны, например +7 900 123 45 67." in bad

    sandbox.set_state(live.pk, "authorized")
    refused = ask_code(client, live, "79001234567")
    assert "Green API сейчас не смог выдать код." in refused
    event = AuditEvent.objects.get(action="onboarding.pairing_code")
    assert "could not make a code just now" in event.detail  # the audit log stays English


# --- customer links ----------------------------------------------------------------------------


def test_customer_links_in_russian(live: Instance, reseller_a_user: User) -> None:
    client = speaking(reseller_a_user, "ru")

    response = client.post(f"/instances/{live.pk}/links/issue/", {"hours": "2"})
    issued = text(response)
    assert "Ссылка для клиента для" not in issued
    assert "Скопируйте ссылку сейчас: она показывается только один раз." in issued
    assert "Ссылка, действует до" in issued
    assert 'alt="Ссылка для клиента в виде QR-кода"' in issued
    assert "Назад к привязке" in issued
    assert "Copy the link now" not in issued

    shown = page(client, live)
    assert "<th>Выдана</th>" in shown
    assert "Активна" in shown
    assert "Отозвать" in shown

    link = OnboardingLink.objects.get()
    revoked = client.post(f"/instances/{live.pk}/links/revoke/", {"link": link.pk}, follow=True)
    assert "Ссылка отозвана. Она больше ничего не открывает." in text(revoked)
    assert "Отозвана" in text(revoked)


def test_a_link_for_a_linked_instance_is_refused_in_russian(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    live.state = Instance.State.AUTHORIZED
    live.save(update_fields=["state"])

    response = speaking(reseller_a_user, "ru").post(
        f"/instances/{live.pk}/links/issue/", {"hours": "2"}, follow=True
    )

    assert "Этот инстанс в состоянии «привязан»" in text(response)


def test_too_many_hours_in_russian(live: Instance, reseller_a_user: User) -> None:
    response = speaking(reseller_a_user, "ru").post(
        f"/instances/{live.pk}/links/issue/", {"hours": "500"}, follow=True
    )

    assert "Ссылка действует не больше 168 часов (7 дней)." in text(response)


def test_the_links_table_in_english(live: Instance, reseller_a_user: User) -> None:
    onboarding_link_issue(instance=live, user=reseller_a_user, hours=2)

    shown = page(speaking(reseller_a_user, "en"), live)

    assert "<th>Issued</th>" in shown
    assert ">Active</span>" in shown
    assert ">never</td>" in shown


# --- what screen readers hear (issue 12) -------------------------------------------------------


class _LiveRegions(HTMLParser):
    """Which elements sit inside a live region (aria-live, or role status/alert/log/timer)."""

    LIVE_ROLES = {"status", "alert", "log", "timer", "marquee"}
    VOID = {"img", "input", "br", "hr", "meta", "link", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.live_regions: list[dict[str, str | None]] = []
        self.inside_live: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        live = "aria-live" in found or found.get("role") in self.LIVE_ROLES
        if any(self.stack):
            self.inside_live.append(found)
        if live:
            self.live_regions.append(found)
        if tag not in self.VOID:
            self.stack.append(live)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()


def _live_regions(html: str) -> _LiveRegions:
    parser = _LiveRegions()
    parser.feed(html.split("<main", 1)[1].split("</main>", 1)[0])
    return parser


def test_no_ticking_clock_sits_in_a_live_region(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl, settings: Any
) -> None:
    client = speaking(reseller_a_user, "en")
    ready = page(client, live)
    # Without JavaScript the code comes on the whole page.
    pairing = text(
        client.post(f"/instances/{live.pk}/connect/code/", {"phone_number": "79001234567"})
    )
    settings.SANDBOX_CREATE_SECONDS = 3600
    creating = make_instance(
        reseller_a_user.reseller, age=timedelta(seconds=75), state=Instance.State.CREATING
    )
    waiting = page(client, creating)
    assert "data-countdown" in ready
    assert "data-elapsed" in waiting
    assert "data-pairing-code" in pairing

    for html in (ready, waiting, pairing):
        regions = _live_regions(html)
        # One polite status region, empty until the script has something to say.
        announcers = [found for found in regions.live_regions if "data-announcer" in found]
        assert len(announcers) == 1
        assert announcers[0]["role"] == "status"
        ticking = [
            found
            for found in regions.inside_live
            if {"data-countdown", "data-elapsed", "data-swap-target"} & set(found)
        ]
        assert ticking == []
    # The pairing code's countdown is read out at coarse steps only, and when it ends.
    assert 'data-announce-at="60 30 10"' in pairing
    assert 'data-expired-text="The code has expired. Ask for a new one."' in pairing


def test_what_is_read_out_on_a_change_is_marked_and_the_clocks_are_not(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    fragment = poll(speaking(reseller_a_user, "en"), live)

    assert re.search(r"<h2 data-announce>Scan the QR code with WhatsApp</h2>", fragment)
    marked = re.findall(r"<(\w+)[^>]*\bdata-announce\b[^>]*>(.*?)</\1>", fragment, re.DOTALL)
    assert all("data-countdown" not in inner for _tag, inner in marked)
