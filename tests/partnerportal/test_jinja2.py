"""The Jinja2 environment of the hot pages (partnerportal/jinja2.py)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.template import engines
from django.utils import timezone, translation

MOMENT = datetime(2026, 1, 31, 22, 30, tzinfo=UTC)


def render(source: str, **context: object) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_date_shows_the_active_time_zone() -> None:
    # 22:30 UTC on 31 January is already 1 February in Moscow (UTC+3).
    with timezone.override(ZoneInfo("Europe/Moscow")), translation.override("en"):
        shown = render("{{ at|date('SHORT_DATETIME_FORMAT') }}", at=MOMENT)
    assert shown == "2026-02-01 01:30"


def test_date_uses_the_zone_a_page_put_in_its_context() -> None:
    # A page resolves the zone once for all its rows; the filter must use that one.
    with timezone.override(ZoneInfo("UTC")), translation.override("en"):
        shown = render(
            "{{ at|date('SHORT_DATETIME_FORMAT') }}",
            at=MOMENT,
            time_zone=ZoneInfo("Asia/Vladivostok"),
        )
    assert shown == "2026-02-01 08:30"


def test_date_is_in_the_languages_format() -> None:
    with timezone.override(ZoneInfo("Europe/Moscow")), translation.override("ru"):
        shown = render("{{ at|date('SHORT_DATETIME_FORMAT') }}", at=MOMENT)
    assert shown == "01.02.2026 01:30"


def test_date_of_nothing_is_empty() -> None:
    assert render("{{ at|date('SHORT_DATETIME_FORMAT') }}", at=None) == ""
