"""What one onboarding poll costs: Green API calls and database queries (issue 10: 500 tabs)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from instances.models import Instance
from instances.services.onboarding import QR_HOLD
from instances.services.onboarding_answers import POLL_SECONDS
from tests.support.onboarding import HTMX, decode_qr, later, logged_in, text
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


@pytest.fixture(autouse=True)
def _fresh() -> None:
    later()  # no shared answer from an earlier test's instance


def poll(user: User, instance: Instance) -> str:
    response = logged_in(user).get(f"/instances/{instance.pk}/connect/status/", **HTMX)
    assert response.status_code == 200
    return text(response)


def test_while_the_code_shows_a_poll_asks_green_api_only_for_the_qr_code(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    poll(reseller_a_user, live)
    sandbox.reset_calls()
    later()

    page = poll(reseller_a_user, live)

    assert 'data-step="ready"' in page
    # qr's answer says the state too: a code means notAuthorized, alreadyLogged a linked phone.
    assert sandbox.calls(live.pk) == {"qr": 1}


def test_a_tabs_next_poll_two_seconds_later_is_answered_without_a_call(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    # One qr answer outlives the pages' 2 s poll: a tab calls on every other poll, not each.
    assert QR_HOLD > POLL_SECONDS
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        poll(reseller_a_user, live)
        sandbox.reset_calls()
        clock.shift(POLL_SECONDS)
        poll(reseller_a_user, live)
        assert sandbox.calls(live.pk) == {}

        clock.shift(QR_HOLD)  # past the hold: the next poll asks again
        page = poll(reseller_a_user, live)

    assert 'data-step="ready"' in page
    assert sandbox.calls(live.pk) == {"qr": 1}


def test_a_poll_while_the_code_shows_reads_three_rows_and_writes_none(
    live: Instance, reseller_a_user: User
) -> None:
    client = logged_in(reseller_a_user)
    url = f"/instances/{live.pk}/connect/status/"
    client.get(url, **HTMX)  # the session's first request stamps it: not the poll's cost
    later()

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **HTMX).status_code == 200

    # On in-memory SQLite the live emulator shares this connection: its queries are not ours.
    ours = [query["sql"] for query in queries.captured_queries if '"sandbox_' not in query["sql"]]
    statements = [sql.split()[0] for sql in ours]
    sql = [statement[:70] for statement in ours]
    assert statements == ["SELECT"] * 3, sql  # the session, the user, the instance


def test_a_mirror_that_missed_a_restart_still_shows_starting(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "starting").raise_for_status()  # the mirror still says ready

    page = poll(reseller_a_user, live)

    assert 'data-step="creating"' in page
    assert "The instance is starting" in page


def test_a_mirror_that_missed_a_ban_shows_the_problem(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    sandbox.set_state(live.pk, "blocked").raise_for_status()

    page = poll(reseller_a_user, live)

    assert 'data-step="problem"' in page
    assert "banned" in page


def _qr_url_named_by(page: str) -> str:
    match = re.search(r'src="([^"]*qr\.png\?v=[0-9a-f]+)"', page)
    assert match, "no QR image in the fragment"
    return match.group(1)


def test_the_image_a_poll_named_is_served_from_its_answer_without_another_call(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)
    url = _qr_url_named_by(poll(reseller_a_user, live))
    shown = sandbox.instance(live.pk)["currentQrPayload"]
    sandbox.reset_calls()

    # The answer's hold has passed: a poll now would call again, the named image need not.
    with time_machine.travel(timezone.now() + timedelta(seconds=QR_HOLD + 1)):
        response = client.get(url)

    assert response.status_code == 200
    assert decode_qr(response.content) == shown
    assert sandbox.calls(live.pk) == {}
    # The URL names this one code, which lives 20 s: the browser may keep it, nobody else.
    assert response["Cache-Control"] == "private, max-age=20"


def test_an_image_of_a_code_no_longer_shared_is_the_current_one_and_never_stored(
    live: Instance, reseller_a_user: User, sandbox: SandboxControl
) -> None:
    response = logged_in(reseller_a_user).get(f"/instances/{live.pk}/connect/qr.png?v=0123abcd")

    assert response.status_code == 200
    assert decode_qr(response.content) == sandbox.instance(live.pk)["currentQrPayload"]
    assert response["Cache-Control"] == "no-store"
