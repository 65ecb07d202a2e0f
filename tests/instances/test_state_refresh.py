"""The worker's state checks: true states without a page view, within their targets, calm
under Green API's failures and limits (instances/services/state_refresh.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.models import Instance, StateChange
from instances.services import state_refresh
from instances.services.state_refresh import LEASE, states_refresh_due
from instances.services.sync import instances_sync
from sandbox import busy
from tests.support.pages import logged_in, page_text
from tests.support.sandbox import SandboxControl

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STATE_CALLS = "getStateInstance"

pytestmark = pytest.mark.usefixtures("greenapi_settings")


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def remote(name: str) -> int:
    """An instance created at Green API (the emulator), unknown to the portal until a sync."""
    return partner_client().create_instance(CreateInstanceParams(name=name)).id_instance


def mirrored(*names: str) -> dict[str, int]:
    """Instances created at Green API and mirrored by a sync (as the worker's sync does)."""
    ids = {name: remote(name) for name in names}
    assert instances_sync().created == len(names)
    return ids


def state_calls(sandbox: SandboxControl, id_instance: int | None = None) -> int:
    return sandbox.calls(id_instance).get(STATE_CALLS, 0)


def row(id_instance: int) -> Instance:
    return Instance.objects.get(pk=id_instance)


def list_row(page: str, id_instance: int) -> str:
    """The list page's table row of one instance."""
    start = page.index(f">{id_instance}</a>")
    return page[start : page.index("</tr>", start)]


def test_instances_show_their_true_states_in_the_list_without_a_page_view(
    sandbox: SandboxControl, clock: time_machine.Coordinates, admin: User, settings: Any
) -> None:
    ids = mirrored("Linked", "Logged out", "Blocked")

    first = states_refresh_due()

    assert (first.checked, first.rate_limited, first.failed) == (3, 0, 0)
    assert {row(pk).state for pk in ids.values()} == {Instance.State.NOT_AUTHORIZED}
    # Green API moves on: a phone links, another links and will log out, one is banned.
    for name, state in (
        ("Linked", "authorized"),
        ("Logged out", "authorized"),
        ("Blocked", "blocked"),
    ):
        assert sandbox.set_state(ids[name], state).status_code == 200
    # New and waiting for a phone: their target is 5 s. Not due a moment before it.
    clock.shift(timedelta(seconds=4))
    assert states_refresh_due().checked == 0
    clock.shift(timedelta(seconds=1))
    second = states_refresh_due()
    assert (second.checked, second.changed) == (3, 3)
    assert row(ids["Linked"]).phone  # the number, once linked (getWaSettings)
    # A state that just changed is confirmed every 30 s: the logout shows within that.
    assert sandbox.set_state(ids["Logged out"], "notAuthorized").status_code == 200
    clock.shift(timedelta(seconds=29))
    assert states_refresh_due().checked == 0
    clock.shift(timedelta(seconds=1))
    assert (states_refresh_due().checked, StateChange.objects.count()) == (3, 7)
    assert row(ids["Logged out"]).state == Instance.State.NOT_AUTHORIZED
    # One more, still being built by Green API.
    settings.SANDBOX_CREATE_SECONDS = 600
    ids |= mirrored("Created")
    assert states_refresh_due().checked == 1

    calls_before = state_calls(sandbox)
    page = page_text(logged_in(admin).get("/instances/"))

    assert state_calls(sandbox) == calls_before  # the page only read the mirror
    expected = {
        "Linked": "Linked",
        "Logged out": "Not linked",
        "Blocked": "Blocked",
        "Created": "Being created",
    }
    for name, label in expected.items():
        cells = list_row(page, ids[name])
        assert f">{label}</span>" in cells, name
        assert "checked 0 s ago" in cells, cells  # every state confirmed in the last round
        assert "Stale" not in cells
    changes = StateChange.objects.filter(source=StateChange.Source.POLL)
    assert changes.count() == 8  # each change once: 3 + 3 + 1 + 1 (creating)
    # One call per due instance per round; at 30 s all three just-changed states were due.
    assert state_calls(sandbox) == 3 + 3 + 3 + 1


def test_a_state_is_recorded_as_the_workers_with_when_it_was_asked(
    sandbox: SandboxControl, clock: time_machine.Coordinates
) -> None:
    id_instance = mirrored("Shop")["Shop"]

    states_refresh_due()

    instance = row(id_instance)
    assert (instance.state, instance.state_source) == ("notAuthorized", "poll")
    assert instance.state_checked_at == START
    assert instance.state_due_at == START + timedelta(seconds=5)  # onboarding: 5 s
    change = StateChange.objects.get(instance=instance)
    assert (change.previous_state, change.state, change.source) == ("", "notAuthorized", "poll")


def test_no_instance_is_asked_twice_within_a_second(
    sandbox: SandboxControl, clock: time_machine.Coordinates
) -> None:
    ids = mirrored("One", "Two")

    assert states_refresh_due().checked == 2
    again = states_refresh_due()

    assert (again.checked, again.rate_limited, again.skipped) == (0, 0, 0)
    for id_instance in ids.values():
        assert state_calls(sandbox, id_instance) == 1


def test_a_429_holds_back_that_instance_for_its_retry_after(
    sandbox: SandboxControl, clock: time_machine.Coordinates
) -> None:
    ids = mirrored("Busy", "Calm")
    sandbox.add_fault(STATE_CALLS, "http429", idInstance=ids["Busy"], times=1)

    result = states_refresh_due()

    assert (result.checked, result.rate_limited, result.failed, result.pause) == (1, 1, 0, 0)
    assert state_calls(sandbox, ids["Busy"]) == 1  # not retried inside the round
    assert row(ids["Busy"]).state_due_at == START + timedelta(seconds=1)  # Retry-After: 1
    assert states_refresh_due().checked == 0
    clock.shift(timedelta(seconds=1))
    assert states_refresh_due().checked == 1
    assert row(ids["Busy"]).state == Instance.State.NOT_AUTHORIZED


@pytest.mark.parametrize("kind", ["down", "http500", "http502", "malformed", "error200", "hang"])
def test_a_failing_green_api_loses_nothing_and_is_asked_again_after_a_pause(
    sandbox: SandboxControl, clock: time_machine.Coordinates, settings: Any, kind: str
) -> None:
    ids = mirrored("A", "B", "C")
    # Give up on a hung call within a second.
    settings.GREEN_API_READ_TIMEOUT, settings.GREEN_API_DEADLINE = 0.5, 1.0
    emulator_url = settings.GREEN_API_PARTNER_URL
    if kind == "down":
        settings.GREEN_API_PARTNER_URL = "http://127.0.0.1:9/sandbox"  # nothing listens there
    else:
        sandbox.add_fault(STATE_CALLS, kind, **({"seconds": 1.5} if kind == "hang" else {}))

    failed = states_refresh_due()
    # The emulator finishes the calls given up on before the test talks to it again.
    assert busy.wait_idle(timeout=30)

    assert (failed.checked, failed.failed, failed.pause) == (0, 3, 5.0)
    for id_instance in ids.values():
        # Asked once: no retries piled on a failing upstream.
        assert state_calls(sandbox, id_instance) == (0 if kind == "down" else 1)
        instance = row(id_instance)
        assert (instance.state, instance.state_checked_at) == ("", None)  # nothing half-known
    settings.GREEN_API_PARTNER_URL = emulator_url
    sandbox.clear_faults()
    clock.shift(timedelta(seconds=4))
    paused = states_refresh_due()
    assert (paused.checked, paused.pause) == (0, 1.0)
    assert state_calls(sandbox) == (0 if kind == "down" else 3)
    clock.shift(timedelta(seconds=1))
    recovered = states_refresh_due()
    assert (recovered.checked, recovered.changed, recovered.pause) == (3, 3, 0)
    assert StateChange.objects.count() == 3


def test_an_outage_stops_the_round_and_lengthens_the_pause_until_green_api_answers(
    sandbox: SandboxControl, clock: time_machine.Coordinates
) -> None:
    ids = mirrored(*(f"Shop {n}" for n in range(7)))
    sandbox.add_fault(STATE_CALLS, "http500")

    first = states_refresh_due()

    # Five failures in a row stop the round (threads already asking finish their call).
    assert first.failed >= 5
    assert first.failed + first.skipped == 7
    assert first.pause == 5.0
    calls = state_calls(sandbox)
    assert states_refresh_due().pause == 5.0
    assert state_calls(sandbox) == calls  # left alone while paused
    clock.shift(timedelta(seconds=5))
    assert states_refresh_due().pause == 10.0  # still failing: a longer pause
    clock.shift(timedelta(seconds=10))
    assert states_refresh_due().pause == 20.0
    sandbox.clear_faults()
    clock.shift(timedelta(seconds=20))
    recovered = states_refresh_due()
    assert (recovered.checked, recovered.pause) == (7, 0)
    assert {row(pk).state for pk in ids.values()} == {Instance.State.NOT_AUTHORIZED}
    # Healthy again, so a new failure starts from the first pause.
    sandbox.add_fault(STATE_CALLS, "http500")
    clock.shift(timedelta(seconds=5))
    assert states_refresh_due().pause == 5.0


def test_urgent_instances_are_asked_first(
    sandbox: SandboxControl, clock: time_machine.Coordinates
) -> None:
    ids = mirrored("Settled", "Long overdue", "Starting", "Never checked")
    Instance.objects.filter(pk=ids["Settled"]).update(
        state="authorized", state_due_at=START - timedelta(seconds=10)
    )
    Instance.objects.filter(pk=ids["Long overdue"]).update(
        state="blocked", state_due_at=START - timedelta(minutes=10)
    )
    Instance.objects.filter(pk=ids["Starting"]).update(
        state="starting", state_due_at=START - timedelta(seconds=1)
    )

    assert states_refresh_due(limit=2).checked == 2

    asked = {name for name, pk in ids.items() if state_calls(sandbox, pk)}
    assert asked == {"Never checked", "Starting"}
    assert states_refresh_due(limit=1).checked == 1
    assert state_calls(sandbox, ids["Long overdue"]) == 1


def test_deleted_and_not_yet_due_instances_are_not_asked(
    sandbox: SandboxControl, clock: time_machine.Coordinates
) -> None:
    ids = mirrored("Deleted", "Later")
    Instance.objects.filter(pk=ids["Deleted"]).update(deleted=True)
    Instance.objects.filter(pk=ids["Later"]).update(state_due_at=START + timedelta(seconds=1))

    assert states_refresh_due() == state_refresh.RefreshResult()
    assert state_calls(sandbox) == 0


def test_an_instance_without_a_token_is_skipped_until_its_next_target(
    sandbox: SandboxControl, clock: time_machine.Coordinates, settings: Any
) -> None:
    id_instance = mirrored("No token")["No token"]
    Instance.objects.filter(pk=id_instance).update(api_token="")

    result = states_refresh_due()

    assert (result.checked, result.skipped) == (0, 1)
    assert state_calls(sandbox) == 0
    assert row(id_instance).state_due_at == START + timedelta(seconds=settings.STATE_MAX_AGE)


def test_a_round_killed_midway_leaves_no_half_state(
    sandbox: SandboxControl, clock: time_machine.Coordinates, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = mirrored("A", "B")

    def killed(**kwargs: Any) -> bool:
        raise KeyboardInterrupt  # as a worker stopped while recording

    monkeypatch.setattr(state_refresh, "state_record", killed)
    with pytest.raises(KeyboardInterrupt):
        states_refresh_due()
    monkeypatch.undo()

    rows = [row(id_instance) for id_instance in ids.values()]
    assert {(instance.state, instance.state_checked_at) for instance in rows} == {("", None)}
    assert not StateChange.objects.exists()
    # The one being recorded (and any other already asked) stays claimed: no round asks about it
    # until the claim's lease ends. The others are due as before.
    claimed = [instance for instance in rows if instance.state_due_at == START + LEASE]
    assert claimed
    others = {instance.state_due_at for instance in rows if instance not in claimed}
    assert others <= {None, START}
    assert states_refresh_due().checked == 2 - len(claimed)
    clock.shift(LEASE)
    assert states_refresh_due().changed == len(claimed)
    assert StateChange.objects.count() == 2


def test_the_command_runs_one_round(
    sandbox: SandboxControl, clock: time_machine.Coordinates
) -> None:
    mirrored("Shop")
    out = _run_command()

    assert "State refresh: 1 checked (1 changed), 0 failed, 0 rate limited, 0 skipped." in out
    assert "0 checked" in _run_command()


def _run_command() -> str:
    out = StringIO()
    call_command("refresh_states", stdout=out)
    return out.getvalue()


def test_the_instance_page_shows_when_the_worker_last_checked(
    sandbox: SandboxControl, clock: time_machine.Coordinates, admin: User
) -> None:
    id_instance = mirrored("Shop")["Shop"]
    client: Client = logged_in(admin)
    assert "Never checked" in page_text(client.get(f"/instances/{id_instance}/"))

    states_refresh_due()
    clock.shift(timedelta(seconds=3))

    page = page_text(client.get(f"/instances/{id_instance}/"))
    assert "Not linked" in page
    assert "checked 3 s ago" in page
    assert "Stale" not in page
