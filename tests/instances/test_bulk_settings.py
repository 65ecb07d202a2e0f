"""Bulk "apply settings": the settings page's fields for many instances, sent by the worker."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

import pytest
from django.db import connection

from accounts.models import AuditEvent, Reseller, User
from instances.bulk_forms import BulkSettingsForm
from instances.greenapi_factory import instance_client
from instances.models import BulkItem, BulkJob, Instance
from instances.services.bulk import bulk_run_job, bulk_start
from tests.support.onboarding import make_instance
from tests.support.pages import logged_in, page_text
from tests.support.sandbox import SandboxControl

SECRET = "hook-secret-5d1e8b"
NEW = "/instances/bulk/new/"


def instances(reseller: Reseller | None, count: int, settings: Any) -> list[Instance]:
    settings.SANDBOX_RATE_LIMITS = False  # making them fast is not what is tested
    made = [make_instance(reseller, name=f"Shop {n}") for n in range(count)]
    settings.SANDBOX_RATE_LIMITS = True
    return made


def chosen(made: list[Instance], **fields: str) -> dict[str, Any]:
    return {"action": "settings", "ids": [i.pk for i in made], "confirm": "1", **fields}


def read_back(instance: Instance, settings: Any) -> Any:
    # The bulk run has just called setSettings on it: a second call within 1 s would be a 429.
    settings.SANDBOX_RATE_LIMITS = False
    return instance_client(instance).get_settings()


def statuses(job: BulkJob) -> dict[int, tuple[str, str]]:
    items = BulkItem.objects.filter(job=job)
    return {item.instance_id: (item.status, item.message) for item in items}


# The form: each field can be left alone, and what is chosen is checked like the single page.


def test_a_form_with_nothing_chosen_says_so() -> None:
    form = BulkSettingsForm({"delay_send_messages_milliseconds": "", "state_webhook": ""})

    assert not form.is_valid()
    assert form.non_field_errors() == [
        "Choose at least one setting to apply: the ones left unchanged are not sent."
    ]


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"webhook_url": "ftp://files.example.com/"}, "webhook_url", "must start with https://"),
        ({"webhook_url": "javascript:alert(1)"}, "webhook_url", "Enter a valid URL."),
        ({"webhook_url_token": "tok en"}, "webhook_url_token", "without spaces"),
        (
            {"delay_send_messages_milliseconds": "499"},
            "delay_send_messages_milliseconds",
            "greater than or equal to 500",
        ),
        ({"state_webhook": "maybe"}, "state_webhook", "Select a valid choice."),
        (
            {"webhook_url_token": "abc", "clear_webhook_url_token": "on"},
            "__all__",
            "Either type a new webhook token or remove the current one, not both.",
        ),
        (
            {"webhook_url": "https://hooks.example.com/", "clear_webhook_url": "on"},
            "__all__",
            "Either type a webhook URL or turn webhooks off, not both.",
        ),
    ],
)
def test_bad_values_are_clear_errors(data: dict[str, str], field: str, error: str) -> None:
    form = BulkSettingsForm(data)

    assert not form.is_valid()
    assert any(error in message for message in form.errors[field]), form.errors


def test_only_the_chosen_settings_are_sent() -> None:
    form = BulkSettingsForm(
        {
            "webhook_url": "",
            "delay_send_messages_milliseconds": "1500",
            "state_webhook": "yes",
            "incoming_webhook": "no",
            "keep_online_status": "",
            "clear_webhook_url_token": "on",
        }
    )

    assert form.is_valid(), form.errors
    assert form.changes() == {
        "delaySendMessagesMilliseconds": 1500,
        "stateWebhook": "yes",
        "incomingWebhook": "no",
        "webhookUrlToken": "",
    }
    off = BulkSettingsForm({"clear_webhook_url": "on"})
    assert off.is_valid()
    assert off.changes() == {"webhookUrl": ""}


# The pages and the worker, against the emulator.


@pytest.mark.usefixtures("greenapi_settings")
def test_the_settings_are_asked_for_then_applied_to_each_instance(
    reseller_a_user: User, sandbox: SandboxControl, settings: Any
) -> None:
    made = instances(reseller_a_user.reseller, 3, settings)
    settings.SANDBOX_RATE_LIMITS = False
    instance_client(made[0]).set_settings({"incomingCallWebhook": "yes"})
    settings.SANDBOX_RATE_LIMITS = True
    sandbox.reset_calls()
    client = logged_in(reseller_a_user)

    form = client.post(NEW, {"action": "settings", "ids": [i.pk for i in made]})
    empty = client.post(NEW, chosen(made))
    response = client.post(
        NEW,
        chosen(
            made,
            webhook_url="https://hooks.example.com/all",
            webhook_url_token=SECRET,
            delay_send_messages_milliseconds="1500",
            state_webhook="yes",
            incoming_webhook="no",
        ),
    )

    assert "Apply settings to 3 instances?" in page_text(form)
    assert 'name="state_webhook"' in form.content.decode()
    assert empty.status_code == 200
    assert "Choose at least one setting to apply" in page_text(empty)
    job = BulkJob.objects.get()
    assert response["Location"] == f"/instances/bulk/{job.pk}/"
    assert {status for status, _ in statuses(job).values()} == {"done"}
    for instance in made:
        remote = read_back(instance, settings)
        assert remote.webhook_url == "https://hooks.example.com/all"
        assert remote.webhook_url_token == SECRET
        assert remote.delay_send_messages_milliseconds == 1500
        assert (remote.state_webhook, remote.incoming_webhook) == ("yes", "no")
        assert sandbox.calls(instance.pk)["setSettings"] == 1
    # Not chosen, so not sent: the first instance keeps its own.
    assert read_back(made[0], settings).incoming_call_webhook == "yes"
    page = page_text(client.get(response["Location"]))
    assert "3 of 3 finished: done." in page
    assert "Settings applied: delaySendMessagesMilliseconds, incomingWebhook, stateWebhook" in page
    assert "webhookUrlToken (replaced)" in page
    assert SECRET not in page


@pytest.mark.usefixtures("greenapi_settings")
def test_an_instance_green_api_refuses_fails_with_why(
    admin: User, reseller_a: Reseller, sandbox: SandboxControl, settings: Any
) -> None:
    made = instances(reseller_a, 3, settings)
    refused = made[1]
    sandbox.add_fault(
        "setSettings", "error200", idInstance=refused.pk, body={"saveSettings": False}
    )

    logged_in(admin).post(NEW, chosen(made, keep_online_status="yes"))

    job = BulkJob.objects.get()
    results = statuses(job)
    assert results[refused.pk] == (
        "failed",
        "Could not save the settings: Green API did not confirm them.",
    )
    assert {results[i.pk][0] for i in made if i != refused} == {"done"}
    assert read_back(made[0], settings).keep_online_status == "yes"
    assert read_back(refused, settings).keep_online_status == "no"
    page = page_text(logged_in(admin).get(f"/instances/bulk/{job.pk}/"))
    assert "Green API did not confirm them." in page


@pytest.mark.usefixtures("greenapi_settings")
def test_a_reseller_applies_settings_only_to_its_own(
    reseller_a_user: User, reseller_b: Reseller, sandbox: SandboxControl, settings: Any
) -> None:
    own = instances(reseller_a_user.reseller, 1, settings)
    other = instances(reseller_b, 1, settings)

    logged_in(reseller_a_user).post(NEW, chosen(own + other, state_webhook="yes"))

    job = BulkJob.objects.get()
    assert set(statuses(job)) == {own[0].pk}
    assert sandbox.calls(other[0].pk).get("setSettings", 0) == 0
    assert read_back(other[0], settings).state_webhook == "no"


@pytest.mark.usefixtures("greenapi_settings")
def test_instances_that_changed_hands_or_were_deleted_are_skipped_with_why(
    reseller_a_user: User, reseller_b: Reseller, sandbox: SandboxControl, settings: Any
) -> None:
    made = instances(reseller_a_user.reseller, 3, settings)
    job = bulk_start(
        user=reseller_a_user,
        action="settings",
        ids=[i.pk for i in made],
        settings={"stateWebhook": "yes"},
    )
    Instance.objects.filter(pk=made[1].pk).update(reseller=reseller_b)
    Instance.objects.filter(pk=made[2].pk).update(deleted=True)

    bulk_run_job(job.pk)

    assert statuses(job) == {
        made[0].pk: ("done", "saved; the instance restarts to apply them"),
        made[1].pk: ("skipped", "not allowed for this instance"),
        made[2].pk: ("skipped", "already deleted"),
    }
    assert sandbox.calls(made[1].pk).get("setSettings", 0) == 0


def test_support_agents_cannot_apply_settings(
    support: User, admin: User, instance_a: Instance
) -> None:
    response = logged_in(support).post(NEW, chosen([instance_a], state_webhook="yes"))

    assert response.status_code == 403
    assert not BulkJob.objects.exists()
    assert 'value="settings"' not in logged_in(support).get("/instances/").content.decode()
    assert (
        'value="settings">Apply settings…' in logged_in(admin).get("/instances/").content.decode()
    )


@pytest.mark.usefixtures("greenapi_settings")
def test_the_secret_is_kept_encrypted_and_never_shown(
    admin: User,
    reseller_a: Reseller,
    sandbox: SandboxControl,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    made = instances(reseller_a, 2, settings)
    sandbox.add_fault("setSettings", "http500", idInstance=made[1].pk)
    changes = {"webhookUrl": "https://user:pw@hooks.example.com/", "webhookUrlToken": SECRET}
    job = bulk_start(user=admin, action="settings", ids=[i.pk for i in made], settings=changes)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM instances_bulkjob WHERE id = %s", [job.pk])
        stored = repr(cursor.fetchall())
    caplog.set_level(logging.DEBUG)
    bulk_run_job(job.pk)
    table = logged_in(admin).get(f"/instances/bulk/{job.pk}/results.csv").content.decode()

    assert "v2:" in stored  # encrypted like the other secrets at rest
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 2
    assert {int(row["id"]): row["result"] for row in rows} == {
        made[0].pk: "done",
        made[1].pk: "failed",
    }
    audit = " ".join(AuditEvent.objects.values_list("detail", flat=True))
    assert "webhookUrlToken (replaced)" in audit
    for seen in (stored, table, caplog.text, audit):
        assert SECRET not in seen
        assert "user:pw" not in seen
    # Once every instance is finished the job no longer needs them: they are erased.
    assert BulkJob.objects.get(pk=job.pk).settings_changes == ""


@pytest.mark.usefixtures("greenapi_settings")
def test_a_token_typed_into_a_refused_form_is_not_echoed(admin: User, instance_a: Instance) -> None:
    response = logged_in(admin).post(
        NEW,
        chosen([instance_a], webhook_url_token=SECRET, delay_send_messages_milliseconds="1"),
    )

    assert response.status_code == 200
    assert "greater than or equal to 500" in page_text(response)
    assert SECRET not in response.content.decode()
    assert not BulkJob.objects.exists()
