"""The cockpit in Chromium: the overview's chart under the CSP, and a bulk action's progress."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser

from accounts.models import Reseller, User
from instances.models import Instance, StateChange
from tests.e2e.conftest import log_in, open_session
from tests.support.onboarding import make_instance

# Skipped without Chromium, or failed under E2E_REQUIRED=1: see tests/e2e/conftest.py.
pytestmark = pytest.mark.e2e


def test_the_overview_lands_after_login_and_draws_its_chart(
    browser: Browser, live_server: Any, admin: User, reseller_a: Reseller
) -> None:
    now = timezone.now()
    for n in range(5):
        instance = Instance.objects.create(
            id_instance=1101000001 + n,
            reseller=reseller_a,
            state="authorized",
            time_created=now - timedelta(days=n * 3),
        )
        StateChange.objects.create(
            instance=instance,
            previous_state="notAuthorized",
            state="authorized",
            source="poll",
            at=now - timedelta(days=n * 3),
        )
    session = open_session(browser, live_server.url)

    log_in(session, admin)

    page = session.page
    assert page.url.endswith("/instances/overview/")
    page.wait_for_selector("#overview-chart[data-drawn='true'] canvas")
    session.shot("overview")
    box = page.locator("#overview-chart canvas").first.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 100
    # The legend names the day the cursor is on, as a date, not uPlot's "Value" and an index.
    page.locator("#overview-chart .u-over").hover()
    legend = page.locator("#overview-chart .u-legend").inner_text()
    assert "value" not in legend.lower()
    assert re.search(r"day\s*\d{2}-\d{2}", legend, re.IGNORECASE), legend
    # The numbers are also a table, for whoever cannot see the chart.
    page.click("details summary")
    assert page.locator("table.series tbody tr").count() == 30
    page.click("a[href='/instances/?state=authorized']")  # a count opens the list, filtered
    page.wait_for_url("**/instances/?state=authorized")
    assert session.recorder.console_errors == []
    session.context.close()


def test_a_bulk_reboot_shows_its_progress_and_results(
    browser: Browser, live_server: Any, admin: User, reseller_a: Reseller, greenapi_settings: Any
) -> None:
    greenapi_settings.SANDBOX_RATE_LIMITS = False
    made = [make_instance(reseller_a, name=f"Shop {n}") for n in range(3)]
    session = open_session(browser, live_server.url)
    log_in(session, admin)
    page = session.page
    page.goto("/instances/")

    for instance in made:
        page.check(f"input[name=ids][value='{instance.pk}']")
    page.click("button[value=reboot]")
    page.wait_for_selector("text=Reboot 3 instances?")
    page.click("button:has-text('Reboot 3 instances')")

    page.wait_for_selector("#bulk-progress progress[value='3'][max='3']")
    session.shot("bulk-progress")
    assert page.locator("#bulk-progress tbody tr").count() == 3
    assert page.locator("#bulk-progress").inner_text().count("Done") == 3
    assert session.recorder.console_errors == []
    session.context.close()
