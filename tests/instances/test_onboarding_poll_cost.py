"""What one onboarding poll costs: Green API calls and database queries (issue 10: 500 tabs)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from instances.models import Instance
from tests.support.onboarding import HTMX, later, logged_in, text
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
