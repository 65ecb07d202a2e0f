"""The audit log's filters: the action as a list of sentences, dates as the tables print them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape as html_unescape

import pytest
import time_machine

from accounts.audit import audit_record
from accounts.audit_actions import AUDIT_ACTIONS
from accounts.models import AuditEvent
from tests.support.personas import World


def _page(world: World, query: str = "", persona: str = "admin") -> tuple[int, str, dict]:
    response = world.client(persona).get(f"/audit/{query}")
    return response.status_code, response.content.decode(), response.context["form"].errors


def test_the_action_filter_is_a_list_of_sentences_standing_for_codes(world: World) -> None:
    _, html, _ = _page(world)
    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])
    options = {code: html_unescape(label) for code, label in found}
    assert options.pop("") == "Any action"
    assert options == {code: str(label) for code, label in AUDIT_ACTIONS.items()}
    assert options["onboarding.link_open"] == "Customer opened the link"


def test_choosing_a_sentence_filters_by_its_code(world: World) -> None:
    audit_record(action="onboarding.link_open", actor=None, target=world.instance_a)
    audit_record(action="onboarding.link_issue", actor=world.admin, target=world.instance_a)
    client = world.client("admin")
    events = client.get("/audit/?action=onboarding.link_open").context["page"]
    assert [event.action for event in events] == ["onboarding.link_open"]
    assert (
        'value="onboarding.link_open" selected'
        in client.get("/audit/?action=onboarding.link_open").content.decode()
    )


@pytest.mark.parametrize(
    "junk", ["login", "onboarding.", "x.y", "<script>", "a" * 500, "login.success\x00"]
)
def test_a_junk_action_is_a_form_error_not_a_500(world: World, junk: str) -> None:
    audit_record(action="login.success", actor=world.admin)
    status, html, errors = _page(world, "?" + _query(action=junk))
    assert status == 200
    assert "Choose an action from the list." in errors["action"]
    assert "Choose an action from the list." in html
    assert "No events" in html  # nothing listed under a filter that did not apply


def _query(**values: str) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


def test_date_inputs_show_and_take_iso_dates(world: World) -> None:
    _, html, _ = _page(world, "?date_from=2026-05-01")
    field = re.search(r'<input[^>]*name="date_from"[^>]*>', html)
    assert field is not None
    tag = field[0]
    # A text input: a native date input shows the browser's format (mm/dd/yyyy in the US).
    assert 'type="text"' in tag
    assert 'placeholder="YYYY-MM-DD"' in tag
    assert 'value="2026-05-01"' in tag
    assert 'aria-describedby="id_date_from_helptext"' in tag
    assert 'id="id_date_from_helptext"' in html


def test_iso_dates_filter_the_log(world: World) -> None:
    with time_machine.travel(datetime(2026, 5, 31, 12, tzinfo=UTC), tick=False):
        audit_record(action="login.success", actor=world.admin)
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False):
        audit_record(action="logout", actor=world.admin)
    events = world.client("admin").get("/audit/?date_from=2026-06-01").context["page"]
    assert [event.action for event in events] == ["logout"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("05/31/2026", "Enter the date as YYYY-MM-DD, for example 2026-05-31."),
        ("31.05.2026", "Enter the date as YYYY-MM-DD, for example 2026-05-31."),
        ("2026-02-30", "Enter the date as YYYY-MM-DD, for example 2026-05-31."),
        ("yesterday", "Enter the date as YYYY-MM-DD, for example 2026-05-31."),
        ("1999-12-31", "Enter a date between 2000 and 2999."),
        ("9999-01-01", "Enter a date between 2000 and 2999."),
    ],
)
def test_a_bad_date_is_a_form_error(world: World, value: str, message: str) -> None:
    AuditEvent.objects.create(action="login.success", reseller=world.reseller_a)
    status, html, errors = _page(world, "?" + _query(date_to=value))
    assert status == 200
    assert errors["date_to"] == [message]
    assert "No events" in html


def test_the_usage_month_is_typed_as_the_tables_print_it(world: World) -> None:
    html = world.client("admin").get("/usage/?month=2026-11").content.decode()
    field = re.search(r'<input[^>]*name="month"[^>]*>', html)
    assert field is not None
    assert 'type="text"' in field[0]
    assert 'placeholder="YYYY-MM"' in field[0]
    assert 'value="2026-11"' in field[0]
    bad = world.client("admin").get("/usage/?month=11/2026")
    assert bad.status_code == 400  # the page, with the error on its form
    assert "Enter a month as year-month, for example 2026-11." in bad.content.decode()
