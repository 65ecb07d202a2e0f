"""The login, two-factor, lockout, password and error pages in Russian.

Before logging in, the language is the browser's (Accept-Language) or the switcher's cookie;
after, the user's own. English stays the default (the other tests read the English texts).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from accounts.models import User
from accounts.twofactor import totp_setup_start
from accounts.validators import MAX_PASSWORD_LENGTH, MaximumLengthValidator
from tests.accounts.test_twofactor import code
from tests.core.test_catalogues import untranslated_text
from tests.support.pages import logged_in, page_text
from tests.support.personas import PASSWORD

RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOKEN = "tok3nSecretAbcdefghijklmnopqrstuvwxyz0123456789"


def russian_client() -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    return client


@pytest.mark.django_db
def test_the_login_page_follows_the_browsers_language() -> None:
    text = page_text(Client().get("/login/", **RUSSIAN))
    assert '<html lang="ru">' in text
    assert "<h1>Вход</h1>" in text
    assert "Имя пользователя или e-mail" in text
    assert "Пароль" in text
    assert '<button type="submit" class="btn">Войти</button>' in text
    assert "Забыли пароль?" in text
    assert "Перейти к содержимому" in text
    for english in ("Log in", "Forgot your password", "Username or e-mail", "Skip to content"):
        assert english not in text


@pytest.mark.django_db
def test_the_login_page_follows_the_switchers_cookie() -> None:
    text = page_text(russian_client().get("/login/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "<h1>Вход</h1>" in text
    assert "Log in" not in text


@pytest.mark.django_db
def test_the_login_page_stays_english_by_default() -> None:
    text = page_text(Client().get("/login/"))
    assert '<html lang="en">' in text
    assert "<h1>Log in</h1>" in text
    assert "Войти" not in text


def test_a_failed_login_is_explained_in_russian(admin: User) -> None:
    response = Client().post("/login/", {"username": "admin", "password": "wrong"}, **RUSSIAN)
    text = page_text(response)
    assert response.status_code == 200
    assert "Пожалуйста, введите правильные" in text  # Django's own message, in Russian
    assert "Please enter a correct" not in text


def test_the_lockout_page_in_russian(admin: User) -> None:
    client = Client()
    with time_machine.travel(T0, tick=False):
        for _ in range(django_settings.AXES_FAILURE_LIMIT):
            response = client.post("/login/", {"username": "admin", "password": "wrong"}, **RUSSIAN)
    text = page_text(response)
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа" in text
    # 15 minutes: the plural form of 5 to 20; the day as Russian readers write it.
    assert "<strong>Попробуйте снова через 15 минут</strong>, после 09:15 UTC (02.03.2026)." in text
    assert "Try again" not in text


@pytest.mark.parametrize(
    ("count", "form"), [(1, "1 минуту"), (2, "2 минуты"), (5, "5 минут"), (21, "21 минуту")]
)
def test_the_lockout_minutes_take_the_russian_plural(count: int, form: str) -> None:
    with translation.override("ru"):
        text = render_to_string(
            "accounts/locked_out.html", {"minutes": count, "ends_at": T0, "messages": ()}
        )
    assert f"Попробуйте снова через {form}</strong>" in text


def test_the_two_factor_step_in_russian(admin: User) -> None:
    client = logged_in(admin)
    assert client.post("/account/2fa/start/")["Location"] == "/account/2fa/setup/"
    admin.language = "ru"
    admin.save(update_fields=["language"])
    setup = page_text(client.get("/account/2fa/setup/"))
    assert "Настройка двухфакторной аутентификации" in setup
    assert 'alt="QR-код для приложения-аутентификатора"' in setup
    assert "Set up two-factor" not in setup
    refused = page_text(client.post("/account/2fa/setup/", {"token": "12"}))
    assert "Введите 6-значный код, который показывает приложение." in refused


def test_the_code_page_in_russian(admin: User) -> None:
    device = totp_setup_start(request=None, user=admin)  # type: ignore[arg-type]
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    client = Client()
    response = client.post("/login/", {"username": "admin", "password": PASSWORD}, **RUSSIAN)
    assert response["Location"] == "/login/verify/"
    text = page_text(client.get("/login/verify/", **RUSSIAN))
    assert "Код двухфакторной аутентификации" in text
    assert "Код из приложения-аутентификатора" in text
    assert "Two-factor code" not in text
    wrong_code = "111111" if code(device) == "000000" else "000000"
    wrong = page_text(client.post("/login/verify/", {"token": wrong_code}, **RUSSIAN))
    assert "Код неверный. Проверьте приложение и попробуйте снова." in wrong
    assert "That code is not right" not in wrong


@pytest.mark.django_db
def test_the_password_reset_pages_and_e_mail_in_russian(admin: User) -> None:
    client = russian_client()
    form = page_text(client.get("/password-reset/"))
    assert "<h1>Забыли пароль?</h1>" in form
    assert "Отправить ссылку" in form
    assert "Send the link" not in form

    response = client.post("/password-reset/", {"email": "admin@example.com"}, follow=True)
    done = page_text(response)
    assert "<h1>Проверьте почту</h1>" in done
    assert "Ссылка действует 3 дня." in done
    assert "Check your e-mail" not in done

    (message,) = mail.outbox
    assert message.subject == "Задайте новый пароль для Partner Portal"
    assert message.body.startswith("Здравствуйте, admin!")
    assert "Ссылка сработает один раз." in message.body
    assert "The link works once" not in message.body
    link = re.search(r"http://testserver(/\S+)", message.body)
    assert link is not None

    confirm = page_text(client.get(link.group(1), follow=True))
    assert "<h1>Задайте новый пароль</h1>" in confirm
    assert "Сохранить пароль" in confirm


@pytest.mark.django_db
def test_a_used_reset_link_is_explained_in_russian() -> None:
    text = page_text(russian_client().get("/password-reset/MQ/wrong-token/", follow=True))
    assert "<h1>Эта ссылка не работает</h1>" in text
    assert "Запросите новую." in text


def test_the_password_reset_e_mail_stays_english_by_default(admin: User) -> None:
    Client().post("/password-reset/", {"email": "admin@example.com"})
    (message,) = mail.outbox
    assert message.subject == "Choose a new Partner Portal password"
    assert message.body.startswith("Hello admin,")


@pytest.mark.parametrize("name", ["password_reset_email.txt", "password_reset_subject.txt"])
def test_the_e_mail_templates_leave_no_text_outside_the_catalogue(name: str) -> None:
    path = Path(django_settings.BASE_DIR) / "templates" / "registration" / name
    assert untranslated_text(path.read_text()) == []


def test_the_password_pages_of_a_russian_speaking_user(admin: User) -> None:
    admin.language = "ru"
    admin.save(update_fields=["language"])
    client = logged_in(admin)
    text = page_text(client.get("/account/password/"))
    assert "<h1>Сменить пароль</h1>" in text
    assert "При смене пароля остальные ваши сеансы завершатся." in text
    assert "Change password" not in text


@pytest.mark.django_db
def test_an_error_page_in_russian() -> None:
    text = page_text(Client().get(f"/l/{TOKEN}/nothing-here", **RUSSIAN))
    assert "<h1>Страница не найдена</h1>" in text
    assert "По этому адресу нет страницы, или она вам недоступна." in text
    assert '<a class="btn" href="/">На главную страницу</a>' in text  # noqa: RUF001
    assert "Page not found" not in text
    assert "Go to the home page" not in text


@pytest.mark.django_db
def test_the_error_pages_language_switcher_goes_home_not_back_to_the_path() -> None:
    text = page_text(Client().get(f"/l/{TOKEN}/nothing-here"))
    assert '<input type="hidden" name="next" value="/">' in text
    assert TOKEN not in text


def test_other_pages_language_switcher_returns_to_the_page(admin: User) -> None:
    text = page_text(logged_in(admin).get("/account/?x=1"))
    assert '<input type="hidden" name="next" value="/account/?x=1">' in text


@pytest.mark.urls("tests.partnerportal.test_error_pages")
def test_the_500_page_in_russian(admin: User, settings: Any) -> None:
    settings.DEBUG = False
    client = logged_in(admin)
    client.raise_request_exception = False
    text = page_text(client.get("/boom/", **RUSSIAN))
    assert '<html lang="ru">' in text
    assert "<h1>Что-то пошло не так</h1>" in text
    assert "Something went wrong" not in text


@pytest.mark.urls("tests.partnerportal.test_error_pages")
@pytest.mark.django_db
def test_the_400_page_in_russian_names_its_language(settings: Any) -> None:
    settings.DEBUG = False
    text = page_text(Client().get("/suspicious/", **RUSSIAN))
    assert '<html lang="ru">' in text
    assert "<h1>Неверный запрос</h1>" in text


def test_the_header_of_a_russian_speaking_user(admin: User) -> None:
    admin.language = "ru"
    admin.save(update_fields=["language"])
    page = page_text(logged_in(admin).get("/account/"))
    header = re.search(r'<header class="topbar">.*?</header>', page, re.DOTALL)
    assert header is not None
    text = header.group()
    for russian in ("Обзор", "Инстансы", "Требуют внимания", "Журнал аудита", "Учётная запись"):
        assert f">{russian}</a>" in text
    assert "admin · Администратор партнёра" in text
    assert '<button type="submit" class="link">Выйти</button>' in text
    assert 'aria-label="Основная"' in text
    for english in (">Overview<", ">Audit log<", "Partner admin", ">Log out<"):
        assert english not in text


def test_the_pager_in_russian(admin: User) -> None:
    page = Paginator(range(30), 10).page(2)
    with translation.override("ru"):
        text = render_to_string("_pager.html", {"page": page, "query": ""})
    assert "Назад" in text
    assert "Страница 2 из 3" in text
    assert "Вперёд" in text
    assert 'aria-label="Страницы"' in text


def test_the_copy_button_in_russian() -> None:
    with translation.override("ru"):
        text = render_to_string("_copy_button.html", {"target": "#x", "what": "ID"})
    assert 'data-copied-text="Скопировано"' in text
    assert ">Копировать<" in text


@pytest.mark.django_db
def test_the_scripts_strings_in_russian() -> None:
    catalogue = Client().get("/jsi18n/?l=ru", **RUSSIAN).content.decode()
    # The catalogue is JSON, its letters written as \\u escapes.
    assert json.dumps("Скопировано") in catalogue
    failed = "Не удалось скопировать: выделите текст и скопируйте его."  # noqa: RUF001
    assert json.dumps(failed) in catalogue


def test_the_password_length_rule_in_russian() -> None:
    validator = MaximumLengthValidator()
    with translation.override("ru"):
        assert validator.get_help_text() == "Пароль может содержать не более 1024 символов."
        with pytest.raises(ValidationError) as refused:
            validator.validate("x" * (MAX_PASSWORD_LENGTH + 1))
    with translation.override("ru"):
        assert refused.value.messages == ["Используйте не более 1024 символов."]
