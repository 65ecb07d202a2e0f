"""The one state writer: changes go on the timeline once, older news never wins, and each
observation says when the state must be confirmed next."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from instances.models import Instance, StateChange
from instances.services.state import state_record

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def instance(db: None) -> Instance:
    return Instance.objects.create(
        id_instance=1101000077, api_token="x" * 50, time_created=NOW - timedelta(days=30)
    )


@time_machine.travel(NOW, tick=False)
def test_a_change_is_recorded_once_with_when_and_how(instance: Instance) -> None:
    assert state_record(instance=instance, state="authorized", source=StateChange.Source.POLL)
    assert not state_record(instance=instance, state="authorized", source=StateChange.Source.CHECK)

    change = StateChange.objects.get(instance=instance)
    assert (change.previous_state, change.state, change.source) == ("", "authorized", "poll")
    instance.refresh_from_db()
    assert (instance.state_checked_at, instance.state_source) == (NOW, "check")


@time_machine.travel(NOW, tick=False)
def test_older_news_never_overwrites_newer(instance: Instance) -> None:
    state_record(instance=instance, state="notAuthorized", source=StateChange.Source.POLL)

    older = NOW - timedelta(seconds=30)
    changed = state_record(
        instance=instance, state="authorized", source=StateChange.Source.WEBHOOK, at=older
    )

    assert changed is False
    instance.refresh_from_db()
    assert (instance.state, instance.state_checked_at) == ("notAuthorized", NOW)
    assert StateChange.objects.filter(instance=instance).count() == 1


@pytest.mark.parametrize(
    ("state", "changed_minutes_ago", "due_in"),
    [
        ("", None, timedelta(seconds=5)),
        ("creating", None, timedelta(seconds=5)),
        ("starting", 60, timedelta(seconds=5)),
        ("authorized", 2, timedelta(seconds=30)),
        ("authorized", 60, timedelta(minutes=5)),
        ("blocked", 60, timedelta(minutes=5)),
    ],
)
def test_the_next_check_is_sooner_where_it_matters(
    instance: Instance, state: str, changed_minutes_ago: int | None, due_in: timedelta
) -> None:
    if changed_minutes_ago is not None:
        with time_machine.travel(NOW - timedelta(minutes=changed_minutes_ago), tick=False):
            state_record(instance=instance, state=state, source=StateChange.Source.POLL)
    with time_machine.travel(NOW, tick=False):
        state_record(instance=instance, state=state, source=StateChange.Source.POLL)

    instance.refresh_from_db()
    assert instance.state_due_at == NOW + due_in


@time_machine.travel(NOW, tick=False)
def test_a_new_instance_waiting_for_its_phone_is_checked_often(instance: Instance) -> None:
    Instance.objects.filter(pk=instance.pk).update(time_created=NOW - timedelta(hours=2))

    state_record(instance=instance, state="notAuthorized", source=StateChange.Source.POLL)

    instance.refresh_from_db()
    assert instance.state_due_at == NOW + timedelta(seconds=5)


@time_machine.travel(NOW, tick=False)
def test_an_outdated_copy_records_against_what_is_stored(instance: Instance) -> None:
    # Two observers hold the same row; the second writes over a copy the first made outdated.
    page = Instance.objects.get(pk=instance.pk)
    state_record(instance=instance, state="authorized", source=StateChange.Source.WEBHOOK)

    later = NOW + timedelta(seconds=10)
    assert state_record(
        instance=page, state="notAuthorized", source=StateChange.Source.POLL, at=later
    )
    assert not state_record(
        instance=Instance.objects.get(pk=instance.pk),
        state="notAuthorized",
        source=StateChange.Source.CHECK,
        at=later + timedelta(seconds=1),
    )

    changes = StateChange.objects.filter(instance=instance).order_by("at")
    assert [(c.previous_state, c.state) for c in changes] == [
        ("", "authorized"),
        ("authorized", "notAuthorized"),  # from the row, not from the outdated copy's ""
    ]
    assert (page.state, page.state_checked_at) == ("notAuthorized", later)


@time_machine.travel(NOW, tick=False)
def test_a_copy_older_than_the_news_it_brings_still_loses_to_newer_news(
    instance: Instance,
) -> None:
    page = Instance.objects.get(pk=instance.pk)
    state_record(instance=instance, state="authorized", source=StateChange.Source.WEBHOOK)

    earlier = NOW - timedelta(seconds=10)
    assert not state_record(
        instance=page, state="blocked", source=StateChange.Source.POLL, at=earlier
    )

    instance.refresh_from_db()
    assert instance.state == "authorized"
    assert page.state == "authorized"  # the copy learned what is stored
