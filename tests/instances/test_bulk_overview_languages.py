# ruff: noqa: RUF001
# Russian text: its Cyrillic letters that look like Latin ones are meant.
"""The overview, the attention list and bulk actions in the user's language: Russian sentences
and plural forms (1 инстанс, 2 инстанса, 5 инстансов) for a Russian-speaking user, English for
an English-speaking one. A bulk job's results are kept in English (the CSV gives them so) and
translated when shown."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from accounts.models import Reseller, User
from instances.attention import Kind
from instances.models import BulkItem, BulkJob, Instance
from instances.recovery import GUIDES
from instances.services.bulk import ALREADY_DELETED, NOT_ALLOWED, SETTINGS_SAVED
from tests.support.onboarding import make_instance
from tests.support.pages import page_text, speaking
from tests.support.sandbox import SandboxControl


def made(count: int, reseller: Reseller | None = None, *, first: int = 1, **fields: Any) -> list:
    defaults: dict[str, Any] = {"state": "authorized", "time_created": timezone.now()}
    return [
        Instance.objects.create(
            id_instance=1101000000 + first + n,
            name=f"Shop {first + n}",
            reseller=reseller,
            **(defaults | fields),
        )
        for n in range(count)
    ]


def main(text: str) -> str:
    """The page's own part: the menu around it is another page's to translate."""
    return text.split("<main", 1)[1].split("</main>", 1)[0]


# --- The overview ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "sentence"),
    [
        (1, "1 действующий инстанс."),
        (2, "2 действующих инстанса."),
        (5, "5 действующих инстансов."),
    ],
)
def test_the_overview_in_russian(
    admin: User, reseller_a: Reseller, count: int, sentence: str
) -> None:
    made(count, reseller_a)

    text = page_text(speaking(admin, "ru").get("/instances/overview/"))

    assert sentence in text
    for russian in (
        "<h1>Обзор</h1>",
        "По состоянию",
        "По мессенджеру",
        "По реселлеру",
        "Привязан",  # the state, by its Russian name
        "За последние 30 дней",
        "90 дней",
        "Числа по дням (UTC)",
        "Привязано на конец дня",
        "Создано",
        "Удалено",
        "Истекают в ближайшие 7 дней",
        "Использование квот",
        "Каждое число открывает список с этим фильтром.",
    ):
        assert russian in text, russian
    # Days as Russian readers write them.
    assert timezone.now().strftime("%d.%m.%Y") in text
    for english in ("Overview", "live instance", "By state", "The last 30 days", "Quota use"):
        assert english not in main(text), english


def test_the_overview_in_english(admin: User, reseller_a: Reseller) -> None:
    made(1, reseller_a)

    text = page_text(speaking(admin, "en").get("/instances/overview/"))

    assert "<h1>Overview</h1>" in text
    assert "1 live instance." in text
    assert "The last 30 days" in text
    assert "Quota use" in text
    assert timezone.now().strftime("%Y-%m-%d") in text
    assert "Обзор" not in main(text)


def test_the_overview_chart_labels_are_in_the_javascript_catalogue(admin: User) -> None:
    catalogue = speaking(admin, "ru").get("/jsi18n/").content.decode()

    assert json.dumps("Создано / удалено") in catalogue  # as the catalogue writes it


# --- The attention list ------------------------------------------------------------------------


def blocked(reseller: Reseller, count: int = 1) -> list:
    return made(
        count, reseller, state="blocked", state_changed_at=timezone.now() - timedelta(hours=2)
    )


def test_the_attention_list_in_russian(admin: User, reseller_a: Reseller) -> None:
    client = speaking(admin, "ru")
    assert "Сейчас ничто не требует внимания." in page_text(client.get("/instances/attention/"))
    instance = blocked(reseller_a)[0]

    text = page_text(client.get("/instances/attention/"))

    for russian in (
        "Требуют внимания",
        "Заблокирован мессенджером: что делать",
        "Мессенджер заблокировал этот номер телефона",
        "Вероятная причина: Обычно это жалобы на спам",
        "Отвязать телефон и привязать заново",
        "2\xa0часа назад",
        "Что сделано (необязательно)",
        "Отметить как обработанное",
        "Условие",
        "Что делать",
    ):
        assert russian in text, russian
    for english in ("Needs attention", "Blocked by the messenger", "Likely cause", "Mark handled"):
        assert english not in main(text), english

    item = "blocked"
    since = int(instance.state_changed_at.timestamp())  # type: ignore[union-attr]
    data = {"kind": item, "subject": f"i{instance.pk}", "since": since, "note": "Позвонили"}
    handled = page_text(client.post("/instances/attention/handle/", data, follow=True))

    assert "Отмечено как обработанное. Пункт вернётся, если условие возникнет снова." in handled
    assert "обработано" in handled
    assert "назад: Позвонили" in handled


def test_the_attention_list_in_english(admin: User, reseller_a: Reseller) -> None:
    blocked(reseller_a)

    text = page_text(speaking(admin, "en").get("/instances/attention/"))

    assert "Blocked by the messenger: what to do" in text
    assert "Likely cause: Usually spam reports" in text
    assert "2\xa0hours ago" in text
    assert "Mark handled" in text
    assert "Требуют внимания" not in main(text)


# --- Bulk actions: the confirmation ------------------------------------------------------------


def confirm_page(client: Client, action: str, instances: list, **extra: str) -> str:
    data = {"action": action, "ids": [i.pk for i in instances], **extra}
    return page_text(client.post("/instances/bulk/new/", data))


@pytest.mark.parametrize(
    ("count", "reboot", "settings", "delete"),
    [
        (1, "Перезагрузить 1 инстанс?", "Применить настройки к 1 инстансу?", "Удалить 1 инстанс?"),
        (
            2,
            "Перезагрузить 2 инстанса?",
            "Применить настройки к 2 инстансам?",
            "Удалить 2 инстанса?",
        ),
        (
            5,
            "Перезагрузить 5 инстансов?",
            "Применить настройки к 5 инстансам?",
            "Удалить 5 инстансов?",
        ),
    ],
)
def test_the_bulk_confirmation_in_russian(
    admin: User, reseller_a: Reseller, count: int, reboot: str, settings: str, delete: str
) -> None:
    client = speaking(admin, "ru")
    instances = made(count, reseller_a)

    page = confirm_page(client, "reboot", instances)
    assert reboot in page
    assert "Фоновый обработчик обрабатывает инстансы по одному" in page
    assert "Отмена" in page
    assert "Reboot" not in page

    page = confirm_page(client, "settings", instances)
    assert settings in page
    assert "Без изменений" in page
    assert "Отключить вебхуки (пустой URL вебхука)" in page
    assert "Оставьте пустым, чтобы у каждого инстанса остался свой." in page
    assert "Unchanged" not in page

    page = confirm_page(client, "delete", instances)
    assert delete in page
    assert f"Введите <strong>{count}</strong> для подтверждения" in page
    assert "Удаление нельзя отменить." in page


@pytest.mark.parametrize(
    ("count", "refusal"),
    [
        (1, "Введите 1, чтобы удалить 1 инстанс."),
        (2, "Введите 2, чтобы удалить 2 инстанса."),
        (5, "Введите 5, чтобы удалить 5 инстансов."),
    ],
)
def test_a_wrong_count_is_refused_in_russian(
    admin: User, reseller_a: Reseller, count: int, refusal: str
) -> None:
    page = confirm_page(
        speaking(admin, "ru"), "delete", made(count, reseller_a), confirm="1", typed_count="99"
    )

    assert refusal in page
    assert not BulkJob.objects.exists()


def test_the_bulk_confirmation_in_english(admin: User, reseller_a: Reseller) -> None:
    client = speaking(admin, "en")
    one, five = made(1, reseller_a), made(5, reseller_a, first=10)

    assert "Reboot 1 instance?" in confirm_page(client, "reboot", one)
    assert "Reboot 5 instances?" in confirm_page(client, "reboot", five)
    assert "Apply settings to 5 instances?" in confirm_page(client, "settings", five)
    page = confirm_page(client, "delete", five, confirm="1", typed_count="4")
    assert "Type 5 to delete 5 instances." in page
    assert "Перезагрузить" not in page


# --- Bulk actions: the progress ----------------------------------------------------------------


def job_of(user: User, action: str, instances: list, results: list[tuple[str, str]]) -> BulkJob:
    job = BulkJob.objects.create(action=action, requested_by=user, finished_at=timezone.now())
    for instance, (status, message) in zip(instances, results, strict=True):
        BulkItem.objects.create(job=job, instance=instance, status=status, message=message)
    return job


@pytest.mark.parametrize(
    ("count", "heading"),
    [
        (1, "Перезагрузить: 1 инстанс"),
        (2, "Перезагрузить: 2 инстанса"),
        (5, "Перезагрузить: 5 инстансов"),
    ],
)
def test_a_bulk_jobs_page_in_russian(
    admin: User, reseller_a: Reseller, count: int, heading: str
) -> None:
    job = job_of(admin, "reboot", made(count, reseller_a), [("done", "")] * count)

    text = page_text(speaking(admin, "ru").get(f"/instances/bulk/{job.pk}/"))

    assert f"<h1>{heading}</h1>" in text
    assert f"Обработано {count} из {count}: готово." in text
    assert f"готово: {count}" in text
    assert "Запущено " in text
    assert "Скачать результаты (CSV)" in text
    assert "finished" not in text
    assert "instance" not in text.split("<h1>")[1].split("</h1>")[0]


def test_the_results_are_translated_when_shown_and_stay_english_in_the_csv(
    admin: User, reseller_a: Reseller
) -> None:
    instances = made(5, reseller_a)
    deleted = f"{instances[3]} was deleted. Its phone was logged out first."
    job = job_of(
        admin,
        "links",
        instances,
        [
            ("done", "valid until 2026-12-01 12:00 UTC"),
            ("skipped", NOT_ALLOWED),
            ("skipped", ALREADY_DELETED),
            ("done", deleted),
            ("running", ""),
        ],
    )
    client = speaking(admin, "ru")

    whole = page_text(client.get(f"/instances/bulk/{job.pk}/"))
    progress = page_text(client.get(f"/instances/bulk/{job.pk}/", headers={"HX-Request": "true"}))

    assert "<h1>" not in progress  # the part htmx swaps in
    for text in (whole, progress):
        assert "действует до 2026-12-01 12:00 UTC" in text
        assert "не разрешено для этого инстанса" in text
        assert "уже удалён" in text
        assert f"{instances[3]} удалён. Перед этим его телефон был отвязан." in text
        assert "Обработано 4 из 5." in text
        assert "пропущено: 2" in text
        assert "выполняется: 1" in text
        assert NOT_ALLOWED not in text
        assert "valid until" not in text
    table = client.get(f"/instances/bulk/{job.pk}/results.csv").content.decode()
    why = [row["why"] for row in csv.DictReader(io.StringIO(table))]
    assert why == ["valid until 2026-12-01 12:00 UTC", NOT_ALLOWED, ALREADY_DELETED, deleted, ""]


def test_a_bulk_jobs_page_in_english(admin: User, reseller_a: Reseller) -> None:
    instances = made(2, reseller_a)
    job = job_of(admin, "settings", instances, [("done", SETTINGS_SAVED), ("skipped", NOT_ALLOWED)])

    text = page_text(speaking(admin, "en").get(f"/instances/bulk/{job.pk}/"))

    assert "<h1>Apply settings: 2 instances</h1>" in text
    assert "2 of 2 finished: done." in text
    assert "done: 1 · skipped: 1" in text
    assert SETTINGS_SAVED in text
    assert NOT_ALLOWED in text


@pytest.mark.usefixtures("greenapi_settings")
def test_a_russian_users_bulk_delete_keeps_english_results_and_shows_russian_ones(
    admin: User, reseller_a: Reseller, sandbox: SandboxControl
) -> None:
    shops = [make_instance(reseller_a, name=f"Shop {n}") for n in range(2)]
    client = speaking(admin, "ru")

    response = client.post(
        "/instances/bulk/new/",
        {"action": "delete", "ids": [i.pk for i in shops], "confirm": "1", "typed_count": "2"},
    )

    job = BulkJob.objects.get()
    assert response["Location"] == f"/instances/bulk/{job.pk}/"
    messages = list(BulkItem.objects.filter(job=job).values_list("message", flat=True))
    assert all(message.endswith("was deleted.") for message in messages), messages
    text = page_text(client.get(response["Location"]))
    assert "<h1>Удалить: 2 инстанса</h1>" in text
    assert "Обработано 2 из 2: готово." in text
    for shop in shops:
        shop.refresh_from_db()
        assert f"{shop} удалён." in text


def test_the_recovery_guides_are_read_in_the_active_language() -> None:
    """The guides serve the attention pages and the alert e-mails: each read in its reader's
    language, and a condition's name never a person's logout or a link's expiry."""
    guide = GUIDES[Kind.LOGGED_OUT]
    assert guide.title == "Logged out"
    with translation.override("ru"):
        assert guide.title == "Телефон отвязан"
        assert guide.steps[0].label == "Перезагрузить инстанс"
        assert GUIDES[Kind.EXPIRED].title == "Срок истёк"
        assert GUIDES[Kind.BLOCKED].cause.startswith("Обычно это жалобы на спам")
    assert guide.steps[0].label == "Reboot the instance"
