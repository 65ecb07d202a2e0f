"""Each alert e-mail speaks its recipient's language: the user's own, else the partner's default.

tests/core/test_catalogues.py leaves the e-mail templates out of its check of the pages: they
are checked here, both for text left outside the catalogue and for what a reader gets.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone, translation

from accounts.models import Reseller, User
from alerts.mail import recipient_language
from alerts.models import Alert, AlertKind, Delivery
from alerts.schedule import next_digest_at, zone
from alerts.services.deliver import deliveries_send
from instances.models import Instance
from tests.alerts.support import alerts_pass, checked, opt_in, sent_to
from tests.core.test_catalogues import untranslated_text
from tests.support.onboarding import make_instance
from tests.support.pages import logged_in, page_text
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")

EMAILS = Path(django_settings.BASE_DIR) / "templates" / "alerts" / "email"


def lost_and_back(instance: Instance, sandbox: SandboxControl) -> None:
    """The linked phone is logged out, then linked again: a problem and its recovery."""
    checked(instance, sandbox, "authorized")
    checked(instance, sandbox, "notAuthorized")
    alerts_pass()
    checked(instance, sandbox, "authorized")
    alerts_pass()


def speaking(user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.mark.parametrize("path", sorted(EMAILS.glob("*.txt")), ids=lambda path: path.name)
def test_the_e_mail_templates_leave_no_text_outside_the_catalogue(path: Path) -> None:
    assert untranslated_text(path.read_text()) == []


def test_a_russian_speaking_users_alerts_are_in_russian(
    live: Instance, sandbox: SandboxControl, reseller_a_user: User
) -> None:
    opt_in(speaking(reseller_a_user, "ru"))
    lost_and_back(live, sandbox)

    problem, recovery = sent_to(reseller_a_user.email)
    assert "Что произошло:" in problem.body
    assert "Вероятная причина:" in problem.body
    assert "Что делать:" in problem.body
    assert "Ваши настройки оповещений:" in problem.body
    assert "What happened" not in problem.body
    assert "alert settings" not in problem.body
    assert recovery.subject.startswith("Снова в норме: ")
    assert "снова привязан и работает" in recovery.body
    assert "linked and working again" not in recovery.body
    # Dates as Russian readers write them: day.month.year.
    assert timezone.now().strftime("%d.%m.%Y") in recovery.body
    assert translation.get_language() == "en"  # the worker's own language is left as it was


def test_an_english_speaking_user_and_the_contact_address_get_english(
    live: Instance, sandbox: SandboxControl, reseller_a_user: User
) -> None:
    opt_in(speaking(reseller_a_user, "en"))
    lost_and_back(live, sandbox)

    for address in (reseller_a_user.email, "a@example.com"):
        problem, recovery = sent_to(address)
        assert "What happened:" in problem.body
        assert "Что произошло" not in problem.body
        assert recovery.subject.startswith("Back to normal: ")
        assert "linked and working again" in recovery.body
        assert timezone.now().strftime("%Y-%m-%d") in recovery.body
    assert "the contact address of Reseller A" in sent_to("a@example.com")[0].body


def test_without_a_language_of_their_own_people_and_contacts_get_the_partners(
    live: Instance, sandbox: SandboxControl, reseller_a_user: User, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "ru"
    opt_in(speaking(reseller_a_user, ""))
    lost_and_back(live, sandbox)

    for address in (reseller_a_user.email, "a@example.com"):
        problem, recovery = sent_to(address)
        assert "Что произошло:" in problem.body
        assert recovery.subject.startswith("Снова в норме: ")
    assert "контактный адрес реселлера Reseller A" in sent_to("a@example.com")[0].body


def test_a_russian_digest_counts_its_alerts_in_russian(
    live: Instance, sandbox: SandboxControl, reseller_b: Reseller, admin: User
) -> None:
    opt_in(speaking(admin, "ru"))  # staff: a daily digest
    other = make_instance(reseller_b, name="Florist")
    for instance in (live, other):
        checked(instance, sandbox, "authorized")
        checked(instance, sandbox, "notAuthorized")
    checked(live, sandbox, "authorized")
    alerts_pass()

    digest_at = next_digest_at(timezone.now(), tz=zone("UTC"))
    deliveries_send(now=digest_at + timedelta(seconds=1))

    [digest] = sent_to(admin.email)
    assert digest.subject == "Сводка Partner Portal: 3 оповещения"
    assert "снова в норме" in digest.body
    assert "Ваши настройки оповещений:" in digest.body
    assert "Reseller A" in digest.body
    assert "Reseller B" in digest.body


def test_the_language_of_a_recipient(reseller_a_user: User, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    assert recipient_language(None) == "en"  # a reseller's contact address
    assert recipient_language(speaking(reseller_a_user, "")) == "en"
    assert recipient_language(speaking(reseller_a_user, "ru")) == "ru"


def test_the_alert_settings_and_the_alerts_sent_in_russian(
    instance_a: Instance, reseller_a_user: User
) -> None:
    client = logged_in(speaking(reseller_a_user, "ru"))
    page = page_text(client.get("/alerts/settings/"))
    assert "<h1>Настройки оповещений</h1>" in page
    assert "когда инстанс реселлера Reseller A теряет привязанный телефон" in page
    assert "Присылать мне оповещения по e-mail" in page
    assert "Телефон отвязан" in page  # the phone's "Logged out", not a person's
    assert "Начало тихих часов" in page

    response = client.post(
        "/alerts/settings/",
        {"enabled": "on", "mode": "instant", "quiet_start": "22:00", "time_zone": "UTC"},
    )
    assert response.status_code == 200
    assert "Укажите и начало, и конец тихих часов" in page_text(response)

    Delivery.objects.create(
        alert=Alert.objects.create(
            key="sc:test",
            kind=AlertKind.BLOCKED,
            instance=instance_a,
            reseller=instance_a.reseller,
            since=timezone.now(),
        ),
        email="a@example.com",
        audience=Delivery.Audience.CONTACT,
        status=Delivery.Status.SENT,
        digest=True,
        attempts=2,
        next_attempt_at=timezone.now(),
        sent_at=timezone.now(),
    )
    page = page_text(client.get(f"/instances/{instance_a.pk}/"))
    assert "Отправленные оповещения" in page
    assert "<td>Заблокирован</td>" in page
    assert "Отправлено (сводка), 2 попытки" in page
