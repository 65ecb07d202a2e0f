# ruff: noqa: RUF001  (Russian text: its letters are meant to look like Latin ones)
"""The instance list in Russian and English: the page and its htmx results, the filters, the
counts by state, the pager, the sync status and the assign bar's messages.

Words that agree with a number (1 инстанс, 2 инстанса, 5 инстансов) come from the catalogue's
plural forms; the English page stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.utils import translation

from accounts.models import Reseller, User
from instances.models import Instance, SyncState
from instances.services.listing_guard import REFUSAL
from instances.services.sync import INTERNAL_ERROR
from instances.state_freshness import age_text
from tests.support.pages import page_text, speaking

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FIRST_ID = 1101000100
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def make(count: int, **fields: object) -> list[Instance]:
    """`count` instances, a day apart, last confirmed by the worker a minute ago."""
    return [
        Instance.objects.create(
            id_instance=FIRST_ID + n,
            name=f"Shop {n}",
            api_token="x" * 50,
            state="authorized",
            time_created=NOW - timedelta(days=n + 1),
            state_changed_at=NOW - timedelta(days=n + 1),
            state_checked_at=NOW - timedelta(minutes=1),
            state_source="poll",
            **fields,
        )
        for n in range(count)
    ]


def synced(ago: timedelta, error: str = "") -> None:
    SyncState.objects.update_or_create(
        pk=1, defaults={"last_success_at": NOW - ago, "last_attempt_at": NOW, "last_error": error}
    )


def pager(text: str) -> str:
    start = text.index('<nav class="pager"')
    return text[start : text.index("</nav>", start)]


def messages_of(response: TestResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def last_message(response: TestResponse) -> str:
    """The message this request added (earlier ones wait in the cookie: no page showed them)."""
    return messages_of(response)[-1]


# --- The page ---------------------------------------------------------------------------------


def test_the_list_in_russian(admin: User) -> None:
    make(5)

    response = speaking(admin, "ru").get("/instances/")

    assert response.status_code == 200
    text = page_text(response)
    assert "<title>Инстансы" in text
    assert "<h1>Инстансы</h1>" in text
    assert "Выгрузить CSV" in text
    assert "Новый инстанс" in text
    # The filters: labels, choices, the placeholder and the buttons.
    for words in (
        ">Поиск</label>",
        'placeholder="ID, название или телефон"',
        ">Любое состояние</option>",
        ">Привязан</option>",
        ">Любой мессенджер</option>",
        ">Любой реселлер</option>",
        ">Без реселлера</option>",
        ">Активные</option>",
        ">Активные и удалённые</option>",
        ">Любой срок</option>",
        ">Истёкшие</option>",
        ">Сначала новые</option>",
        ">Название, А–Я</option>",
        ">На странице</label>",
        ">Применить</button>",
        ">Сбросить</a>",
    ):
        assert words in text
    # The counts by state, the table and its rows.
    assert 'aria-label="Инстансы по состояниям"' in text
    assert "Все <strong>5</strong>" in text
    assert "Привязан <strong>5</strong>" in text
    assert ">Название" in text
    assert "<th>Мессенджер</th>" in text
    assert "Создан (" in text
    assert "Истекает (" in text
    assert "проверено 1 мин назад" in text
    assert "Последнее подтверждение: " in text
    assert "(проверено фоновым обработчиком)" in text
    assert "изменилось 2 дня назад" in text
    assert "изменилось 5 дней назад" in text
    assert 'aria-label="Выбрать 1101000100"' in text
    assert "Назначить выбранные инстансы реселлеру" in text
    assert ">5 инстансов</span>" in pager(text)
    # Not synced yet: said in Russian, with the button.
    assert "Синхронизации с Green API ещё не было" in text
    assert ">Синхронизировать</button>" in text
    for english in (
        "Export CSV",
        "New instance",
        ">Search<",
        "Any state",
        "Newest first",
        ">Apply<",
        "Instances by state",
        "checked 1 min ago",
        "days ago",
        " instances<",
        "Not synced with Green API",
        "Sync now",
        "Assign the selected",
    ):
        assert english not in text


def test_the_list_in_english(admin: User) -> None:
    make(5)

    text = page_text(speaking(admin, "en").get("/instances/"))

    assert "<h1>Instances</h1>" in text
    assert "Export CSV" in text
    assert ">Any state</option>" in text
    assert ">Newest first</option>" in text
    assert ">Active</option>" in text
    assert ">Expired</option>" in text
    assert "All <strong>5</strong>" in text
    assert "checked 1 min ago" in text
    assert "changed 5 days ago" in text
    assert ">5 instances</span>" in pager(text)
    assert "Not synced with Green API yet" in text
    assert "Sync now" in text
    for russian in ("Инстанс", "инстанс", "Применить", "Синхронизировать", "назад"):
        assert russian not in text


@pytest.mark.parametrize(
    ("count", "russian", "english"),
    [
        (1, "1 инстанс", "1 instance"),
        (2, "2 инстанса", "2 instances"),
        (5, "5 инстансов", "5 instances"),
        (21, "21 инстанс", "21 instances"),
    ],
)
def test_the_count_of_instances_agrees_with_its_number(
    admin: User, count: int, russian: str, english: str
) -> None:
    make(count)

    assert f">{russian}</span>" in pager(page_text(speaking(admin, "ru").get("/instances/")))
    assert f">{english}</span>" in pager(page_text(speaking(admin, "en").get("/instances/")))


@pytest.mark.parametrize(
    ("days", "russian"),
    [(2, "2 дня назад"), (5, "5 дней назад"), (21, "21 день назад"), (22, "22 дня назад")],
)
def test_ages_in_days_agree_with_their_number(days: int, russian: str) -> None:
    with translation.override("ru"):
        assert age_text(timedelta(days=days)) == russian
    with translation.override("en"):
        assert age_text(timedelta(days=days)) == f"{days} days ago"


def test_an_expired_and_a_deleted_instance_in_russian(admin: User) -> None:
    expired, deleted = make(2)
    Instance.objects.filter(pk=expired.pk).update(is_expired=True)
    Instance.objects.filter(pk=deleted.pk).update(deleted=True)

    text = page_text(speaking(admin, "ru").get("/instances/?show=all"))

    assert '<span class="state state-blocked">Истёк</span>' in text
    assert '<span class="state">Удалён</span>' in text


def test_an_empty_list_in_russian(admin: User) -> None:
    client = speaking(admin, "ru")

    assert "Инстансов пока нет." in page_text(client.get("/instances/"))
    filtered = page_text(client.get("/instances/?q=nothing"))
    assert "Под эти фильтры не подходит ни один инстанс." in filtered
    assert ">0 инстансов</span>" in pager(filtered)


def test_a_bad_filter_is_explained_in_russian(admin: User) -> None:
    make(1)

    text = page_text(speaking(admin, "ru").get("/instances/?state=bogus&after=broken"))

    assert "Такого варианта здесь нет, поэтому он не учтён." in text
    assert "Ссылка на страницу повреждена или устарела, поэтому показана первая страница." in text
    assert "Not a choice here" not in text


# --- The htmx results ---------------------------------------------------------------------------


def test_the_htmx_results_in_russian(admin: User) -> None:
    make(2)
    synced(timedelta(minutes=3))

    response = speaking(admin, "ru").get("/instances/?sort=name", **HTMX)

    text = page_text(response)
    assert "<html" not in text  # the results only
    assert 'aria-label="Инстансы по состояниям"' in text
    assert ">2 инстанса</span>" in pager(text)
    assert "Синхронизировано с Green API 3\xa0минуты назад." in text
    assert ">Сначала новые</option>" in text  # the filters, swapped out of band
    assert "instances" not in pager(text)
    assert "Synced with" not in text


# --- The pager ----------------------------------------------------------------------------------


def test_the_pager_in_russian(admin: User) -> None:
    make(30)
    client = speaking(admin, "ru")

    text = page_text(client.get("/instances/?per_page=25"))

    nav = pager(text)
    assert '<nav class="pager" aria-label="Страницы">' in text
    assert ">Вперёд</a>" in nav
    assert ">Перейти на страницу</label>" in nav
    assert "<span>из 2</span>" in nav
    assert ">Перейти</button>" in nav
    assert ">30 инстансов</span>" in nav

    last = pager(page_text(client.get("/instances/?per_page=25&page=2")))
    assert ">Назад</a>" in last
    assert ">Первая страница</a>" in last

    past = page_text(client.get("/instances/?per_page=25&page=9"))
    assert "Здесь всего 2 страницы по 25; это последняя." in past
    only = page_text(client.get("/instances/?page=9"))
    assert "Здесь всего одна страница." in only


def test_a_search_counted_up_to_its_bound_in_russian(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("instances.list_counts.SEARCH_COUNT_LIMIT", 3)
    make(30)

    text = page_text(speaking(admin, "ru").get("/instances/?q=Shop&per_page=25"))

    nav = pager(text)
    assert "больше 3 инстансов (подсчёт остановлен на этом числе)" in nav
    assert "<span>из 1 или больше</span>" in nav


# --- The sync status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "russian"),
    [
        (1, "Green API перечислил 0 из 1 инстанса"),
        (2, "Green API перечислил 0 из 2 инстансов"),
        (5, "Green API перечислил 0 из 5 инстансов"),
    ],
)
def test_a_refused_answer_is_explained_in_russian(admin: User, total: int, russian: str) -> None:
    make(1)
    synced(timedelta(hours=2), error=REFUSAL.format(seen=0, total=total))

    text = page_text(speaking(admin, "ru").get("/instances/"))

    assert "Последняя синхронизация с Green API не удалась. Зеркало оставлено как было: " in text
    assert russian in text
    assert "Список ниже получен 2\xa0часа назад." in text
    assert "Kept the mirror" not in text
    english = page_text(speaking(admin, "en").get("/instances/"))
    assert f"Kept the mirror: Green API listed 0 of {total} instance" in english


def test_a_stale_or_failed_sync_in_russian(admin: User) -> None:
    make(1)
    synced(timedelta(hours=1))
    client = speaking(admin, "ru")

    stale = page_text(client.get("/instances/"))
    assert "Синхронизировано с Green API 1\xa0час назад." in stale
    assert "Список может быть устаревшим: работающий фоновый обработчик" in stale

    synced(timedelta(hours=1), error=INTERNAL_ERROR)
    failed = page_text(client.get("/instances/"))
    assert "Синхронизация остановилась из-за внутренней ошибки." in failed


def test_sync_now_in_russian(admin: User) -> None:
    client = speaking(admin, "ru")

    plain = client.post("/instances/sync/", {"next": "/instances/"})
    assert messages_of(plain) == [
        "Синхронизация запрошена: фоновый обработчик уже опрашивает Green API. "
        "Обновите список через минуту."
    ]

    status = page_text(client.post("/instances/sync/", {"next": "/instances/"}, **HTMX))
    assert '<div id="sync-status"' in status
    # The clock stands still: the sync asked for is still awaited (the worker ran it before).
    assert "Идёт синхронизация с Green API… Список обновится, когда она закончится." in status
    assert "Syncing" not in status


# --- The assign bar -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "russian"),
    [
        (1, "1 инстанс передан реселлеру Reseller A."),
        (2, "2 инстанса переданы реселлеру Reseller A."),
        (5, "5 инстансов переданы реселлеру Reseller A."),
    ],
)
def test_assigning_says_how_many_in_russian(
    admin: User, reseller_a: Reseller, count: int, russian: str
) -> None:
    ids = [instance.pk for instance in make(count)]

    response = speaking(admin, "ru").post(
        "/instances/assign/", {"ids": ids, "reseller": reseller_a.pk}
    )

    assert messages_of(response) == [russian]


def test_assigning_nothing_new_or_unassigning_in_russian(admin: User, reseller_a: Reseller) -> None:
    ids = [instance.pk for instance in make(2)]
    client = speaking(admin, "ru")

    response = client.post("/instances/assign/", {"ids": ids, "reseller": ""})
    assert last_message(response) == "Менять нечего: выбранные инстансы уже были без реселлера."

    client.post("/instances/assign/", {"ids": ids[:1], "reseller": reseller_a.pk})
    response = client.post("/instances/assign/", {"ids": ids, "reseller": reseller_a.pk})
    assert last_message(response) == "1 инстанс передан реселлеру Reseller A (1 уже были у него)."

    response = client.post("/instances/assign/", {"ids": ids, "reseller": ""})
    assert last_message(response) == "2 инстанса теперь без реселлера."

    response = client.post("/instances/assign/", {"ids": [], "reseller": ""})
    assert last_message(response) == "Ничего не передано. Выберите хотя бы один инстанс."
