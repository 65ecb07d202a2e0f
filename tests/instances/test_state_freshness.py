"""'checked 2 min ago', and stale past twice its target: so an old state never passes as fine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.models import User
from instances.models import Instance, SyncState
from instances.state_freshness import age_text, stale_states, state_freshness
from tests.support.pages import logged_in, page_text

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=30)

# (state, created, changed, checked ago) -> stale? Targets: 5 s (being created, starting,
# onboarding), 30 s (changed within 10 min), STATE_MAX_AGE = 300 s (otherwise).
CASES = [
    ("authorized", LONG_AGO, LONG_AGO, timedelta(minutes=2), False),
    ("authorized", LONG_AGO, LONG_AGO, timedelta(minutes=10), False),
    ("authorized", LONG_AGO, LONG_AGO, timedelta(minutes=10, seconds=1), True),
    ("blocked", LONG_AGO, NOW - timedelta(minutes=1), timedelta(seconds=60), False),
    ("blocked", LONG_AGO, NOW - timedelta(minutes=1), timedelta(seconds=61), True),
    ("creating", NOW - timedelta(minutes=1), None, timedelta(seconds=10), False),
    ("creating", NOW - timedelta(minutes=1), None, timedelta(seconds=11), True),
    ("starting", LONG_AGO, LONG_AGO, timedelta(seconds=11), True),
    ("notAuthorized", NOW - timedelta(hours=2), LONG_AGO, timedelta(seconds=11), True),
    ("notAuthorized", LONG_AGO, LONG_AGO, timedelta(seconds=11), False),
    ("", None, None, None, True),  # never checked
]


def make(
    n: int, state: str, created: datetime | None, changed: datetime | None, ago: timedelta | None
) -> Instance:
    return Instance.objects.create(
        id_instance=1101000100 + n,
        api_token="x" * 50,
        state=state,
        time_created=created,
        state_changed_at=changed,
        state_checked_at=None if ago is None else NOW - ago,
        state_source="poll" if ago is not None else "",
    )


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_state_is_stale_past_twice_its_target_in_python_and_in_sql() -> None:
    rows = [make(n, *case[:4]) for n, case in enumerate(CASES)]

    stale_in_python = [state_freshness(instance).stale for instance in rows]
    stale_in_sql = set(Instance.objects.filter(stale_states()).values_list("pk", flat=True))

    assert stale_in_python == [case[4] for case in CASES]
    expected = {instance.pk for instance, case in zip(rows, CASES, strict=True) if case[4]}
    assert stale_in_sql == expected


@pytest.mark.django_db
def test_deleted_instances_are_never_counted_stale() -> None:
    instance = make(0, "", None, None, None)
    Instance.objects.filter(pk=instance.pk).update(deleted=True)

    assert not Instance.objects.filter(stale_states()).exists()


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(seconds=0), "0 s ago"),
        (timedelta(seconds=59), "59 s ago"),
        (timedelta(minutes=2, seconds=30), "2 min ago"),
        (timedelta(hours=3), "3 h ago"),
        (timedelta(days=4), "4 days ago"),
    ],
)
def test_the_age_reads_like_a_person_would_say_it(age: timedelta, text: str) -> None:
    assert age_text(age) == text


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_list_tells_fresh_stale_and_never_checked_apart(admin: User) -> None:
    fresh = make(0, "authorized", LONG_AGO, LONG_AGO, timedelta(minutes=2))
    stale = make(1, "authorized", LONG_AGO, LONG_AGO, timedelta(minutes=11))
    never = make(2, "", None, None, None)
    SyncState.objects.update_or_create(pk=1, defaults={"last_success_at": NOW})

    page = page_text(logged_in(admin).get("/instances/"))

    def cell(instance: Instance) -> str:
        start = page.index(f">{instance.pk}</a>")
        return page[start : page.index("</tr>", start)]

    assert "checked 2 min ago" in cell(fresh)
    assert "Stale" not in cell(fresh)
    assert "Stale: checked 11 min ago" in cell(stale)
    assert "Never checked" in cell(never)
    assert 'class="state-stale"' in cell(stale)
    # When and how, to the second, in the title.
    assert 'title="Last confirmed 2026-12-01 11:58:00 UTC (checked by the worker)"' in cell(fresh)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_instance_page_marks_a_stale_state(admin: User) -> None:
    stale = make(0, "blocked", LONG_AGO, LONG_AGO, timedelta(hours=3))

    page = page_text(logged_in(admin).get(f"/instances/{stale.pk}/"))

    assert "Blocked" in page
    assert "Stale: checked 3 h ago" in page
    assert "(checked by the worker)" in page  # how it was last confirmed (in the title)
