"""The account, people, brand, time zone and audit pages in Russian, for a user who chose it
(User.language, read by accounts/middleware.py); the audit trail itself stays English."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.audit import audit_record
from accounts.models import AuditEvent, Reseller, User
from tests.support.pages import page_text, speaking


def russian_page(client: Client, url: str) -> str:
    """The page's own content (the header around it is another template's)."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ru"
    return main(page_text(response))


def main(page: str) -> str:
    return page.partition('<main id="main"')[2].partition("</main>")[0]


def test_the_account_page_in_russian(reseller_a_user: User) -> None:
    text = russian_page(speaking(reseller_a_user, "ru"), "/account/")

    assert "Ваша учётная запись" in text
    assert "Сменить пароль" in text
    assert "Бренд для клиентов" in text
    assert "Время показывается по часовому поясу партнёра (" in text
    assert "Двухфакторная аутентификация" in text
    assert "Пользователь реселлера" in text  # the role
    assert "Your account" not in text
    assert "Times show in" not in text


def test_the_time_zone_page_in_russian(admin: User) -> None:
    text = russian_page(speaking(admin, "ru"), "/account/time-zone/")

    assert "Сохранить часовой пояс" in text
    assert "Save time zone" not in text


def test_the_people_list_in_russian(admin: User, reseller_a_user: User, support: User) -> None:
    text = russian_page(speaking(admin, "ru"), "/users/")

    assert "Пользователи" in text
    assert "Новый пользователь" in text
    assert "3 пользователя. Откройте пользователя" in text
    assert "Имя пользователя" in text
    assert "Администратор партнёра" in text
    assert "Сотрудник поддержки" in text
    assert "Пользователь реселлера" in text
    assert "Любой статус" in text  # the filter's choices
    assert "Найти" in text
    assert "Активен" in text
    for english in ("New user", "Open a user", "Partner admin", "Any status", "Active<"):
        assert english not in text


def test_a_search_that_finds_no_one_says_so_in_russian(admin: User) -> None:
    text = russian_page(speaking(admin, "ru"), "/users/?q=nobody-at-all")

    assert "Подходящих пользователей нет." in text
    assert "No users match" not in text


def test_the_person_form_in_russian(admin: User, support: User) -> None:
    client = speaking(admin, "ru")

    new = russian_page(client, "/users/new/")
    assert "Новый пользователь" in new
    assert "Новый пользователь получит письмо со ссылкой" in new  # noqa: RUF001
    assert "Отмена" in new

    existing = russian_page(client, f"/users/{support.pk}/")
    assert "Пользователь support" in existing
    assert "Пароль и доступ" in existing
    assert "Отправить ссылку для задания пароля" in existing
    assert "Деактивировать support" in existing
    assert "Send password link" not in existing


def test_the_reseller_list_and_form_in_russian(admin: User, reseller_a: Reseller) -> None:
    client = speaking(admin, "ru")

    listed = russian_page(client, "/resellers/")
    assert "Реселлеры" in listed
    assert "Новый реселлер" in listed
    assert "1 реселлер. Откройте реселлера" in listed
    assert "Инстансы / квота" in listed
    assert "по умолчанию" in listed  # no price of its own
    assert "New reseller" not in listed

    form = russian_page(client, f"/resellers/{reseller_a.pk}/")
    assert "Реселлер Reseller A" in form
    assert "Пользователи неактивного реселлера не могут войти" in form
    assert f'<a href="/resellers/{reseller_a.pk}/brand/">Бренд для клиентов</a>' in form
    assert "Деактивировать Reseller A" in form
    assert "Deactivate" not in form


def test_messages_after_a_change_are_in_russian(admin: User, reseller_a: Reseller) -> None:
    client = speaking(admin, "ru")
    data = {"name": "Reseller A", "contact_email": "a@example.com", "instance_quota": "5"}

    response = client.post(f"/resellers/{reseller_a.pk}/", data | {"is_active": "on"}, follow=True)

    assert "Реселлер Reseller A сохранён." in page_text(response)
    assert "was saved" not in page_text(response)


def test_the_brand_page_and_its_errors_in_russian(
    reseller_a_user: User, reseller_a: Reseller
) -> None:
    client = speaking(reseller_a_user, "ru")
    url = f"/resellers/{reseller_a.pk}/brand/"

    text = russian_page(client, url)
    assert "Бренд для клиентов" in text
    assert "Отображаемое название" in text
    assert "Телефон поддержки" in text
    assert "Что клиенты видят сейчас" in text
    assert "Назад к учётной записи" in text
    assert "Display name" not in text

    response = client.post(
        url, {"display_name": "", "support_phone": "call me", "support_email": "help@a.example"}
    )
    errors = main(page_text(response))
    assert response.status_code == 200
    assert "Используйте цифры, пробелы, скобки, дефисы и + в начале." in errors
    assert "Укажите и отображаемое название" in errors
    assert "Use digits" not in errors


def test_the_audit_log_in_russian_from_an_english_trail(
    admin: User, reseller_a: Reseller, reseller_a_user: User
) -> None:
    audit_record(
        action="reseller.update",
        actor=admin,
        target=reseller_a,
        detail="changed: name, instance_quota",
    )
    audit_record(
        action="reseller.deactivate", actor=admin, target=reseller_a, detail="3 sessions ended"
    )
    audit_record(
        action="login.failed",
        actor=None,
        target=reseller_a_user,
        result=AuditEvent.Result.FAILED,
        detail="wrong password",
    )

    text = russian_page(speaking(admin, "ru"), "/audit/")

    assert "Журнал аудита" in text
    assert "Действие" in text
    assert "Реселлер изменён" in text  # the action's sentence
    assert "(Администратор партнёра)" in text  # the actor's role
    assert "реселлер Reseller A" in text  # the target's type
    assert "изменено: название, квота инстансов" in text
    assert "завершено 3 сеанса" in text
    assert "Ошибка" in text  # the result
    assert "неверный пароль" in text
    for english in ("Audit log", "changed:", "sessions ended", "wrong password", "Partner admin"):
        assert english not in text
    # What is kept stays English, for exports and searches.
    assert set(AuditEvent.objects.values_list("detail", flat=True)) == {
        "changed: name, instance_quota",
        "3 sessions ended",
        "wrong password",
    }


def test_a_note_the_page_does_not_know_shows_as_it_was_kept(
    admin: User, reseller_a: Reseller
) -> None:
    audit_record(action="reseller.update", actor=admin, target=reseller_a, detail="changed: odd")

    assert "changed: odd" in russian_page(speaking(admin, "ru"), "/audit/")


@pytest.mark.parametrize(
    "url",
    ["/account/", "/account/time-zone/", "/users/", "/users/new/", "/resellers/", "/audit/"],
)
def test_the_same_pages_stay_english_for_an_english_speaking_user(admin: User, url: str) -> None:
    response: Any = speaking(admin, "en").get(url)

    assert response.status_code == 200
    text = page_text(response)
    assert "Пользовател" not in text
    assert "Сохранить" not in text
    assert "Журнал" not in text
