"""One date format per language, the same from Django's templates and from core/dates.py
(the instance list's rows)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import formats, timezone, translation
from django.utils.dateformat import format as django_format

from core.dates import LocalDates
from core.templatetags.clock import when
from core.zones import zone
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


LATE = datetime(2026, 3, 7, 21, 5, 9, tzinfo=UTC)  # the next day in Moscow and Kolkata
FORMATS = ["DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("zone_name", ["UTC", "Europe/Moscow", "Asia/Kolkata", "America/New_York"])
def test_every_format_reads_as_djangos(language: str, zone_name: str) -> None:
    place = zone(zone_name)
    with translation.override(language), timezone.override(place):
        dates = LocalDates(place)
        for name in FORMATS:
            expected = django_format(LATE.astimezone(place), formats.get_format(name))
            assert dates.format(LATE, name) == expected
        assert dates.format(LATE, "DATETIME_FORMAT", seconds=True) == when(LATE, "s")


def test_the_language_is_the_one_active_when_made() -> None:
    with translation.override("ru"):
        dates = LocalDates(zone("Europe/Moscow"))
    assert dates.format(LATE, "DATETIME_FORMAT") == "08.03.2026 00:05 MSK"
    assert dates.format(None) == ""


def test_the_formats_use_only_the_letters_core_dates_translates() -> None:
    """core/dates.py turns these formats into strftime patterns letter by letter."""
    for module in (en_formats, ru_formats):
        for name in (
            "DATE_FORMAT",
            "SHORT_DATE_FORMAT",
            "DATETIME_FORMAT",
            "SHORT_DATETIME_FORMAT",
        ):
            assert set(getattr(module, name)) <= set("YmdHisT .-:,"), (module, name)
