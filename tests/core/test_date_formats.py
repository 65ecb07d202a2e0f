"""One date format per language, the same in Django's templates and in Jinja2's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.utils import timezone, translation

from core.templatetags.clock import when
from partnerportal.formats.en import formats as en_formats
from partnerportal.formats.ru import formats as ru_formats

MOMENT = datetime(2026, 7, 1, 9, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "expected", "with_seconds"),
    [
        ("en", "2026-07-01 12:30 MSK", "2026-07-01 12:30:15 MSK"),
        ("ru", "01.07.2026 12:30 MSK", "01.07.2026 12:30:15 MSK"),
    ],
)
def test_when_speaks_the_language_in_the_users_zone(
    language: str, expected: str, with_seconds: str
) -> None:
    with translation.override(language), timezone.override("Europe/Moscow"):
        assert when(MOMENT) == expected
        assert when(MOMENT, "s") == with_seconds


@pytest.mark.parametrize(
    ("language", "short_date", "short_datetime"),
    [("en", "2026-07-01", "2026-07-01 12:30"), ("ru", "01.07.2026", "01.07.2026 12:30")],
)
def test_jinja_dates_match_the_django_formats(
    language: str, short_date: str, short_datetime: str
) -> None:
    jinja = engines["jinja2"].from_string(
        "{{ moment|date }}|{{ moment|date('SHORT_DATETIME_FORMAT') }}|{{ moment|when }}"
    )
    django = engines["django"].from_string(
        '{{ moment|date:"SHORT_DATE_FORMAT" }}|{{ moment|date:"SHORT_DATETIME_FORMAT" }}'
        "|{{ moment|when }}"
    )
    with translation.override(language), timezone.override("Europe/Moscow"):
        local = timezone.localtime(MOMENT)
        from_jinja = jinja.render({"moment": MOMENT})
        from_django = django.render({"moment": local})
    assert from_jinja == from_django
    assert from_jinja.split("|")[:2] == [short_date, short_datetime]


def test_jinja_dates_use_only_the_letters_it_translates() -> None:
    """partnerportal/jinja2.py turns these formats into strftime patterns letter by letter."""
    for module in (en_formats, ru_formats):
        for name in (
            "DATE_FORMAT",
            "SHORT_DATE_FORMAT",
            "DATETIME_FORMAT",
            "SHORT_DATETIME_FORMAT",
        ):
            assert set(getattr(module, name)) <= set("YmdHisT .-:,"), (module, name)
