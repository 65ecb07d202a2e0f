"""The usage page in Chromium: uPlot draws the chart under the strict CSP, without errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Browser

from accounts.models import Reseller, User
from instances.models import Instance
from tests.e2e.conftest import log_in, open_session

# Skipped without Chromium, or failed under E2E_REQUIRED=1: see tests/e2e/conftest.py.
pytestmark = pytest.mark.e2e


def test_the_usage_chart_draws_under_the_csp(
    browser: Browser, live_server: Any, admin: User, reseller_a: Reseller
) -> None:
    Instance.objects.create(
        id_instance=1101000001, reseller=reseller_a, time_created=datetime(2026, 10, 1, tzinfo=UTC)
    )
    Instance.objects.create(
        id_instance=1101000002,
        reseller=reseller_a,
        time_created=datetime(2026, 11, 10, tzinfo=UTC),
        time_deleted=datetime(2026, 11, 20, tzinfo=UTC),
        deleted=True,
    )
    session = open_session(browser, live_server.url)
    log_in(session, admin)
    session.page.goto("/usage/?month=2026-11")
    session.page.wait_for_selector("#usage-chart[data-drawn='true'] canvas")
    session.shot("usage-chart")
    box = session.page.locator("#usage-chart canvas").first.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 100
    # The numbers stay readable as a table beside the chart.
    session.page.click("details.per-day summary")
    assert session.page.locator("details.per-day tbody tr").count() == 30
    # A CSP violation or a script error would show up as a console error.
    assert session.recorder.console_errors == []
    session.context.close()
